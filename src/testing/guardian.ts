/**
 * The guardian: a tiny watcher process that kills a test's control-plane components and removes
 * their temporary directories when the Node process that started them dies, even by SIGKILL.
 *
 * It reads commands on stdin (`+pgid N`, `-pgid N`, `+dir PATH`, `-dir PATH`); end of stdin means
 * its parent is gone (or finished with it): it sends SIGTERM to every process group it holds, then
 * SIGKILL after a short grace, removes the directories and exits.
 */

import { type ChildProcess, spawn } from 'node:child_process';

const GUARDIAN_SOURCE = `
const groups = new Set(); const dirs = new Set(); let buf = '';
process.stdin.on('data', (d) => {
  buf += d; const lines = buf.split('\\n'); buf = lines.pop();
  for (const l of lines) {
    const [op, ...rest] = l.split(' '); const v = rest.join(' ');
    if (op === '+pgid') groups.add(Number(v)); else if (op === '-pgid') groups.delete(Number(v));
    else if (op === '+dir') dirs.add(v); else if (op === '-dir') dirs.delete(v);
  }
});
process.stdin.on('end', () => {
  const kill = (sig) => { for (const g of groups) { try { process.kill(-g, sig); } catch {} } };
  kill('SIGTERM');
  const alive = () => [...groups].some((g) => { try { process.kill(-g, 0); return true; } catch { return false; } });
  const started = Date.now();
  const tick = setInterval(() => {
    if (alive() && Date.now() - started < 2000) return;
    clearInterval(tick); kill('SIGKILL');
    const fs = require('node:fs');
    setTimeout(() => { for (const d of dirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch {} } process.exit(0); }, alive() ? 200 : 0);
  }, 50);
});
process.on('SIGINT', () => {}); process.on('SIGTERM', () => {});
`;

let guardian: ChildProcess | undefined;
let held = 0;

function send(line: string): void {
  if (!guardian) {
    guardian = spawn(process.execPath, ['-e', GUARDIAN_SOURCE], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    guardian.unref();
    // The pipe must not keep this process alive; its end is the signal.
    (guardian.stdin as unknown as { unref?: () => void }).unref?.();
    guardian.stdin?.on('error', () => undefined);
  }
  guardian.stdin?.write(`${line}\n`);
}

/** Asks the guardian to kill process group `pgid` if this process dies first. */
export function guardProcessGroup(pgid: number): void {
  held++;
  send(`+pgid ${pgid}`);
}

/** The process group has been stopped cleanly. */
export function releaseProcessGroup(pgid: number): void {
  send(`-pgid ${pgid}`);
  release();
}

/** Asks the guardian to remove `dir` if this process dies first. */
export function guardDirectory(dir: string): void {
  held++;
  send(`+dir ${dir}`);
}

/** The directory has been removed cleanly. */
export function releaseDirectory(dir: string): void {
  send(`-dir ${dir}`);
  release();
}

function release(): void {
  held--;
  if (held === 0 && guardian) {
    // Nothing left to guard: let it exit rather than linger.
    guardian.stdin?.end();
    guardian = undefined;
  }
}

/** The guardian's pid, for tests. */
export function guardianPid(): number | undefined {
  return guardian?.pid;
}
