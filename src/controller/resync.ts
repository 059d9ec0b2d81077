/**
 * Periodic resync: `startResync()` queues every object of a controller's primary kind again after
 * each period (controller-runtime's `SyncPeriod` with `WithLowPriorityWhenUnchanged`): at low
 * priority, so live changes go first, with reason `resync`. Each period is stretched by a random
 * part of `RESYNC_JITTER`, so that controllers (and replicas) started together drift apart.
 */

import { ErrorCode, OperonError } from '../errors.ts';
import type { Clock, Timer } from '../queue/clock.ts';

/** Each period lasts between `periodMs` and `periodMs * (1 + RESYNC_JITTER)`. */
export const RESYNC_JITTER = 0.1;

export interface ResyncOptions {
  periodMs: number;
  clock: Clock;
  /** Keys of every object to reconcile again, read when a period ends. */
  keys(): Iterable<string>;
  /** Queues one key (at low priority, reason `resync`). */
  enqueue(key: string): void;
  /** In [0, 1); default `Math.random`. */
  random?: () => number;
  /** Called when `keys` or `enqueue` throws; the next period is scheduled all the same. */
  onError?: (err: unknown) => void;
}

/** Checks a `resyncPeriodMs` option: a positive, finite number of milliseconds. */
export function checkResyncPeriod(ms: unknown): string | undefined {
  if (ms === undefined) return undefined;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0)
    return `resyncPeriodMs must be a positive number of milliseconds, not ${String(ms)}`;
  return undefined;
}

/** Starts the periods; the function returned stops them (no timer is left behind). */
export function startResync(options: ResyncOptions): () => void {
  const problem = checkResyncPeriod(options.periodMs);
  if (problem) throw new OperonError(ErrorCode.InvalidArgument, `${problem}.`);
  const random = options.random ?? Math.random;
  let timer: Timer | undefined;
  let stopped = false;
  const next = () => {
    const r = random();
    const share = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
    timer = options.clock.setTimeout(fire, options.periodMs * (1 + RESYNC_JITTER * share));
    // A resync alone never keeps the process alive.
    timer.unref();
  };
  const fire = () => {
    timer = undefined;
    if (stopped) return;
    try {
      for (const key of [...options.keys()]) options.enqueue(key);
    } catch (err) {
      options.onError?.(err);
    }
    if (!stopped) next();
  };
  next();
  return () => {
    stopped = true;
    if (timer !== undefined) options.clock.clearTimeout(timer);
    timer = undefined;
  };
}
