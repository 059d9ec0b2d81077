/**
 * Time for the whole framework: `realClock` reads the monotonic clock for intervals and the wall
 * clock for timestamps; `createFakeClock()` moves only when a test advances it.
 */

import { performance } from 'node:perf_hooks';
import { ErrorCode, OperonError } from '../errors.ts';
import { createHeap, type HeapItem } from './heap.ts';

/** A pending timer. A timer with a ref keeps the process alive; Node's `Timeout` is one. */
export interface Timer {
  ref(): unknown;
  unref(): unknown;
  hasRef(): boolean;
}

/**
 * The source of time and timers: the queue, rate limiters, controllers (`Action.requeueAfter`,
 * `ctx.now()` for conditions and schedules), the Event recorder and leader election.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  /**
   * Unix epoch milliseconds, for what is written down or compared with dates: conditions'
   * `lastTransitionTime`, Event and Lease times, a schedule's next run. It advances with `now()`
   * and the timers. Optional so that older clocks still fit: without it, `wallTime(clock)` reads
   * `Date.now()`.
   */
  wallTime?(): number;
  /** Calls `callback` once, no earlier than `ms` milliseconds from now. */
  setTimeout(callback: () => void, ms: number): Timer;
  /** Cancels a timer from this clock's `setTimeout`; a fired or cancelled timer is ignored. */
  clearTimeout(timer: Timer): void;
}

/** Node's longest timeout; longer ones fire at once, so the real clock fires early and callers re-arm. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A clock's wall time (`clock.wallTime()`), or `Date.now()` for a clock without one. */
export function wallTime(clock: Clock | undefined): number {
  return clock?.wallTime ? clock.wallTime() : Date.now();
}

/** The process clock: `performance.now()`, `Date.now()` and Node timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  wallTime: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, Math.min(Math.max(0, Math.ceil(ms)), MAX_TIMEOUT_MS)),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** A clock for tests: time stands still until `advance()`, which runs the timers that come due in order. */
export interface FakeClock extends Clock {
  wallTime(): number;
  /** Moves time forward by `ms`, running each timer due by then at its own time, earliest first. */
  advance(ms: number): void;
  /**
   * Sets the wall time to `epochMs`. Forward, it is `advance()` by the difference (timers due by
   * then fire); backward, only the wall time steps back, as a real wall clock may, and the
   * monotonic `now()` and the timers stay where they are.
   */
  setWallTime(epochMs: number): void;
  /** How many timers are scheduled and not yet fired or cancelled. */
  pendingTimers(): number;
  /** When the next timer fires, or undefined when none is pending. */
  nextTimerAt(): number | undefined;
}

export interface FakeClockOptions {
  /** The initial `now()`. Default 0. */
  start?: number;
  /** The initial `wallTime()`, Unix epoch ms. Default `start` (so `now()` and `wallTime()` agree). */
  wallStart?: number;
}

interface FakeTimer extends Timer, HeapItem {
  at: number;
  order: number;
  callback: () => void;
}

/** Creates a clock whose time moves only when `advance()` is called. */
export function createFakeClock(options: FakeClockOptions = {}): FakeClock {
  let now = options.start ?? 0;
  // wallTime() = now + offset.
  let offset = (options.wallStart ?? now) - now;
  let order = 0;
  const timers = createHeap<FakeTimer>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));

  const clock: FakeClock = {
    now: () => now,
    wallTime: () => now + offset,
    setTimeout(callback, ms) {
      let hasRef = true;
      const timer: FakeTimer = {
        at: now + Math.max(0, ms),
        order: order++,
        callback,
        heapIndex: -1,
        ref() {
          hasRef = true;
          return timer;
        },
        unref() {
          hasRef = false;
          return timer;
        },
        hasRef: () => hasRef,
      };
      timers.push(timer);
      return timer;
    },
    clearTimeout(timer) {
      timers.remove(timer as FakeTimer);
    },
    advance(ms) {
      if (!(ms >= 0) || !Number.isFinite(ms)) {
        throw new OperonError(ErrorCode.InvalidArgument, `advance(${ms}): pass a finite number of ms >= 0.`);
      }
      const target = now + ms;
      for (let next = timers.peek(); next !== undefined && next.at <= target; next = timers.peek()) {
        timers.pop();
        now = next.at;
        next.callback();
      }
      now = target;
    },
    setWallTime(epochMs) {
      if (!Number.isFinite(epochMs)) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `setWallTime(${epochMs}): pass finite epoch milliseconds.`,
        );
      }
      const delta = epochMs - (now + offset);
      if (delta >= 0) clock.advance(delta);
      else offset += delta;
    },
    pendingTimers: () => timers.size,
    nextTimerAt: () => timers.peek()?.at,
  };
  return clock;
}
