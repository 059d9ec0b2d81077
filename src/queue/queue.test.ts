import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { isOperonError } from '../errors.ts';
import { createFakeClock } from './clock.ts';
import type { QueueMetrics } from './metrics.ts';
import { createQueue, Priority, type Queue } from './queue.ts';
import { exponentialBackoff } from './rate-limiter.ts';

/** Gets the next key, failing the test if the queue reports shutdown. */
async function take<K>(queue: Queue<K>): Promise<K> {
  const item = await queue.get();
  if (item.shutdown) assert.fail('the queue reported shutdown');
  return item.key;
}

/** Takes every ready key in order, marking each done. */
async function takeAll<K>(queue: Queue<K>): Promise<K[]> {
  const keys: K[] = [];
  while (queue.len() > 0) {
    const key = await take(queue);
    keys.push(key);
    queue.done(key);
  }
  return keys;
}

/** Whether `promise` has settled once pending callbacks have run; no wall-clock wait. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await nextTurn();
  return settled;
}

/** A small seeded PRNG so the randomized tests are reproducible. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const invalidArgument = (err: unknown): boolean => isOperonError(err, 'OPERON_INVALID_ARGUMENT');

describe('queue: dedup and one worker per key', () => {
  it('holds a key once however often it is added', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    assert.equal(queue.len(), 2);
    assert.deepEqual(await takeAll(queue), ['a', 'b']);
  });

  it('hands keys out first in, first out', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    for (const key of ['c', 'a', 'b']) queue.add(key);
    assert.deepEqual(await takeAll(queue), ['c', 'a', 'b']);
  });

  it('does not hand a key out again while it is being processed', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    assert.equal(await take(queue), 'a');
    queue.add('a');
    assert.equal(queue.len(), 0);
    const second = queue.get();
    assert.equal(await isSettled(second), false);
    queue.done('a');
    assert.deepEqual(await second, { shutdown: false, key: 'a', priority: 0 });
  });

  it('a key added while processing runs once more afterwards', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    assert.equal(await take(queue), 'a');
    queue.add('a');
    queue.add('a');
    queue.add('a');
    queue.done('a');
    assert.deepEqual(await takeAll(queue), ['a']);
    assert.equal(queue.stats().depth, 0);
  });

  it('ignores done for a key that is not in progress', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.done('never');
    queue.add('a');
    queue.done('a');
    assert.equal(queue.len(), 1, 'a queued key is not finished by done');
    assert.equal(await take(queue), 'a');
    queue.done('a');
    queue.done('a');
    assert.equal(queue.stats().processing, 0);
  });

  it('deduplicates non-string keys by value equality of Map keys', async () => {
    const queue = createQueue<number>({ clock: createFakeClock() });
    queue.add(1);
    queue.add(1);
    queue.add(2);
    assert.deepEqual(await takeAll(queue), [1, 2]);
  });

  it('never hands one key to two of 8 concurrent workers, and processes every last add', {
    timeout: 20_000,
  }, async () => {
    const queue = createQueue();
    const rand = random(42);
    const keyCount = 1000;
    let tick = 0;
    const lastAdd = new Map<string, number>();
    /** For each key, the tick at which a worker last took it: every add before that is covered. */
    const covered = new Map<string, number>();
    const held = new Set<string>();
    const overlaps: string[] = [];
    let handled = 0;
    const addKey = (key: string): void => {
      lastAdd.set(key, ++tick);
      queue.add(key);
    };
    const randomKey = (): string => `key-${Math.floor(rand() * keyCount)}`;
    /** Re-adding keys that are in progress is what could hand them out twice. */
    const addHeldKey = (): void => {
      const inProgress = [...held];
      if (inProgress.length > 0) addKey(inProgress[Math.floor(rand() * inProgress.length)]!);
    };

    const worker = async (): Promise<void> => {
      for (;;) {
        const item = await queue.get();
        if (item.shutdown) return;
        if (held.has(item.key)) overlaps.push(item.key);
        held.add(item.key);
        covered.set(item.key, tick);
        handled++;
        const turns = Math.floor(rand() * 4);
        for (let i = 0; i < turns; i++) {
          if (rand() < 0.5) addHeldKey();
          await nextTurn();
        }
        if (rand() < 0.2) addKey(randomKey());
        held.delete(item.key);
        queue.done(item.key);
      }
    };
    const workers = Array.from({ length: 8 }, worker);

    for (let i = 0; i < 20_000; i++) {
      addKey(randomKey());
      if (rand() < 0.3) addHeldKey();
      if (i % 4 === 0) await nextTurn();
    }
    for (let turns = 0; queue.stats().depth > 0 || queue.stats().processing > 0; turns++) {
      if (turns > 100_000) assert.fail('the queue never went idle');
      await nextTurn();
    }
    queue.shutDown();
    await Promise.all(workers);

    assert.deepEqual(overlaps, []);
    assert.ok(handled >= keyCount, `handled ${handled}`);
    for (const [key, added] of lastAdd) {
      assert.ok((covered.get(key) ?? -1) >= added, `the last add of ${key} was never processed`);
    }
  });
});

