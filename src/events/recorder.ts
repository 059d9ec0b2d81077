/**
 * Recording Kubernetes Events: `createEventRecorder()` writes events.k8s.io/v1 Events in the
 * background, folds repeats into series and limits each object's rate, as client-go's events recorder.
 */

import { ApiError, isAlreadyExists, isNotFound } from '../client/api-error.ts';
import type { Client } from '../client/client.ts';
import type { KubernetesObject } from '../client/resource.ts';
import { type Event, Event as EventsV1Event } from '../client/types/events-v1.ts';
import { ErrorCode, isOperonError, OperonError } from '../errors.ts';
import { type Clock, realClock, type Timer } from '../queue/clock.ts';
import { buildEvent, type EventInput, microTime, objectIdentity, seriesKey } from './event.ts';
import { createSpamFilter } from './spam-filter.ts';

/** A repeat within this long of the last one joins its series; later, it starts a new Event. */
export const SERIES_WINDOW_MS = 6 * 60_000;
/** A series is written at most this often; `flush()` and `close()` write it at once. */
export const SERIES_HEARTBEAT_MS = 30_000;
/** Events (creates or series updates) waiting to be written; beyond this the oldest is dropped. */
export const MAX_QUEUED_EVENTS = 1000;

/** Series remembered for folding repeats; beyond this the least recently seen is forgotten. */
const MAX_SERIES = 4096;
/** Writes in flight at once. Writes of one Event never overlap. */
const CONCURRENT_WRITES = 4;
/** Tries per write for errors that may pass (5xx, 429, conflicts, unreachable server). */
const MAX_ATTEMPTS = 4;
const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 10_000;

/** What the recorder writes with: a `Client` is one. */
export type EventSink = Pick<Client, 'create' | 'patch'>;

export interface EventRecorderOptions {
  /** The controller's name, a qualified name such as `example.com/widget-controller`. */
  reportingController: string;
  /** This instance of it, such as the Pod name; at most 128 characters. */
  reportingInstance: string;
  /**
   * Namespace of the Events about cluster-scoped objects. Default `default`, as the kubelet uses for
   * Nodes; the API server takes no other namespace for them than `default` or `kube-system`.
   */
  namespaceFallback?: 'default' | 'kube-system';
  /**
   * Receives each failure: a write given up after retries, a write the API server refused (4xx,
   * never retried), an object without a name. Default: `process.emitWarning`. Must not throw.
   */
  onError?: (err: unknown) => void;
  /**
   * Time and timers: Event times are its `wallTime()` (a clock without one: its `now()`, which must
   * then be Unix epoch milliseconds). Default: `Date.now()` and Node's timers.
   */
  clock?: Clock;
}

/** Counters of what the recorder did with events, since it was created. */
export interface EventRecorderStats {
  /** `event()` calls taken. */
  recorded: number;
  /** `event()` calls dropped by the per-object limit (a burst of 25, then one per 5 minutes). */
  rateLimited: number;
  /** Writes dropped, oldest first, because more than `MAX_QUEUED_EVENTS` were waiting. */
  overflowed: number;
  /** Writes (creates and series updates) the API server took. */
  written: number;
  /** Writes given up after an error; each went to `onError`. */
  failed: number;
  /** Writes abandoned because `close()` was aborted. */
  discarded: number;
  /** Events with observations not yet written. */
  pending: number;
}

