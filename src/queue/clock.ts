/** Time as the queue sees it: `realClock` reads the monotonic clock, `createFakeClock()` moves only when a test advances it. */

import { performance } from 'node:perf_hooks';
import { ErrorCode, OperonError } from '../errors.ts';
import { createHeap, type HeapItem } from './heap.ts';

/** A pending timer. A timer with a ref keeps the process alive; Node's `Timeout` is one. */
export interface Timer {
  ref(): unknown;
  unref(): unknown;
  hasRef(): boolean;
}

/** The source of time and timers for the queue and the rate limiters. */
export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  /** Calls `callback` once, no earlier than `ms` milliseconds from now. */
  setTimeout(callback: () => void, ms: number): Timer;
  /** Cancels a timer from this clock's `setTimeout`; a fired or cancelled timer is ignored. */
  clearTimeout(timer: Timer): void;
}

/** Node's longest timeout; longer ones fire at once, so the real clock fires early and callers re-arm. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The process clock: `performance.now()` and Node timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, Math.min(Math.max(0, Math.ceil(ms)), MAX_TIMEOUT_MS)),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** A clock for tests: time stands still until `advance()`, which runs the timers that come due in order. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, running each timer due by then at its own time, earliest first. */
  advance(ms: number): void;
  /** How many timers are scheduled and not yet fired or cancelled. */
  pendingTimers(): number;
  /** When the next timer fires, or undefined when none is pending. */
  nextTimerAt(): number | undefined;
}

export interface FakeClockOptions {
  /** The initial `now()`. Default 0. */
  start?: number;
}

interface FakeTimer extends Timer, HeapItem {
  at: number;
  order: number;
  callback: () => void;
}

/** Creates a clock whose time moves only when `advance()` is called. */
export function createFakeClock(options: FakeClockOptions = {}): FakeClock {
  let now = options.start ?? 0;
  let order = 0;
  const timers = createHeap<FakeTimer>((a, b) => a.at < b.at || (a.at === b.at && a.order < b.order));

  return {
    now: () => now,
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
    pendingTimers: () => timers.size,
    nextTimerAt: () => timers.peek()?.at,
  };
}