describe('queue: delayed adds', () => {
  it('makes a key due only after its delay', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.addAfter('a', 100);
    assert.equal(queue.len(), 0);
    assert.equal(queue.stats().delayed, 1);
    clock.advance(99);
    assert.equal(queue.len(), 0);
    clock.advance(1);
    assert.equal(queue.len(), 1);
    assert.equal(await take(queue), 'a');
  });

  it('wakes a waiting get() when a delayed key comes due', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    const got = queue.get();
    queue.addAfter('a', 50);
    assert.equal(await isSettled(got), false);
    clock.advance(50);
    assert.deepEqual(await got, { shutdown: false, key: 'a', priority: 0 });
  });

  it('keeps the sooner time when a delayed key is added again', () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.addAfter('a', 100);
    queue.addAfter('a', 50);
    queue.addAfter('a', 200);
    assert.equal(queue.stats().delayed, 1);
    clock.advance(50);
    assert.equal(queue.len(), 1);
    clock.advance(1000);
    assert.equal(queue.len(), 1);
  });

  it('makes a delayed key due at once on a plain add', () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.addAfter('a', 100);
    queue.add('a');
    assert.equal(queue.len(), 1);
    assert.equal(queue.stats().delayed, 0);
    assert.equal(clock.pendingTimers(), 0, 'no timer is left for the promoted key');
  });

  it('keeps a due key due when it is added again with a delay, and runs it once', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.add('a');
    queue.addAfter('a', 100);
    assert.equal(queue.len(), 1);
    assert.equal(queue.stats().delayed, 0);
    assert.deepEqual(await takeAll(queue), ['a']);
    clock.advance(100);
    assert.equal(queue.len(), 0);
  });

  it('treats a delay of zero or less as a plain add', () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.addAfter('a', 0);
    queue.addAfter('b', -5);
    assert.equal(queue.len(), 2);
  });

  it('holds a delayed key that comes due while it is in progress until done', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.add('a');
    assert.equal(await take(queue), 'a');
    queue.addAfter('a', 10);
    clock.advance(10);
    assert.equal(queue.len(), 0);
    assert.equal(queue.stats().depth, 1);
    queue.done('a');
    assert.deepEqual(await takeAll(queue), ['a']);
  });

  it('makes delayed keys due in time order', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.addAfter('c', 30);
    queue.addAfter('a', 10);
    queue.addAfter('b', 20);
    queue.addAfter('b2', 20);
    clock.advance(30);
    assert.deepEqual(await takeAll(queue), ['a', 'b', 'b2', 'c']);
  });

  it('re-arms the timer when an earlier key is delayed after a later one', () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.addAfter('late', 1000);
    queue.addAfter('early', 10);
    assert.equal(clock.nextTimerAt(), 10);
    assert.equal(clock.pendingTimers(), 1);
    clock.advance(10);
    assert.equal(queue.len(), 1);
    assert.equal(clock.nextTimerAt(), 1000);
  });

  it('rejects a delay that is not a finite number', () => {
    const queue = createQueue({ clock: createFakeClock() });
    assert.throws(() => queue.addAfter('a', Number.NaN), invalidArgument);
    assert.throws(() => queue.addAfter('a', Number.POSITIVE_INFINITY), invalidArgument);
  });
});

