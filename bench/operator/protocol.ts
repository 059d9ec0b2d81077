/**
 * How bench/operator.ts talks to a contender process, in any language: the contender takes
 * `KUBECONFIG NAMESPACE` as arguments, prints the line `synced` on stdout once its caches have synced
 * (or, for a framework without a cache, once its handler has seen every object), answers the stdin
 * line `gc` by collecting garbage and printing `gc done`, optionally followed by ` heap=BYTES` (the
 * live heap its runtime reports after the collection), and stops when stdin ends or on SIGTERM.
 * Frameworks without a cache take `BENCH_EXPECT` from the environment: the number of objects
 * to have seen before saying `synced`.
 *
 * This is the Node side of that contract; it imports only `node:` built-ins.
 */

import { createInterface } from 'node:readline';

/** Prints the `synced` line. */
export function announceSynced(): void {
  process.stdout.write('synced\n');
}

/** Serves the stdin side of the protocol; calls `stop` once, when stdin ends or on SIGTERM/SIGINT. */
export function serveBench(stop: () => void): void {
  let stopped = false;
  const once = () => {
    if (stopped) return;
    stopped = true;
    stop();
  };
  process.once('SIGTERM', once);
  process.once('SIGINT', once);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() !== 'gc') return;
    if (!globalThis.gc) {
      process.stdout.write('gc unavailable: run with --expose-gc\n');
      return;
    }
    globalThis.gc();
    // A second pass frees what the finalizers of the first released.
    setTimeout(() => {
      globalThis.gc!();
      process.stdout.write(`gc done heap=${process.memoryUsage().heapUsed}\n`);
    }, 20);
  });
  lines.on('close', once);
}
