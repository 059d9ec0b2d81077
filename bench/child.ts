/**
 * Helpers shared by the benchmarks that run contenders in child processes: `startChild()` speaks
 * their JSON-line protocol, `pool()` bounds concurrency.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * A benchmark child process (Node with --expose-gc and the operon:source condition) and the
 * JSON-line messages it prints, read in order; `{ type: 'error', message }` reports a failure.
 */
export function startChild<M extends { type: string }>(script: string, args: readonly string[]) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', '--conditions=operon:source', script, ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const tail: string[] = [];
  const keep = (line: string) => {
    if (!line.trim()) return;
    tail.push(line.trim());
    if (tail.length > 12) tail.shift();
  };
  const inbox: M[] = [];
  let exited: string | undefined;
  let wake: (() => void) | undefined;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      wake?.();
      resolve();
    });
  });
  child.on('error', (err) => {
    exited = `could not start: ${err.message}`;
    wake?.();
  });
  child.stdin!.on('error', () => {});
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      inbox.push(JSON.parse(line) as M);
      wake?.();
    } catch {
      keep(line);
    }
  });
  createInterface({ input: child.stderr! }).on('line', keep);

  const stderrTail = () => (tail.length ? `; stderr: ${tail.slice(-4).join(' / ')}` : '');

  return {
    /** The next message, which must be of `type`; throws the reason the contender failed otherwise. */
    async next<K extends M['type']>(type: K, timeoutMs: number): Promise<Extract<M, { type: K }>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const message = inbox.shift();
        if (message) {
          if (message.type === 'error')
            throw new Error(`${(message as { message?: string }).message}${stderrTail()}`);
          if (message.type !== type) throw new Error(`said ${message.type} where ${type} was due`);
          return message as Extract<M, { type: K }>;
        }
        // Let the last lines of a crashed child arrive before blaming it.
        if (exited) await new Promise((resolve) => setTimeout(resolve, 50));
        if (exited && inbox.length === 0) throw new Error(`crashed (${exited})${stderrTail()}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${type} within ${Math.round(timeoutMs / 1000)} s${stderrTail()}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    },
    send(line: string) {
      child.stdin!.write(`${line}\n`);
    },
    /** Ends the child: at once if it has not exited by itself within `graceMs`. */
    async stop(graceMs: number) {
      child.stdin!.end();
      if (child.exitCode !== null || child.signalCode !== null || exited) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}
