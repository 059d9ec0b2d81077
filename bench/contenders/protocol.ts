/**
 * The contract between bench/informer.ts and a contender process: `runContender()` measures one
 * informer (memory before and after sync, sync time, update events seen) and reports each step as a
 * JSON line on stdout; the parent says `expect N` on stdin before it writes N updates.
 *
 * This module imports only `node:` built-ins, so it adds nothing to a contender's heap.
 */

import { createInterface } from 'node:readline';

/** An informer that has synced. */
export interface RunningInformer {
  /** Objects in its cache now. */
  size(): number;
  stop(): Promise<void>;
}

/** One informer implementation under test. */
export interface Contender {
  /** Starts an informer on the ConfigMaps of the namespace; calls `onUpdate` per update event; resolves once synced. */
  start(onUpdate: () => void): Promise<RunningInformer>;
}

/** What a contender says on stdout, one JSON object a line, in this order. */
export type ContenderMessage =
  | { type: 'baseline'; heapUsed: number; rss: number }
  | { type: 'synced'; syncMs: number; objects: number; heapUsed: number; rss: number }
  | { type: 'ready'; expected: number }
  | {
      type: 'done';
      seen: number;
      /** Wall clock (`performance.timeOrigin + performance.now()`) when the last expected event arrived. */
      lastEventAt: number;
      /** CPU time (user + system) this process spent from `expect` to the last event. */
      cpuMs: number;
      heapUsed: number;
      rss: number;
    }
  | { type: 'error'; message: string };

function send(message: ContenderMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Collects garbage twice (finalizers of the first pass can free more in the second), then reads memory. */
async function settledMemory(): Promise<{ heapUsed: number; rss: number }> {
  if (!globalThis.gc) throw new Error('Run contenders with --expose-gc.');
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/** The wall clock in milliseconds with sub-millisecond precision, comparable across processes. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs the protocol for one contender, then exits the process. */
export async function runContender(contender: Contender): Promise<void> {
  try {
    send({ type: 'baseline', ...(await settledMemory()) });

    let expected = -1;
    let seen = 0;
    let cpuAtExpect = process.cpuUsage();
    let finish: (() => void) | undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let lastEventAt = 0;
    let cpuMs = 0;
    const onUpdate = () => {
      if (expected < 0) return;
      seen++;
      if (seen === expected) {
        lastEventAt = wallClock();
        const cpu = process.cpuUsage(cpuAtExpect);
        cpuMs = (cpu.user + cpu.system) / 1000;
        finish!();
      }
    };

    const started = performance.now();
    const informer = await contender.start(onUpdate);
    const syncMs = performance.now() - started;
    const objects = informer.size();
    send({ type: 'synced', syncMs, objects, ...(await settledMemory()) });

    const stdin = createInterface({ input: process.stdin });
    stdin.on('close', () => {
      // The parent is gone (or gave up): never outlive it.
      if (lastEventAt === 0) process.exit(2);
    });
    stdin.on('line', (line) => {
      const match = /^expect (\d+)$/.exec(line.trim());
      if (!match) return;
      seen = 0;
      cpuAtExpect = process.cpuUsage();
      expected = Number(match[1]);
      send({ type: 'ready', expected });
    });

    await done;
    send({ type: 'done', seen, lastEventAt, cpuMs, ...(await settledMemory()) });
    stdin.close();
    await informer.stop();
    process.exit(0);
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
}
