/** `createQueue()` and its state machine: each key is delayed, due or in progress, and in progress with one worker at a time. */

import { ErrorCode, OperonError } from '../errors.ts';
import { type Clock, realClock, type Timer } from './clock.ts';
import { createHeap, type HeapItem } from './heap.ts';
import type { QueueMetrics } from './metrics.ts';
import { defaultRateLimiter, type RateLimiter } from './rate-limiter.ts';

/**
 * Common priorities. Higher goes first; the default is `normal`. Give `low` to adds that only confirm
 * state (the initial list, resyncs) so that they never delay live changes.
 */
export const Priority = { low: -100, normal: 0 } as const;

export interface AddOptions {
  /** Higher is handed out first. Default `Priority.normal` (0). Re-adding at a higher one promotes the key. */
  priority?: number;
}

/** What `get()` resolves to: a key that is now yours until `done(key)`, or word that the queue shut down. */
export type GetResult<K> = { shutdown: false; key: K; priority: number } | { shutdown: true };

/** A snapshot of the queue, for metrics on scrape and for tests. */
export interface QueueStats {
  /** Due keys not yet handed out, including those waiting for their in-flight run to finish. */
  depth: number;
  /** Keys `get()` can hand out right now (`len()`). */
  ready: number;
  /** Keys waiting for their `addAfter` delay or backoff to pass. */
  delayed: number;
  /** Keys handed out and not yet `done()`. */
  processing: number;
  /** The summed age of all work in progress. */
  unfinishedWorkSeconds: number;
  /** The age of the oldest work in progress. */
  longestRunningProcessorSeconds: number;
}

export interface QueueOptions<K = string> {
  /** Default `realClock`. Tests pass `createFakeClock()`. */
  clock?: Clock;
  /** Used by `addRateLimited`, `forget` and `retries`. Default `defaultRateLimiter()`: per-key backoff, no bucket. */
  rateLimiter?: RateLimiter<K>;
  /** Hooks for the standard workqueue metrics. */
  metrics?: QueueMetrics;
  /** How often the unfinished-work gauges are reported, in ms. Default 500, as in client-go. */
  metricsIntervalMs?: number;
  /**
   * Whose timers pace that report; default `clock`. A controller passes the real clock, so that a
   * test clock's pending timers are only the operator's own (requeues, backoff), which a test
   * waits for before moving it, and not a report due every 500 ms.
   */
  metricsClock?: Clock;
}

/**
 * A work queue of keys. A key is in at most one place: delayed, due, or in progress (then it may also be
 * due again, and is handed out once more after `done`). Use one worker loop per concurrency slot:
 *
 * ```ts
 * for (;;) {
 *   const item = await queue.get(signal);
 *   if (item.shutdown) return;
 *   try { await reconcile(item.key); queue.forget(item.key); }
 *   catch { queue.addRateLimited(item.key, { priority: item.priority }); }
 *   finally { queue.done(item.key); }
 * }
 * ```
 */
export interface Queue<K = string> extends AsyncDisposable {
  /** Makes `key` due now. A no-op if it is already due; a delayed key becomes due now. */
  add(key: K, options?: AddOptions): void;
  /** Makes `key` due after `ms`; if it is already due sooner, the sooner time stands. `ms <= 0` is `add`. */
  addAfter(key: K, ms: number, options?: AddOptions): void;
  /** Adds `key` after the delay the rate limiter gives for one more failure of it. */
  addRateLimited(key: K, options?: AddOptions): void;
  /** Resets the rate limiter's failures for `key`; call it when `key` was processed successfully. */
  forget(key: K): void;
  /** How many failures of `key` the rate limiter has on record. */
  retries(key: K): number;
  /**
   * Waits for a due key, highest priority first, then oldest. Resolves `{ shutdown: true }` once the queue
   * is shutting down; rejects with `signal.reason` if `signal` aborts first (no key is taken then).
   */
  get(signal?: AbortSignal): Promise<GetResult<K>>;
  /** Marks the work on `key` finished. If it was added meanwhile, it becomes available again. */
  done(key: K): void;
  /** How many keys `get()` can hand out right now. */
  len(): number;
  stats(): QueueStats;
  /**
   * Stops the queue at once: adds are ignored, pending keys are dropped, every `get()` resolves
   * `{ shutdown: true }` and timers are cleared. Work in progress may still call `done`.
   */
  shutDown(): void;
  /**
   * `shutDown()`, then waits until every key handed out is `done`. Rejects with `signal.reason` if
   * `signal` aborts first; the queue stays shut down.
   */
  shutDownWithDrain(signal?: AbortSignal): Promise<void>;
  readonly shuttingDown: boolean;
}

type State = 'delayed' | 'ready' | 'blocked';

