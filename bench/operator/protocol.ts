/**
 * How bench/operator.ts talks to a contender process, in any language: the contender takes
 * `KUBECONFIG NAMESPACE` as arguments, prints the line `synced` on stdout once its caches have synced
 * (or, for a framework without a cache, once its handler has seen every object), answers the stdin
 * line `gc` by collecting garbage and printing `gc done`, optionally followed by ` heap=BYTES` (the
 * live heap its runtime reports after the collection) and more ` name=NUMBER` figures, and stops
 * when stdin ends or on SIGTERM. Frameworks without a cache take `BENCH_EXPECT` from the
 * environment: the number of objects to have seen before saying `synced`.
 *
 * A contender may also answer the line `stats` with `stats name=NUMBER ...`: counters since it
 * started (`allocated`: bytes its heap allocated; the contender's own counters, such as reconciles
 * and time spent per phase), and figures of the window since the last `stats` (`eld_p50`, `eld_p99`,
 * `eld_max`: event-loop delay in ms). The bench asks only contenders that say they answer it.
 *
 * This is the Node side of that contract; it imports only `node:` built-ins.
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { GCProfiler, getHeapStatistics } from 'node:v8';

/**
 * The event-loop delay histogram's timer period. It records how long each period took, so a loop
 * that never stalls shows the period itself; `late()` takes it off.
 */
const DELAY_RESOLUTION_MS = 10;
const late = (ns: number) => Math.max(0, ns / 1e6 - DELAY_RESOLUTION_MS);

/** Prints the `synced` line. */
export function announceSynced(): void {
  process.stdout.write('synced\n');
}

/**
 * Bytes the heap has allocated since `start()`: what the collections freed plus what the live heap
 * grew by (V8 exposes no allocation counter; this misses nothing that lived past a collection).
 */
function allocationCounter() {
  let profiler = new GCProfiler();
  profiler.start();
  let base = getHeapStatistics().used_heap_size;
  let allocated = 0;
  return () => {
    const { statistics } = profiler.stop();
    for (const s of statistics) {
      allocated += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
    }
    const used = getHeapStatistics().used_heap_size;
    allocated += used - base;
    base = used;
    profiler = new GCProfiler();
    profiler.start();
    return allocated;
  };
}

/**
 * Serves the stdin side of the protocol; calls `stop` once, when stdin ends or on SIGTERM/SIGINT.
 * `stats`, if given, adds the contender's own counters to the `stats` answer.
 */
export function serveBench(
  stop: () => void,
  stats?: () => Record<string, number> | Promise<Record<string, number>>,
): void {
  let stopped = false;
  const once = () => {
    if (stopped) return;
    stopped = true;
    stop();
  };
  process.once('SIGTERM', once);
  process.once('SIGINT', once);
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  const allocated = allocationCounter();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = line.trim();
    if (command === 'stats') {
      const figures: Record<string, number> = {
        allocated: allocated(),
        eld_p50: late(delay.percentile(50)),
        eld_p99: late(delay.percentile(99)),
        eld_max: late(delay.max),
      };
      delay.reset();
      Promise.resolve(stats?.()).then((own) => {
        const text = Object.entries({ ...figures, ...own })
          .map(([k, v]) => `${k}=${Number.isFinite(v) ? Number(v.toFixed(3)) : 0}`)
          .join(' ');
        process.stdout.write(`stats ${text}\n`);
      });
      return;
    }
    if (command !== 'gc') return;
    if (!globalThis.gc) {
      process.stdout.write('gc unavailable: run with --expose-gc\n');
      return;
    }
    globalThis.gc();
    // A second pass frees what the finalizers of the first released; it is V8's last-resort
    // collection, which also gives the freed pages back to the OS (as Go's debug.FreeOSMemory()
    // does for the Go peer): what V8's memory reducer does by itself some 10 s after a process
    // goes idle.
    setTimeout(() => {
      globalThis.gc!({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      const m = process.memoryUsage();
      process.stdout.write(
        `gc done heap=${m.heapUsed} heapTotal=${m.heapTotal} external=${m.external} arrayBuffers=${m.arrayBuffers}\n`,
      );
    }, 20);
  });
  lines.on('close', once);
}