describe('queue: rate-limited retries', () => {
  it('retries a failing key after 5, 10, 20 ms and starts over after forget', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    const waitFor = async (ms: number): Promise<void> => {
      queue.addRateLimited('a');
      clock.advance(ms - 1);
      assert.equal(queue.len(), 0, `not due before ${ms} ms`);
      clock.advance(1);
      assert.equal(await take(queue), 'a', `due after ${ms} ms`);
      queue.done('a');
    };
    await waitFor(5);
    await waitFor(10);
    await waitFor(20);
    assert.equal(queue.retries('a'), 3);
    queue.forget('a');
    assert.equal(queue.retries('a'), 0);
    await waitFor(5);
  });

  it('uses the rate limiter it is given', () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock, rateLimiter: exponentialBackoff({ baseMs: 1000, maxMs: 1000 }) });
    queue.addRateLimited('a');
    clock.advance(999);
    assert.equal(queue.len(), 0);
    clock.advance(1);
    assert.equal(queue.len(), 1);
  });

  it('keeps the priority of a rate-limited key', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.addRateLimited('a', { priority: 7 });
    clock.advance(5);
    assert.deepEqual(await queue.get(), { shutdown: false, key: 'a', priority: 7 });
  });
});

describe('queue: priorities', () => {
  it('low-priority keys from a list or resync do not delay live changes', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    for (let i = 0; i < 5; i++) queue.add(`listed-${i}`, { priority: Priority.low });
    queue.add('live');
    assert.deepEqual(await takeAll(queue), [
      'live',
      'listed-0',
      'listed-1',
      'listed-2',
      'listed-3',
      'listed-4',
    ]);
  });

  it('hands out higher priorities first and equal priorities in order of arrival', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('p1-a', { priority: 1 });
    queue.add('p5-a', { priority: 5 });
    queue.add('p1-b', { priority: 1 });
    queue.add('p5-b', { priority: 5 });
    queue.add('p0');
    assert.deepEqual(await takeAll(queue), ['p5-a', 'p5-b', 'p1-a', 'p1-b', 'p0']);
  });

  it('promotes a key re-added at a higher priority', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    for (const key of ['a', 'b', 'c']) queue.add(key, { priority: Priority.low });
    queue.add('c');
    const first = await queue.get();
    assert.deepEqual(first, { shutdown: false, key: 'c', priority: 0 });
  });

  it('does not demote a key re-added at a lower priority', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a', { priority: 10 });
    queue.add('b', { priority: 5 });
    queue.add('a', { priority: Priority.low });
    assert.deepEqual(await queue.get(), { shutdown: false, key: 'a', priority: 10 });
  });

  it('promotes a delayed key, keeping its due time', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.addAfter('a', 10, { priority: Priority.low });
    queue.addAfter('a', 50, { priority: 3 });
    queue.add('b');
    clock.advance(10);
    assert.deepEqual(await queue.get(), { shutdown: false, key: 'a', priority: 3 });
  });

  it('remembers the highest priority of adds made while the key was in progress', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    assert.equal(await take(queue), 'a');
    queue.add('a', { priority: Priority.low });
    queue.add('a', { priority: 4 });
    queue.add('b', { priority: 2 });
    queue.done('a');
    assert.deepEqual(await queue.get(), { shutdown: false, key: 'a', priority: 4 });
  });

  it('rejects a priority that is not a finite number', () => {
    const queue = createQueue({ clock: createFakeClock() });
    assert.throws(() => queue.add('a', { priority: Number.NaN }), invalidArgument);
    assert.throws(() => queue.addAfter('a', 5, { priority: Number.POSITIVE_INFINITY }), invalidArgument);
  });
});

