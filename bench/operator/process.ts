/**
 * A contender process as the operator benchmark sees it: `launch()` starts one, reads its `synced`
 * and `gc done` lines (bench/operator/protocol.ts), and reads its CPU time and resident memory from
 * /proc, whatever language it is written in.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';

/** How to start one contender on one namespace. */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
}

export interface Contender {
  readonly pid: number;
  /** `performance.now()` when it was spawned. */
  readonly startedAt: number;
  /** Resolves at the `synced` line; `performance.now()` then. Rejects if it exits or times out first. */
  synced(timeoutMs: number): Promise<number>;
  /**
   * Collects garbage in the contender (the `gc` line); resolves at `gc done` to the figures it
   * reports (`heap`, the live heap, and whatever else it names), none if it reports none.
   */
  gc(timeoutMs: number): Promise<Record<string, number>>;
  /** Asks for its `stats` line (protocol.ts); resolves to the figures in it. */
  stats(timeoutMs: number): Promise<Record<string, number>>;
  /** CPU seconds (user + system) it has used so far. */
  cpuSeconds(): Promise<number>;
  /** VmRSS in bytes. */
  rss(): Promise<number>;
  /**
   * VmRSS split in bytes: anonymous memory (heaps, stacks: the process's own) and file-backed
   * pages (its executable and libraries as far as they were touched, shared with other processes).
   */
  rssParts(): Promise<{ anon: number; file: number }>;
  /**
   * Waits until it has used under `share` of one core for a whole second (at most `timeoutMs`).
   * Resolves to `performance.now()` when that quiet second began, or undefined on timeout.
   */
  quiet(timeoutMs: number, share?: number): Promise<number | undefined>;
  /** Why it stopped, if it did. */
  readonly exited: string | undefined;
  /** Its last lines on stderr, for failure reports. */
  tail(): string;
  /** Ends stdin and sends SIGTERM; SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const live = new Set<ChildProcess>();
const killAll = () => {
  for (const child of live) child.kill('SIGKILL');
};
// Never leave a contender behind, whatever ended the bench: on exit, and on a signal whose default
// action would end the process without an 'exit' event (then the signal is raised again, so the
// bench ends as it would have).
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/** The ` name=NUMBER` pairs of a protocol line. */
function figures(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [, name, value] of text.matchAll(/\b(\w+)=(-?[\d.]+)/g)) out[name!] = Number(value);
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function launch(spec: LaunchSpec): Contender {
  const child = spawn(spec.command, spec.args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
    env: { ...process.env, ...spec.env },
  });
  const startedAt = performance.now();
  live.add(child);
  const lines: string[] = [];
  let exited: string | undefined;
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const w of waiters) w();
  };
  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      live.delete(child);
      wakeAll();
      resolve();
    });
  });
  child.on('error', (err) => {
    exited = `could not start ${spec.command}: ${err.message}`;
    live.delete(child);
    wakeAll();
  });
  child.stdin!.on('error', () => {});
  const stdout: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout.push(line.trim());
    wakeAll();
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (!line.trim()) return;
    lines.push(line.trim().slice(0, 300));
    if (lines.length > 20) lines.shift();
  });
  const tail = () => (lines.length ? `; stderr: ${lines.slice(-3).join(' / ')}` : '');

  /** Waits for a stdout line that is `want` or starts with `want ` (consuming it and every line before it). */
  async function line(want: string, timeoutMs: number): Promise<{ at: number; text: string }> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const at = stdout.findIndex((l) => l === want || l.startsWith(`${want} `));
      if (at >= 0) {
        const text = stdout[at]!;
        stdout.splice(0, at + 1);
        return { at: performance.now(), text };
      }
      if (exited) {
        await sleep(50); // let its last words arrive
        throw new Error(`${exited} before saying "${want}"${tail()}`);
      }
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`did not say "${want}" within ${Math.round(timeoutMs / 1000)} s${tail()}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        waiters.add(done);
      });
    }
  }

  async function cpuSeconds(): Promise<number> {
    const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  }

  return {
    pid: child.pid ?? -1,
    startedAt,
    synced: async (timeoutMs) => (await line('synced', timeoutMs)).at,
    async gc(timeoutMs) {
      child.stdin!.write('gc\n');
      const { text } = await line('gc done', timeoutMs);
      return figures(text);
    },
    async stats(timeoutMs) {
      child.stdin!.write('stats\n');
      return figures((await line('stats', timeoutMs)).text);
    },
    cpuSeconds,
    async rss() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      if (!kb) throw new Error('no VmRSS in /proc status');
      return Number(kb) * 1024;
    },
    async rssParts() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = (field: string) => {
        const v = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
        if (!v) throw new Error(`no ${field} in /proc status`);
        return Number(v) * 1024;
      };
      return { anon: kb('RssAnon'), file: kb('RssFile') };
    },
    async quiet(timeoutMs, share = 0.05) {
      // CPU samples every 200 ms; quiet once the last second of them is, which dates the end of
      // the work to within one sample.
      const deadline = performance.now() + timeoutMs;
      const samples = [{ at: performance.now(), cpu: await cpuSeconds() }];
      while (performance.now() < deadline) {
        await sleep(200);
        if (exited) throw new Error(`${exited}${tail()}`);
        samples.push({ at: performance.now(), cpu: await cpuSeconds() });
        const last = samples[samples.length - 1]!;
        while (samples.length > 2 && last.at - samples[1]!.at >= 1000) samples.shift();
        const first = samples[0]!;
        if (last.at - first.at >= 1000 && last.cpu - first.cpu <= share) return first.at;
      }
      return undefined;
    },
    get exited() {
      return exited;
    },
    tail,
    async stop(graceMs = 10_000) {
      child.stdin!.end();
      if (exited || child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}
