/** The controller work queue: `createQueue()` hands each due key to one worker at a time, deduplicated, delayed, rate limited and by priority. */

export {
  type Clock,
  createFakeClock,
  type FakeClock,
  type FakeClockOptions,
  realClock,
  type Timer,
  wallTime,
} from './clock.ts';
export type { QueueMetrics } from './metrics.ts';
export {
  type AddOptions,
  createQueue,
  type GetResult,
  Priority,
  type Queue,
  type QueueOptions,
  type QueueStats,
} from './queue.ts';
export {
  type DefaultRateLimiterOptions,
  defaultRateLimiter,
  type ExponentialBackoffOptions,
  exponentialBackoff,
  maxOf,
  type RateLimiter,
  type TokenBucketOptions,
  tokenBucket,
} from './rate-limiter.ts';