/** A key that is pending: delayed (in `delayed`), ready (in `ready`) or blocked (due, but in progress). */
interface Entry<K> extends HeapItem {
  key: K;
  priority: number;
  /** When it is due. */
  dueAt: number;
  /** Tie-break: order of becoming due (ready) or of adding (delayed). */
  order: number;
  state: State;
}

interface Waiter<K> {
  settle(result: GetResult<K>): void;
}

const SHUTDOWN: GetResult<never> = Object.freeze({ shutdown: true });

/** Creates an empty, running work queue. */
export function createQueue<K = string>(options: QueueOptions<K> = {}): Queue<K> {
  const clock = options.clock ?? realClock;
  const limiter = options.rateLimiter ?? defaultRateLimiter<K>();
  const metrics = options.metrics ?? {};
  const metricsIntervalMs = options.metricsIntervalMs ?? 500;
  if (!Number.isFinite(metricsIntervalMs) || metricsIntervalMs <= 0) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `createQueue: metricsIntervalMs must be a finite number > 0, got ${metricsIntervalMs}.`,
    );
  }

  const entries = new Map<K, Entry<K>>();
  const delayed = createHeap<Entry<K>>(
    (a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order),
  );
  const ready = createHeap<Entry<K>>(
    (a, b) => a.priority > b.priority || (a.priority === b.priority && a.order < b.order),
  );
  /** Keys in progress and when they were handed out; Map order makes the first the longest running. */
  const processing = new Map<K, number>();
  /** Pending `get()` calls, oldest first. */
  const waiters = new Set<Waiter<K>>();
  const drainers = new Set<() => void>();
  let blocked = 0;
  let order = 0;
  let shuttingDown = false;
  let timer: Timer | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  const metricsClock = options.metricsClock ?? clock;
  let metricsTimer: Timer | undefined;

  const reportDepth = (): void => metrics.depth?.(ready.size + blocked);

  /** Moves `entry` from delayed (or new) to due: ready, or blocked while its key is in progress. */
  const makeDue = (entry: Entry<K>, now: number): void => {
    entry.dueAt = now;
    metrics.add?.();
    if (processing.has(entry.key)) {
      entry.state = 'blocked';
      blocked++;
    } else {
      entry.state = 'ready';
      entry.order = order++;
      ready.push(entry);
    }
    reportDepth();
  };

  /** Hands the first ready key to the caller. */
  const take = (): GetResult<K> => {
    const entry = ready.pop()!;
    entries.delete(entry.key);
    const now = clock.now();
    processing.set(entry.key, now);
    metrics.queueLatency?.((now - entry.dueAt) / 1000);
    reportDepth();
    return { shutdown: false, key: entry.key, priority: entry.priority };
  };

  /** Arms one timer for the earliest delayed key. It holds the process open only while a get() waits. */
  const syncTimer = (): void => {
    const next = delayed.peek();
    if (next === undefined || shuttingDown) {
      clearTimer();
      return;
    }
    // A timer due earlier than the next key may stay: it fires, finds nothing due and re-arms.
    if (timer === undefined || next.dueAt < timerAt) {
      clearTimer();
      timerAt = next.dueAt;
      timer = clock.setTimeout(onTimer, timerAt - clock.now());
    }
    if (waiters.size > 0) {
      if (!timer.hasRef()) timer.ref();
    } else if (timer.hasRef()) {
      timer.unref();
    }
  };

  const clearTimer = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
  };

  /** Hands ready keys to waiting getters, then re-arms the timer; ends every mutation. */
  const settle = (): void => {
    while (waiters.size > 0 && ready.size > 0) {
      const waiter = waiters.values().next().value!;
      waiters.delete(waiter);
      waiter.settle(take());
    }
    syncTimer();
  };

  const onTimer = (): void => {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    const now = clock.now();
    for (let next = delayed.peek(); next !== undefined && next.dueAt <= now; next = delayed.peek()) {
      delayed.pop();
      makeDue(next, now);
    }
    settle();
  };

  const reportProgress = (): void => {
    const s = stats();
    metrics.unfinishedWorkSeconds?.(s.unfinishedWorkSeconds);
    metrics.longestRunningProcessorSeconds?.(s.longestRunningProcessorSeconds);
  };

  const armMetricsTimer = (): void => {
    metricsTimer = metricsClock.setTimeout(() => {
      reportProgress();
      armMetricsTimer();
    }, metricsIntervalMs);
    metricsTimer.unref();
  };

  /** Raises the priority of a pending key; a lower one is ignored. */
  const promote = (entry: Entry<K>, priority: number): void => {
    if (priority <= entry.priority) return;
    entry.priority = priority;
    if (entry.state === 'ready') ready.update(entry);
  };

  const add = (key: K, opts?: AddOptions): void => {
    const priority = priorityOf(opts);
    if (shuttingDown) return;
    const now = clock.now();
    const entry = entries.get(key);
    if (entry === undefined) {
      const created: Entry<K> = { key, priority, dueAt: now, order: 0, state: 'ready', heapIndex: -1 };
      entries.set(key, created);
      makeDue(created, now);
      settle();
      return;
    }
    promote(entry, priority);
    if (entry.state === 'delayed') {
      delayed.remove(entry);
      makeDue(entry, now);
      settle();
    }
  };

  const addAfter = (key: K, ms: number, opts?: AddOptions): void => {
    if (!Number.isFinite(ms)) {
      throw new OperonError(ErrorCode.InvalidArgument, `addAfter: ms must be a finite number, got ${ms}.`);
    }
    const priority = priorityOf(opts);
    if (shuttingDown) return;
    metrics.retry?.();
    if (ms <= 0) {
      add(key, opts);
      return;
    }
    const dueAt = clock.now() + ms;
    const entry = entries.get(key);
    if (entry === undefined) {
      const created: Entry<K> = { key, priority, dueAt, order: order++, state: 'delayed', heapIndex: -1 };
      entries.set(key, created);
      delayed.push(created);
      syncTimer();
      return;
    }
    promote(entry, priority);
    if (entry.state === 'delayed' && dueAt < entry.dueAt) {
      entry.dueAt = dueAt;
      delayed.update(entry);
      syncTimer();
    }
  };

  const get = (signal?: AbortSignal): Promise<GetResult<K>> => {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (shuttingDown) return Promise.resolve(SHUTDOWN);
    // Nobody waits while keys are ready (settle() hands them out), so this caller is first in line.
    if (ready.size > 0) return Promise.resolve(take());
    return new Promise<GetResult<K>>((resolve, reject) => {
      const onAbort = (): void => {
        waiters.delete(waiter);
        syncTimer();
        reject(signal!.reason);
      };
      const waiter: Waiter<K> = {
        settle(result) {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.add(waiter);
      syncTimer();
    });
  };

  const done = (key: K): void => {
    const startedAt = processing.get(key);
    if (startedAt === undefined) return;
    processing.delete(key);
    metrics.workDuration?.((clock.now() - startedAt) / 1000);
    if (shuttingDown) {
      if (processing.size === 0) for (const drained of drainers) drained();
      return;
    }
    const entry = entries.get(key);
    if (entry?.state === 'blocked') {
      blocked--;
      entry.state = 'ready';
      entry.order = order++;
      ready.push(entry);
      settle();
    }
  };

  const stats = (): QueueStats => {
    const now = clock.now();
    let unfinishedMs = 0;
    for (const startedAt of processing.values()) unfinishedMs += now - startedAt;
    const oldest = processing.values().next();
    return {
      depth: ready.size + blocked,
      ready: ready.size,
      delayed: delayed.size,
      processing: processing.size,
      unfinishedWorkSeconds: unfinishedMs / 1000,
      longestRunningProcessorSeconds: oldest.done ? 0 : (now - oldest.value) / 1000,
    };
  };

  const shutDown = (): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    clearTimer();
    if (metricsTimer !== undefined) metricsClock.clearTimeout(metricsTimer);
    metricsTimer = undefined;
    entries.clear();
    delayed.clear();
    ready.clear();
    blocked = 0;
    reportDepth();
    const pending = [...waiters];
    waiters.clear();
    for (const waiter of pending) waiter.settle(SHUTDOWN);
  };

  const shutDownWithDrain = (signal?: AbortSignal): Promise<void> => {
    shutDown();
    if (processing.size === 0) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        drainers.delete(drained);
        reject(signal!.reason);
      };
      const drained = (): void => {
        drainers.delete(drained);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      drainers.add(drained);
    });
  };

  if (metrics.unfinishedWorkSeconds !== undefined || metrics.longestRunningProcessorSeconds !== undefined) {
    armMetricsTimer();
  }

  return {
    add,
    addAfter,
    addRateLimited(key, opts) {
      if (shuttingDown) return;
      addAfter(key, limiter.when(key), opts);
    },
    forget: (key) => limiter.forget(key),
    retries: (key) => limiter.retries(key),
    get,
    done,
    len: () => ready.size,
    stats,
    shutDown,
    shutDownWithDrain,
    get shuttingDown() {
      return shuttingDown;
    },
    [Symbol.asyncDispose]: () => shutDownWithDrain(),
  };
}

function priorityOf(options: AddOptions | undefined): number {
  const priority = options?.priority ?? Priority.normal;
  if (!Number.isFinite(priority)) {
    throw new OperonError(ErrorCode.InvalidArgument, `priority must be a finite number, got ${priority}.`);
  }
  return priority;
}