describe('queue: get() and cancellation', () => {
  it('serves waiting getters in the order they asked', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    const first = queue.get();
    const second = queue.get();
    queue.add('a');
    queue.add('b');
    assert.deepEqual(await first, { shutdown: false, key: 'a', priority: 0 });
    assert.deepEqual(await second, { shutdown: false, key: 'b', priority: 0 });
  });

  it('rejects with the reason of an already aborted signal and takes no key', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    const reason = new Error('stop');
    await assert.rejects(queue.get(AbortSignal.abort(reason)), (err) => err === reason);
    assert.equal(queue.len(), 1);
  });

  it('rejects a waiting get() when its signal aborts, and the next key goes to the next getter', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    const controller = new AbortController();
    const aborted = queue.get(controller.signal);
    const other = queue.get();
    controller.abort(new Error('worker stopping'));
    await assert.rejects(aborted, { message: 'worker stopping' });
    queue.add('a');
    assert.deepEqual(await other, { shutdown: false, key: 'a', priority: 0 });
    assert.equal(queue.stats().processing, 1);
  });

  it('keeps a key it already handed out when the signal aborts afterwards', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    const controller = new AbortController();
    const got = queue.get(controller.signal);
    queue.add('a');
    controller.abort();
    assert.deepEqual(await got, { shutdown: false, key: 'a', priority: 0 });
  });
});

describe('queue: shutdown', () => {
  it('resolves waiting and later gets as shut down instead of hanging', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    const waiting = queue.get();
    queue.shutDown();
    assert.equal(queue.shuttingDown, true);
    assert.deepEqual(await waiting, { shutdown: true });
    assert.deepEqual(await queue.get(), { shutdown: true });
  });

  it('stops accepting work and drops what was pending', () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.add('a');
    queue.addAfter('b', 10);
    queue.shutDown();
    queue.add('c');
    queue.addAfter('d', 10);
    queue.addRateLimited('e');
    clock.advance(100);
    assert.equal(queue.len(), 0);
    assert.deepEqual(
      { ...queue.stats(), unfinishedWorkSeconds: 0, longestRunningProcessorSeconds: 0 },
      {
        depth: 0,
        ready: 0,
        delayed: 0,
        processing: 0,
        unfinishedWorkSeconds: 0,
        longestRunningProcessorSeconds: 0,
      },
    );
    assert.equal(queue.retries('e'), 0, 'a rate-limited add after shutdown records no failure');
  });

  it('does not requeue a key added during its last run once shut down', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    assert.equal(await take(queue), 'a');
    queue.add('a');
    queue.shutDown();
    queue.done('a');
    assert.equal(queue.len(), 0);
    assert.deepEqual(await queue.get(), { shutdown: true });
  });

  it('drains by waiting until every key in progress is done', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    queue.add('b');
    await take(queue);
    await take(queue);
    const drained = queue.shutDownWithDrain();
    assert.deepEqual(await queue.get(), { shutdown: true });
    queue.done('a');
    assert.equal(await isSettled(drained), false);
    queue.done('b');
    await drained;
  });

  it('drains at once when nothing is in progress', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    await queue.shutDownWithDrain();
    assert.equal(queue.shuttingDown, true);
  });

  it('stops waiting for the drain when its signal aborts, staying shut down', async () => {
    const queue = createQueue({ clock: createFakeClock() });
    queue.add('a');
    await take(queue);
    const controller = new AbortController();
    const drained = queue.shutDownWithDrain(controller.signal);
    controller.abort(new Error('grace period over'));
    await assert.rejects(drained, { message: 'grace period over' });
    assert.equal(queue.shuttingDown, true);
    await assert.rejects(queue.shutDownWithDrain(AbortSignal.abort(new Error('again'))), {
      message: 'again',
    });
    queue.done('a');
    await queue.shutDownWithDrain();
  });

  it('shuts down and drains when disposed with await using', async () => {
    let escaped: Queue | undefined;
    {
      await using queue = createQueue({ clock: createFakeClock() });
      escaped = queue;
      queue.add('a');
    }
    assert.equal(escaped.shuttingDown, true);
  });

  it('leaves no timer pending on the clock after shutdown', () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock, metrics: { unfinishedWorkSeconds() {} } });
    queue.addAfter('a', 10);
    queue.addAfter('b', 1_000_000);
    queue.addRateLimited('c');
    void queue.get();
    assert.ok(clock.pendingTimers() >= 2);
    queue.shutDown();
    assert.equal(clock.pendingTimers(), 0);
  });

  it('paces its metrics report on metricsClock when given one, and clears that timer on shutdown', () => {
    const clock = createFakeClock();
    const metricsClock = createFakeClock();
    const unfinished: number[] = [];
    const queue = createQueue({
      clock,
      metricsClock,
      metrics: { unfinishedWorkSeconds: (s) => unfinished.push(s) },
    });
    queue.addAfter('a', 10);
    assert.equal(clock.pendingTimers(), 1, "only the delayed key's timer is on the queue's clock");
    assert.equal(metricsClock.pendingTimers(), 1);
    metricsClock.advance(500);
    assert.deepEqual(unfinished, [0]);
    queue.shutDown();
    assert.equal(metricsClock.pendingTimers(), 0);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('leaves no timer pending once every delayed key came due', () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.addAfter('a', 10);
    queue.addAfter('b', 20);
    clock.advance(20);
    assert.equal(clock.pendingTimers(), 0);
  });
});