export interface EventRecorder extends AsyncDisposable {
  /** Fire and forget: never throws, never blocks reconcile; errors go to `onError`. */
  event(regarding: KubernetesObject, input: EventInput): void;
  /**
   * Resolves once everything recorded so far is written (or given up), writing pending series at
   * once. For tests and shutdown; the `signal` stops the waiting, not the writes.
   */
  flush(options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Stops taking events, flushes, and stops every timer. When `signal` aborts, writes still pending
   * are abandoned (counted as `discarded`) and requests in flight are cancelled, so close returns soon.
   */
  close(options?: { signal?: AbortSignal }): Promise<void>;
  stats(): EventRecorderStats;
}

/** One Event on the server and the repeats folded into it. */
interface Series {
  readonly event: Event;
  /** Observations so far; 1 for a single event. */
  count: number;
  /** Epoch ms of the latest observation. */
  lastObserved: number;
  /** Observations written (or given up on). */
  written: number;
  /** Whether the Event exists on the server. */
  created: boolean;
  /** When the last write started, epoch ms. */
  lastWriteAt: number | undefined;
  /** idle: nothing to do or waiting for its heartbeat; queued: waiting for a writer; writing: a write is running. */
  state: 'idle' | 'queued' | 'writing';
  /** Write at once, without waiting for the heartbeat (set by flush). */
  urgent: boolean;
}

interface FlushWaiter {
  /** Series not yet written up to the observation count they had when flush was called. */
  remaining: Map<Series, number>;
  resolve(): void;
}

const wallClock: Clock = {
  now: () => Date.now(),
  setTimeout: realClock.setTimeout,
  clearTimeout: realClock.clearTimeout,
};

/**
 * Creates a recorder that writes Events through `client`. Each call to `event()` is checked
 * against the object's rate limit, folded into a series when it repeats one seen within 6 minutes
 * (same object, reason, action, type, note and related object), and written in the background:
 * a new Event at once, a series' new count at most every 30 seconds.
 */
export function createEventRecorder(client: EventSink, options: EventRecorderOptions): EventRecorder {
  const { reportingController, reportingInstance } = options;
  if (!reportingController) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'createEventRecorder: reportingController is required, e.g. "example.com/widget-controller".',
    );
  }
  if (!reportingInstance || reportingInstance.length > 128) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'createEventRecorder: reportingInstance must be 1 to 128 characters, e.g. the Pod name.',
    );
  }
  const namespaceFallback = options.namespaceFallback ?? 'default';
  if (namespaceFallback !== 'default' && namespaceFallback !== 'kube-system') {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `createEventRecorder: namespaceFallback must be "default" or "kube-system" (the API server refuses ` +
        `Events about cluster-scoped objects in any other namespace), got ${JSON.stringify(namespaceFallback)}.`,
    );
  }
  const onError = options.onError ?? defaultOnError;
  const given = options.clock ?? wallClock;
  // Every time the recorder reads is wall time: Event timestamps, series intervals, heartbeats.
  const clock: Clock = given.wallTime
    ? { now: () => given.wallTime!(), setTimeout: given.setTimeout, clearTimeout: given.clearTimeout }
    : given;
  const spamFilter = createSpamFilter();

  /** Series by key, least recently observed first. */
  const series = new Map<string, Series>();
  /** Series with observations not yet written, wherever they are. */
  const unsettled = new Set<Series>();
  /** Idle series waiting for their heartbeat. */
  const waiting = new Set<Series>();
  /** Series waiting for a writer, oldest first. */
  const queue = new Set<Series>();
  const waiters = new Set<FlushWaiter>();
  /** Cancels requests and retry waits when close() is aborted. */
  const abort = new AbortController();
  const stats = { recorded: 0, rateLimited: 0, overflowed: 0, written: 0, failed: 0, discarded: 0 };
  let writers = 0;
  let timer: Timer | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let closed = false;
  let closing: Promise<void> | undefined;

  function report(err: unknown): void {
    try {
      onError(err);
    } catch {}
  }

  function event(regarding: KubernetesObject, input: EventInput): void {
    try {
      if (closed) {
        report(
          new OperonError(
            ErrorCode.InvalidArgument,
            `event() after close(): the ${input.type} event ${input.reason} was not recorded.`,
          ),
        );
        return;
      }
      if (!regarding?.metadata?.name) {
        report(
          new OperonError(
            ErrorCode.InvalidArgument,
            `event(): the ${regarding?.kind ?? 'object'} has no metadata.name; pass the object as read from the API server.`,
          ),
        );
        return;
      }
      const now = clock.now();
      const built = buildEvent(regarding, input, {
        reportingController,
        reportingInstance,
        namespaceFallback,
        now,
      });
      if (!spamFilter.allow(objectIdentity(built.regarding), now)) {
        stats.rateLimited++;
        return;
      }
      stats.recorded++;
      forgetOldSeries(now);
      const key = seriesKey(built);
      let s = series.get(key);
      if (s !== undefined && now - s.lastObserved > SERIES_WINDOW_MS) {
        series.delete(key);
        s = undefined;
      }
      if (s === undefined) {
        s = {
          event: built,
          count: 1,
          lastObserved: now,
          written: 0,
          created: false,
          lastWriteAt: undefined,
          state: 'idle',
          urgent: false,
        };
      } else {
        series.delete(key);
        s.count++;
        s.lastObserved = now;
      }
      series.set(key, s);
      if (series.size > MAX_SERIES) forgetOldest();
      unsettled.add(s);
      schedule(s);
    } catch (err) {
      report(err);
    }
  }

  /** Drops series whose last observation left the window; the map is in observation order. */
  function forgetOldSeries(now: number): void {
    for (const [key, s] of series) {
      if (now - s.lastObserved <= SERIES_WINDOW_MS) return;
      series.delete(key);
    }
  }

  function forgetOldest(): void {
    const oldest = series.keys().next();
    if (!oldest.done) series.delete(oldest.value);
  }

  /** Queues a write of `s` now, or at its heartbeat. */
  function schedule(s: Series): void {
    if (s.state !== 'idle' || s.written >= s.count) return;
    if (abort.signal.aborted) {
      waiting.delete(s);
      stats.discarded++;
      settle(s, s.count);
      return;
    }
    const due = s.lastWriteAt === undefined ? 0 : s.lastWriteAt + SERIES_HEARTBEAT_MS;
    if (!s.created || s.urgent || due <= clock.now()) {
      enqueue(s);
      return;
    }
    waiting.add(s);
    if (due < timerAt) armTimer(due);
  }

  function enqueue(s: Series): void {
    waiting.delete(s);
    s.state = 'queued';
    queue.add(s);
    if (queue.size > MAX_QUEUED_EVENTS) {
      const oldest = queue.values().next();
      if (!oldest.done) {
        queue.delete(oldest.value);
        oldest.value.state = 'idle';
        stats.overflowed++;
        settle(oldest.value, oldest.value.count);
      }
    }
    pump();
  }

  function armTimer(at: number): void {
    if (timer !== undefined) clock.clearTimeout(timer);
    timerAt = at;
    timer = clock.setTimeout(onHeartbeat, Math.max(0, at - clock.now()));
    timer.unref();
  }

  function onHeartbeat(): void {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    const now = clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const s of [...waiting]) {
      const due = (s.lastWriteAt ?? 0) + SERIES_HEARTBEAT_MS;
      if (due <= now) enqueue(s);
      else next = Math.min(next, due);
    }
    if (next < Number.POSITIVE_INFINITY) armTimer(next);
  }

  function pump(): void {
    while (writers < CONCURRENT_WRITES) {
      const next = queue.values().next();
      if (next.done) return;
      const s = next.value;
      queue.delete(s);
      s.state = 'writing';
      writers++;
      void write(s).finally(() => {
        writers--;
        s.state = 'idle';
        schedule(s);
        pump();
      });
    }
  }

  /** Writes `s` as it is now; never rejects. */
  async function write(s: Series): Promise<void> {
    const count = s.count;
    const lastObserved = s.lastObserved;
    s.urgent = false;
    s.lastWriteAt = clock.now();
    try {
      await withRetries(() => writeOnce(s, count, lastObserved));
      stats.written++;
    } catch (err) {
      if (abort.signal.aborted) {
        stats.discarded++;
      } else {
        stats.failed++;
        report(err);
      }
    }
    settle(s, count);
  }

  /** The Event with its series as of `count` observations, the latest at `lastObserved`. */
  function body(s: Series, count: number, lastObserved: number): Event {
    if (count < 2) return s.event;
    return { ...s.event, series: { count, lastObservedTime: microTime(lastObserved) } };
  }

  async function writeOnce(s: Series, count: number, lastObserved: number): Promise<void> {
    const namespace = s.event.metadata?.namespace;
    const signal = abort.signal;
    if (!s.created) {
      try {
        await client.create(EventsV1Event, body(s, count, lastObserved), { namespace, signal });
        s.created = true;
        return;
      } catch (err) {
        // An earlier try that timed out may have created it after all: update it instead.
        if (!isAlreadyExists(err)) throw err;
        s.created = true;
        if (count < 2) return;
      }
    }
    const patch = { series: { count, lastObservedTime: microTime(lastObserved) } };
    try {
      await client.patch(EventsV1Event, s.event.metadata?.name ?? '', patch, { namespace, signal });
    } catch (err) {
      // Events expire (an hour by default) or get deleted: create it again, as client-go does.
      if (!isNotFound(err)) throw err;
      try {
        await client.create(EventsV1Event, body(s, count, lastObserved), { namespace, signal });
      } catch (createErr) {
        if (!isAlreadyExists(createErr)) throw createErr;
      }
    }
  }

  async function withRetries(op: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await op();
        return;
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || abort.signal.aborted || !isRetryable(err)) throw err;
        const retryAfterMs = err instanceof ApiError ? (err.retryAfterSeconds ?? 0) * 1000 : 0;
        await sleep(Math.min(RETRY_MAX_MS, Math.max(RETRY_BASE_MS * 4 ** (attempt - 1), retryAfterMs)));
      }
    }
  }

  function sleep(ms: number): Promise<void> {
    const signal = abort.signal;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clock.clearTimeout(t);
        reject(signal.reason);
      };
      const t = clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      t.unref();
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Marks `s` written (or given up) up to `count` observations and wakes flushes waiting for it. */
  function settle(s: Series, count: number): void {
    if (count > s.written) s.written = count;
    if (s.written >= s.count) {
      unsettled.delete(s);
      s.urgent = false;
    }
    for (const w of waiters) {
      const target = w.remaining.get(s);
      if (target !== undefined && s.written >= target) w.remaining.delete(s);
      if (w.remaining.size === 0) {
        waiters.delete(w);
        w.resolve();
      }
    }
  }

  function flush(o: { signal?: AbortSignal } = {}): Promise<void> {
    o.signal?.throwIfAborted();
    if (unsettled.size === 0) return Promise.resolve();
    const remaining = new Map<Series, number>();
    for (const s of unsettled) remaining.set(s, s.count);
    const done = new Promise<void>((resolve) => waiters.add({ remaining, resolve }));
    for (const s of remaining.keys()) {
      s.urgent = true;
      schedule(s);
    }
    const signal = o.signal;
    if (signal === undefined) return done;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void done.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  function close(o: { signal?: AbortSignal } = {}): Promise<void> {
    closing ??= (async () => {
      closed = true;
      const signal = o.signal;
      const onAbort = () => {
        abort.abort(signal?.reason);
        for (const s of [...queue, ...waiting]) {
          queue.delete(s);
          waiting.delete(s);
          s.state = 'idle';
          stats.discarded++;
          settle(s, s.count);
        }
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await flush();
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
      }
    })();
    return closing;
  }

  return {
    event,
    flush,
    close,
    [Symbol.asyncDispose]: () => close(),
    stats: () => ({ ...stats, pending: unsettled.size }),
  };
}

/** Whether another try may succeed: 5xx, 429, conflicts and an unreachable server; never 4xx validation errors. */
function isRetryable(err: unknown): boolean {
  return isOperonError(err) && err.retryable;
}

function defaultOnError(err: unknown): void {
  process.emitWarning(err instanceof Error ? err : String(err), { code: 'OPERON_EVENT_RECORDER' });
}
