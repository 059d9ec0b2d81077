/**
 * The worker pool of a controller: `createWorkerPool()` runs `concurrency` loops that take keys
 * from the queue and process them, restarts a loop that dies (logged, with backoff), and stops
 * within a bound: `stop(grace)` waits `grace` for the loops, then aborts in-flight work and waits
 * at most `STOP_MARGIN_MS` more, and says whether every loop stopped.
 */

import type { Logger } from '../log/logger.ts';
import type { Clock, GetResult } from '../queue/index.ts';

/**
 * How long `stop()` waits, after the grace ran out and in-flight reconciles were aborted, for them
 * to notice. A reconcile that honours its signal stops within milliseconds; one that ignores it is
 * abandoned after this, so shutdown stays bounded.
 */
export const STOP_MARGIN_MS = 1000;

/** First and longest wait before a crashed worker loop restarts. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 10_000;

/** How a stop went. */
export interface StopResult {
  /**
   * Every worker stopped before `stop()` returned: nothing of this controller runs any more (it is
   * safe to release the lease). False when the deadline (grace plus `STOP_MARGIN_MS`) passed with
   * reconciles still running that ignored their signal.
   */
  clean: boolean;
  /** The grace ran out and the signals of in-flight reconciles were aborted. */
  aborted: boolean;
  /** Reconciles still running when `stop()` returned (0 when clean). */
  abandoned: number;
}

export interface WorkerQueue {
  get(): Promise<GetResult<string>>;
  done(key: string): void;
}

export interface WorkerPoolOptions {
  concurrency: number;
  queue: WorkerQueue;
  /** Processes one key; should not reject, but a rejection is contained like any crash. */
  process(key: string): Promise<void>;
  log: Logger;
  clock: Clock;
}

export interface WorkerPool {
  start(): void;
  /** Resolves once every worker loop ended (at once if none started). Never rejects. */
  readonly done: Promise<void>;
  /** Worker loops alive now. */
  readonly alive: number;
  /** Keys being processed now. */
  readonly busy: number;
  /** No more restarts; wakes loops waiting to restart. The queue's shutdown ends the others. */
  halt(): void;
  /**
   * Waits for the loops (the caller has shut the queue down), at most `graceMs`; then calls
   * `onGraceOver` (abort in-flight work) and waits at most `STOP_MARGIN_MS` more.
   */
  stop(graceMs: number, onGraceOver: () => void): Promise<StopResult>;
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const { queue, log, clock } = options;
  let loops: Array<Promise<void>> = [];
  let alive = 0;
  let busy = 0;
  let halted = false;
  const wakers = new Set<() => void>();
  let stopping: Promise<StopResult> | undefined;

  /** Resolves after `ms` on the clock, or at once when halted. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (halted) return resolve();
      const wake = () => {
        wakers.delete(wake);
        clock.clearTimeout(timer);
        resolve();
      };
      const timer = clock.setTimeout(wake, ms);
      wakers.add(wake);
    });

  async function loop(): Promise<'shutdown'> {
    for (;;) {
      const item = await queue.get();
      if (item.shutdown) return 'shutdown';
      busy++;
      try {
        await options.process(item.key);
      } finally {
        busy--;
        queue.done(item.key);
      }
    }
  }

  async function supervise(index: number): Promise<void> {
    alive++;
    let restarts = 0;
    try {
      while (!halted) {
        try {
          await loop();
          return;
        } catch (err) {
          restarts++;
          const waitMs = Math.min(RESTART_BASE_MS * 2 ** (restarts - 1), RESTART_MAX_MS);
          log.error('worker crashed; restarting it', { err, worker: index, restarts, waitMs });
          await pause(waitMs);
        }
      }
    } catch {
      // Not reachable (the logger is safe); a supervisor must never reject.
    } finally {
      alive--;
    }
  }

  /** Whether `all` settles within `ms` on the clock. */
  const within = (all: Promise<unknown>, ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = clock.setTimeout(() => resolve(false), Math.min(ms, MAX_TIMEOUT_MS));
      all.then(() => {
        clock.clearTimeout(timer);
        resolve(true);
      });
    });

  const halt = (): void => {
    halted = true;
    for (const wake of [...wakers]) wake();
  };

  return {
    start() {
      if (loops.length > 0 || halted) return;
      loops = Array.from({ length: options.concurrency }, (_, i) => supervise(i));
    },
    get done() {
      return Promise.all(loops).then(() => undefined);
    },
    get alive() {
      return alive;
    },
    get busy() {
      return busy;
    },
    halt,
    stop(graceMs, onGraceOver) {
      stopping ??= (async () => {
        halt();
        const all = Promise.all(loops);
        const grace = Number.isFinite(graceMs) && graceMs > 0 ? graceMs : 0;
        if (await within(all, grace)) return { clean: true, aborted: false, abandoned: 0 };
        try {
          onGraceOver();
        } catch {
          // Aborting a signal runs its listeners; one that throws must not stop the shutdown.
        }
        if (await within(all, STOP_MARGIN_MS)) return { clean: true, aborted: true, abandoned: 0 };
        return { clean: false, aborted: true, abandoned: busy };
      })();
      return stopping;
    },
  };
}
