import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOperonError } from '../errors.ts';
import { createFakeClock } from './clock.ts';
import { defaultRateLimiter, exponentialBackoff, maxOf, tokenBucket } from './rate-limiter.ts';

const invalidArgument = (err: unknown): boolean => isOperonError(err, 'OPERON_INVALID_ARGUMENT');

describe('exponentialBackoff', () => {
  it('waits 5 ms after the first failure and doubles per failure', () => {
    const limiter = exponentialBackoff();
    assert.deepEqual(
      Array.from({ length: 6 }, () => limiter.when('a')),
      [5, 10, 20, 40, 80, 160],
    );
    assert.equal(limiter.retries('a'), 6);
  });

  it('caps the delay at 1000 s by default', () => {
    const limiter = exponentialBackoff();
    const delays = Array.from({ length: 40 }, () => limiter.when('a'));
    // 5 * 2^17 = 655 360 ms is the last step under the cap.
    assert.equal(delays[17], 655_360);
    assert.ok(delays.slice(18).every((ms) => ms === 1_000_000));
  });

  it('keeps the cap even when the doubling overflows', () => {
    const limiter = exponentialBackoff();
    let last = 0;
    for (let i = 0; i < 2000; i++) last = limiter.when('a');
    assert.equal(last, 1_000_000);
  });

  it('takes its base and cap from the options', () => {
    const limiter = exponentialBackoff({ baseMs: 100, maxMs: 500 });
    assert.deepEqual(
      Array.from({ length: 5 }, () => limiter.when('a')),
      [100, 200, 400, 500, 500],
    );
  });

  it('starts over at the base after forget', () => {
    const limiter = exponentialBackoff();
    limiter.when('a');
    limiter.when('a');
    limiter.when('a');
    limiter.forget('a');
    assert.equal(limiter.retries('a'), 0);
    assert.equal(limiter.when('a'), 5);
  });

  it('backs off each key on its own', () => {
    const limiter = exponentialBackoff();
    limiter.when('a');
    limiter.when('a');
    assert.equal(limiter.when('b'), 5);
    assert.equal(limiter.retries('a'), 2);
    assert.equal(limiter.retries('b'), 1);
    assert.equal(limiter.retries('never'), 0);
  });

  it('rejects a negative base or a cap below the base', () => {
    assert.throws(() => exponentialBackoff({ baseMs: -1 }), invalidArgument);
    assert.throws(() => exponentialBackoff({ baseMs: 10, maxMs: 5 }), invalidArgument);
    assert.throws(() => exponentialBackoff({ maxMs: Number.NaN }), invalidArgument);
  });
});

describe('tokenBucket', () => {
  it('lets a burst through, then spaces retries at 1/qps', () => {
    const clock = createFakeClock();
    const limiter = tokenBucket({ qps: 10, burst: 2, clock });
    assert.deepEqual(
      Array.from({ length: 4 }, () => limiter.when('any')),
      [0, 0, 100, 200],
    );
  });

  it('refills with time, never beyond the burst', () => {
    const clock = createFakeClock();
    const limiter = tokenBucket({ qps: 10, burst: 2, clock });
    for (let i = 0; i < 4; i++) limiter.when('x');
    // Reservations run until t=200; at t=250 half a token is back for the next one.
    clock.advance(250);
    assert.equal(limiter.when('x'), 50);
    clock.advance(10_000);
    assert.deepEqual(
      Array.from({ length: 3 }, () => limiter.when('x')),
      [0, 0, 100],
    );
  });

  it('is shared by all keys and keeps no per-key state', () => {
    const clock = createFakeClock();
    const limiter = tokenBucket({ qps: 1, burst: 1, clock });
    assert.equal(limiter.when('a'), 0);
    assert.equal(limiter.when('b'), 1000);
    limiter.forget('b');
    assert.equal(limiter.retries('a'), 0);
    assert.equal(limiter.when('c'), 2000);
  });

  it('rejects a rate or burst that cannot work', () => {
    assert.throws(() => tokenBucket({ qps: 0, burst: 1 }), invalidArgument);
    assert.throws(() => tokenBucket({ qps: 10, burst: 0 }), invalidArgument);
    assert.throws(() => tokenBucket({ qps: 10, burst: 1.5 }), invalidArgument);
  });
});

describe('maxOf', () => {
  it('waits as long as the slowest limiter asks and records the failure in each', () => {
    const clock = createFakeClock();
    const limiter = maxOf(exponentialBackoff(), tokenBucket({ qps: 1, burst: 1, clock }));
    assert.equal(limiter.when('a'), 5);
    assert.equal(limiter.when('a'), 1000);
    assert.equal(limiter.retries('a'), 2);
    clock.advance(60_000);
    assert.equal(limiter.when('a'), 20);
    limiter.forget('a');
    assert.equal(limiter.retries('a'), 0);
    clock.advance(60_000);
    assert.equal(limiter.when('a'), 5);
  });

  it('needs at least one limiter', () => {
    assert.throws(() => maxOf(), invalidArgument);
  });
});

describe('defaultRateLimiter', () => {
  it('is per-key exponential backoff without a bucket by default', () => {
    const limiter = defaultRateLimiter();
    for (let i = 0; i < 1000; i++) assert.equal(limiter.when(`key-${i}`), 5);
  });

  it('adds a global token bucket when qps is set', () => {
    const clock = createFakeClock();
    const limiter = defaultRateLimiter({ qps: 10, burst: 1, clock });
    assert.equal(limiter.when('a'), 5);
    assert.equal(limiter.when('b'), 100);
  });

  it('passes base and cap to the backoff', () => {
    const limiter = defaultRateLimiter({ baseMs: 1, maxMs: 3 });
    assert.deepEqual(
      Array.from({ length: 4 }, () => limiter.when('a')),
      [1, 2, 3, 3],
    );
  });
});
