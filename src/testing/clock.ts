/**
 * A controllable clock for operator tests: `createTestClock()` stands still until the test moves
 * it (`advance(ms)`, `set(date)`), so a schedule-driven reconcile runs at once at its next time.
 */

import { ErrorCode, OperonError } from '../errors.ts';
import { createFakeClock, type FakeClock } from '../queue/clock.ts';

export interface TestClock extends FakeClock {
  /** Moves the wall time to `date` (see `setWallTime`): forward fires the timers due by then. */
  set(date: Date | string | number): void;
  /** The wall time as a Date. */
  date(): Date;
}

export interface TestClockOptions {
  /** The wall time it starts at; default 2025-01-01T00:00:00Z, so tests do not depend on today. */
  now?: Date | string | number;
}

function epochOf(date: Date | string | number, what: string): number {
  const ms = date instanceof Date ? date.getTime() : typeof date === 'string' ? Date.parse(date) : date;
  if (!Number.isFinite(ms)) {
    throw new OperonError(ErrorCode.InvalidArgument, `${what}: ${String(date)} is not a date.`);
  }
  return ms;
}

/**
 * Creates a clock to pass as `clock` to `createManager()`, `defineOperator()` or a controller's
 * runtime. Every timer on it (requeueAfter, backoff, Event and Lease timing, the shutdown
 * deadline) waits for `advance()` or `set()`.
 */
export function createTestClock(options: TestClockOptions = {}): TestClock {
  const fake = createFakeClock({
    wallStart: epochOf(options.now ?? '2025-01-01T00:00:00Z', 'createTestClock'),
  });
  return Object.assign(fake, {
    set(date: Date | string | number) {
      fake.setWallTime(epochOf(date, 'set'));
    },
    date: () => new Date(fake.wallTime()),
  });
}