describe('queue: metrics', () => {
  function recorder(): { calls: Array<[string, number?]>; metrics: QueueMetrics } {
    const calls: Array<[string, number?]> = [];
    return {
      calls,
      metrics: {
        depth: (n) => calls.push(['depth', n]),
        add: () => calls.push(['add']),
        queueLatency: (s) => calls.push(['queueLatency', s]),
        workDuration: (s) => calls.push(['workDuration', s]),
        retry: () => calls.push(['retry']),
      },
    };
  }

  it('reports adds, depth, queue latency and work duration', async () => {
    const clock = createFakeClock();
    const { calls, metrics } = recorder();
    const queue = createQueue({ clock, metrics });
    queue.add('a');
    queue.add('a');
    clock.advance(10);
    await take(queue);
    clock.advance(20);
    queue.done('a');
    assert.deepEqual(calls, [
      ['add'],
      ['depth', 1],
      ['queueLatency', 0.01],
      ['depth', 0],
      ['workDuration', 0.02],
    ]);
  });

  it('measures queue latency from when a delayed key came due', async () => {
    const clock = createFakeClock();
    const { calls, metrics } = recorder();
    const queue = createQueue({ clock, metrics });
    queue.addAfter('a', 100);
    clock.advance(100);
    clock.advance(5);
    await take(queue);
    assert.deepEqual(calls, [['retry'], ['add'], ['depth', 1], ['queueLatency', 0.005], ['depth', 0]]);
  });

  it('counts delayed and rate-limited adds as retries', () => {
    const clock = createFakeClock();
    const { calls, metrics } = recorder();
    const queue = createQueue({ clock, metrics });
    queue.addRateLimited('a');
    queue.addAfter('b', 10);
    assert.deepEqual(
      calls.filter(([name]) => name === 'retry'),
      [['retry'], ['retry']],
    );
  });

  it('counts a key that is due again while in progress in the depth', async () => {
    const clock = createFakeClock();
    const { calls, metrics } = recorder();
    const queue = createQueue({ clock, metrics });
    queue.add('a');
    await take(queue);
    calls.length = 0;
    queue.add('a');
    assert.deepEqual(calls, [['add'], ['depth', 1]]);
    assert.equal(queue.stats().depth, 1);
    assert.equal(queue.len(), 0);
  });

  it('reports unfinished work and the longest running processor periodically', async () => {
    const clock = createFakeClock();
    const unfinished: number[] = [];
    const longest: number[] = [];
    const queue = createQueue({
      clock,
      metricsIntervalMs: 500,
      metrics: {
        unfinishedWorkSeconds: (s) => unfinished.push(s),
        longestRunningProcessorSeconds: (s) => longest.push(s),
      },
    });
    queue.add('a');
    queue.add('b');
    await take(queue);
    clock.advance(100);
    await take(queue);
    clock.advance(400);
    assert.deepEqual(unfinished, [0.9]);
    assert.deepEqual(longest, [0.5]);
    queue.done('a');
    clock.advance(500);
    assert.deepEqual(unfinished, [0.9, 0.9]);
    assert.deepEqual(longest, [0.5, 0.9]);
    queue.done('b');
    clock.advance(500);
    assert.deepEqual(unfinished.at(-1), 0);
    assert.deepEqual(longest.at(-1), 0);
  });

  it('reads depth and unfinished work on demand from stats()', async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 10);
    await take(queue);
    clock.advance(3);
    assert.deepEqual(queue.stats(), {
      depth: 1,
      ready: 1,
      delayed: 1,
      processing: 1,
      unfinishedWorkSeconds: 0.003,
      longestRunningProcessorSeconds: 0.003,
    });
  });

  it('rejects a metrics interval that is not positive', () => {
    assert.throws(() => createQueue({ metricsIntervalMs: 0 }), invalidArgument);
  });
});

