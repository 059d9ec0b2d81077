/** Rate limiters say how long a failed key waits before its retry: per-key exponential backoff, a global token bucket, or the slower of several. */

import { ErrorCode, OperonError } from '../errors.ts';
import { type Clock, realClock } from './clock.ts';

/** Decides the delay before a key is retried. The queue's `addRateLimited` and `forget` call into it. */
export interface RateLimiter<K = string> {
  /** Records one more failure of `key` and returns how many ms to wait before retrying it. */
  when(key: K): number;
  /** Forgets the failures of `key`, typically after it was processed successfully. */
  forget(key: K): void;
  /** How many failures of `key` are on record. */
  retries(key: K): number;
}

export interface ExponentialBackoffOptions {
  /** The delay after the first failure, in ms. Default 5. */
  baseMs?: number;
  /** The longest delay, in ms. Default 1 000 000 (1000 s), as in controller-runtime. */
  maxMs?: number;
}

/**
 * Per-key exponential backoff: `baseMs * 2^failures`, capped at `maxMs`. Keys are independent, so one
 * failing object does not slow the others; the trade-off is that many keys failing together are not
 * slowed as a whole (combine with `tokenBucket` for that).
 */
export function exponentialBackoff<K = string>(options: ExponentialBackoffOptions = {}): RateLimiter<K> {
  const baseMs = options.baseMs ?? 5;
  const maxMs = options.maxMs ?? 1_000_000;
  requireFinite('baseMs', baseMs, 0);
  requireFinite('maxMs', maxMs, baseMs);
  const failures = new Map<K, number>();
  return {
    when(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      // 2 ** n becomes Infinity for large n, which the cap absorbs.
      return Math.min(baseMs * 2 ** n, maxMs);
    },
    forget(key) {
      failures.delete(key);
    },
    retries: (key) => failures.get(key) ?? 0,
  };
}

export interface TokenBucketOptions {
  /** Tokens added per second: the sustained rate of retries across all keys. */
  qps: number;
  /** The bucket size: how many retries may go at once before the rate applies. The bucket starts full. */
  burst: number;
  /** Default `realClock`. */
  clock?: Clock;
}

/**
 * A global token bucket over all keys: each `when()` reserves the next token and returns the wait for it.
 * It bounds the total retry rate (protecting the API server) but knows nothing of keys, so `forget` does
 * nothing and `retries` is always 0.
 */
export function tokenBucket<K = string>(options: TokenBucketOptions): RateLimiter<K> {
  const { qps, burst } = options;
  const clock = options.clock ?? realClock;
  if (!Number.isFinite(qps) || qps <= 0) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `tokenBucket: qps must be a finite number > 0, got ${qps}.`,
    );
  }
  if (!Number.isInteger(burst) || burst < 1) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `tokenBucket: burst must be an integer >= 1, got ${burst}.`,
    );
  }
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      tokens = Math.min(burst, tokens + (Math.max(0, now - last) * qps) / 1000);
      last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : (-tokens / qps) * 1000;
    },
    forget() {},
    retries: () => 0,
  };
}

/** Combines limiters: the delay is the longest any of them asks for; every one records each failure. */
export function maxOf<K = string>(...limiters: RateLimiter<K>[]): RateLimiter<K> {
  if (limiters.length === 0) {
    throw new OperonError(ErrorCode.InvalidArgument, 'maxOf: pass at least one rate limiter.');
  }
  return {
    when(key) {
      let ms = 0;
      for (const limiter of limiters) ms = Math.max(ms, limiter.when(key));
      return ms;
    },
    forget(key) {
      for (const limiter of limiters) limiter.forget(key);
    },
    retries(key) {
      let n = 0;
      for (const limiter of limiters) n = Math.max(n, limiter.retries(key));
      return n;
    },
  };
}

export interface DefaultRateLimiterOptions extends ExponentialBackoffOptions {
  /** Adds a global token bucket at this rate. Off by default; controller-runtime's default uses 10. */
  qps?: number;
  /** The token bucket's size when `qps` is set. Default 100, as in controller-runtime. */
  burst?: number;
  /** Clock for the token bucket. Default `realClock`. */
  clock?: Clock;
}

/**
 * The queue's default: per-key exponential backoff (5 ms doubling to 1000 s) and, when `qps` is set, the
 * slower of that and a global token bucket, as controller-runtime's DefaultControllerRateLimiter does.
 */
export function defaultRateLimiter<K = string>(options: DefaultRateLimiterOptions = {}): RateLimiter<K> {
  const backoff: ExponentialBackoffOptions = {};
  if (options.baseMs !== undefined) backoff.baseMs = options.baseMs;
  if (options.maxMs !== undefined) backoff.maxMs = options.maxMs;
  const perKey = exponentialBackoff<K>(backoff);
  if (options.qps === undefined) return perKey;
  const bucket: TokenBucketOptions = { qps: options.qps, burst: options.burst ?? 100 };
  if (options.clock !== undefined) bucket.clock = options.clock;
  return maxOf(perKey, tokenBucket<K>(bucket));
}

function requireFinite(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `Rate limiter option ${name} must be a finite number >= ${min}, got ${value}.`,
    );
  }
}
