import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cache } from '../cache/cache.ts';
import type { EventHandlers } from '../cache/informer.ts';
import type { Client } from '../client/client.ts';
import type { KubernetesObject } from '../client/resource.ts';
import { silentLogger } from '../log/logger.ts';
import { createFakeClock, type FakeClock } from '../queue/index.ts';
import { controller, prepareController, type Reason } from './controller.ts';
import { obj, WebApp } from './fakes.test.ts';
import { RESYNC_JITTER, startResync } from './resync.ts';

async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

async function advance(clock: FakeClock, ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await settle(3);
  }
}

/** A cache with one primary informer whose store holds `objects`, and whose events a test fires. */
function fakeCache(objects: KubernetesObject[]) {
  const handlers = new Set<EventHandlers<KubernetesObject>>();
  return {
    handlers,
    cache: {
      informerFor: () => ({
        store: { list: () => objects },
        addHandlers(h: EventHandlers<KubernetesObject>) {
          handlers.add(h);
          return () => handlers.delete(h);
        },
      }),
      get: async () => undefined,
    } as unknown as Cache,
  };
}

function setup(periodMs: number | undefined, names: string[]) {
  const clock = createFakeClock();
  const objects = names.map((n) => obj('WebApp', n, 'ns'));
  const { cache, handlers } = fakeCache(objects);
  const runs: Array<{ key: string; reasons: string[] }> = [];
  const running = prepareController(
    controller({
      name: 'resync',
      for: WebApp,
      ...(periodMs !== undefined ? { resyncPeriodMs: periodMs } : {}),
      reconcile: async (req, ctx) => {
        runs.push({ key: `${req.namespace}/${req.name}`, reasons: ctx.reasons.map((r: Reason) => r.kind) });
      },
    }),
    { client: {} as Client, cache, clock, log: silentLogger, random: () => 0.5 },
  );
  return { clock, running, runs, handlers };
}

const countByKey = (runs: Array<{ key: string }>) => {
  const counts: Record<string, number> = {};
  for (const r of runs) counts[r.key] = (counts[r.key] ?? 0) + 1;
  return counts;
};

describe('periodic resync', () => {
  it('reconciles every object once per period, with reason resync', async () => {
    const { clock, running, runs } = setup(1000, ['a', 'b', 'c']);
    running.start();
    const period = 1000 * (1 + RESYNC_JITTER * 0.5);
    await advance(clock, period - 50);
    assert.equal(runs.length, 0, 'nothing before the first period ends');
    await advance(clock, 50);
    assert.deepEqual(countByKey(runs), { 'ns/a': 1, 'ns/b': 1, 'ns/c': 1 });
    assert.ok(runs.every((r) => r.reasons.join() === 'resync'));
    await advance(clock, period);
    assert.deepEqual(countByKey(runs), { 'ns/a': 2, 'ns/b': 2, 'ns/c': 2 });
    await running.stop(1000);
    assert.equal(clock.pendingTimers(), 0, 'stop leaves no resync timer behind');
    await advance(clock, period * 3);
    assert.equal(runs.length, 6, 'no resync after stop');
  });

  it('is off by default', async () => {
    const { clock, running, runs } = setup(undefined, ['a']);
    running.start();
    await advance(clock, 100_000, 1000);
    assert.equal(runs.length, 0);
    await running.stop(1000);
  });

  it('queues resyncs below live changes', async () => {
    const { clock, running, runs, handlers } = setup(1000, ['a', 'b', 'c']);
    running.start();
    await advance(clock, 1000);
    // The period ends and, in the same turn, c changes: the idle worker already holds a, then c
    // goes before b.
    clock.advance(100);
    for (const h of handlers) h.update?.(obj('WebApp', 'c', 'ns'), obj('WebApp', 'c', 'ns'));
    await settle(30);
    assert.deepEqual(
      runs.map((r) => r.key),
      ['ns/a', 'ns/c', 'ns/b'],
    );
    assert.deepEqual(runs[1]?.reasons, ['resync', 'update']);
    assert.deepEqual(countByKey(runs), { 'ns/a': 1, 'ns/b': 1, 'ns/c': 1 });
    await running.stop(1000);
  });

  it('rejects a period that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => controller({ name: 'x', for: WebApp, resyncPeriodMs: bad, reconcile: async () => {} }),
        /resyncPeriodMs must be a positive number/,
      );
    }
  });

  it('keeps its period when listing the keys throws', () => {
    const clock = createFakeClock();
    const errors: unknown[] = [];
    let calls = 0;
    const stop = startResync({
      periodMs: 100,
      clock,
      random: () => 0,
      keys: () => {
        calls++;
        throw new Error('boom');
      },
      enqueue: () => {},
      onError: (err) => errors.push(err),
    });
    clock.advance(100);
    clock.advance(100);
    assert.equal(calls, 2);
    assert.equal(errors.length, 2);
    stop();
    assert.equal(clock.pendingTimers(), 0);
  });
});