describe('queue: scale', () => {
  it('orders 100k keys by priority and arrival, and brings 100k delayed keys due in time', {
    timeout: 20_000,
  }, async () => {
    const clock = createFakeClock();
    const queue = createQueue({ clock });
    const rand = random(7);
    const n = 100_000;
    for (let i = 0; i < n; i++) queue.add(`k${i}`, { priority: Math.floor(rand() * 10) });
    for (let i = 0; i < n; i++)
      queue.add(`k${Math.floor(rand() * n)}`, { priority: Math.floor(rand() * 12) });
    assert.equal(queue.len(), n);
    let previous: { priority: number; index: number } | undefined;
    for (let i = 0; i < n; i++) {
      const item = await queue.get();
      if (item.shutdown) assert.fail('shut down');
      const index = Number(item.key.slice(1));
      if (previous !== undefined) {
        assert.ok(
          item.priority < previous.priority ||
            (item.priority === previous.priority && index > previous.index),
          `out of order at ${i}`,
        );
      }
      previous = { priority: item.priority, index };
      queue.done(item.key);
    }
    assert.equal(queue.len(), 0);

    let latest = 0;
    for (let i = 0; i < n; i++) {
      const ms = 1 + Math.floor(rand() * 1_000_000);
      latest = Math.max(latest, ms);
      queue.addAfter(`d${i}`, ms);
    }
    assert.equal(queue.stats().delayed, n);
    assert.equal(clock.pendingTimers(), 1);
    clock.advance(latest);
    assert.equal(queue.len(), n);
    assert.equal(clock.pendingTimers(), 0);
    queue.shutDown();
  });
});

describe('queue: real clock and the process', () => {
  const run = promisify(execFile);
  const queueUrl = new URL('./queue.ts', import.meta.url).href;
  const runScript = async (body: string): Promise<string> => {
    const script = `import { createQueue } from ${JSON.stringify(queueUrl)};\n${body}`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], {
      timeout: 15_000,
    });
    return stdout.trim();
  };

  it('lets the process exit after shutdown with delayed keys, a waiting get() and metrics', async () => {
    const out = await runScript(`
      const queue = createQueue({ metrics: { unfinishedWorkSeconds() {}, longestRunningProcessorSeconds() {} } });
      queue.addAfter('a', 3_600_000);
      queue.addRateLimited('b');
      const waiting = queue.get();
      queue.shutDown();
      console.log(JSON.stringify(await waiting));
    `);
    assert.equal(out, '{"shutdown":true}');
  });

  it('does not keep the process alive for a delayed key nobody waits for', async () => {
    const out = await runScript(`
      const queue = createQueue();
      queue.addAfter('a', 3_600_000);
      console.log('left');
    `);
    assert.equal(out, 'left');
  });

  it('keeps the process alive while a get() waits for a delayed key', async () => {
    const out = await runScript(`
      const queue = createQueue();
      queue.addAfter('a', 20);
      const item = await queue.get();
      queue.done(item.key);
      queue.shutDown();
      console.log(item.key);
    `);
    assert.equal(out, 'a');
  });
});
