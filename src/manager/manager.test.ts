import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InformerErrorInfo } from '../cache/informer.ts';
import { type Client, resourcePath } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { ConfigMap } from '../client/types/core-v1.ts';
import { Action } from '../controller/action.ts';
import { controller } from '../controller/controller.ts';
import { createLogger } from '../log/logger.ts';
import { createFakeClock } from '../queue/clock.ts';
import { createTestClock } from '../testing/clock.ts';
import { createFakeRaw, type FakeRaw } from '../watch/fake-raw.ts';
import { createManager } from './manager.ts';

/** A client whose lists and watches a test answers; the manager's cache uses nothing else here. */
function fakeClient(fake: FakeRaw): Client {
  return {
    config: { namespace: 'default' },
    raw: fake.client.raw,
    onWrite: () => () => true,
    path: resourcePath,
    close: async () => {},
  } as unknown as Client;
}

const cm = (name: string): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: '3' },
});

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** The value of one sample line (`name{labels} value`) in a scrape, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('manager: informer errors', () => {
  it('counts each object an informer skipped in operon_informer_handler_errors_total{resource,stage}, logs a warning and still calls the user hook', async () => {
    const fake = createFakeRaw();
    const lines: Array<Record<string, unknown>> = [];
    const hooked: Array<{ type: ResourceType; info: InformerErrorInfo }> = [];
    const manager = await createManager({
      client: fakeClient(fake),
      log: createLogger({ format: 'json', level: 'debug', write: (l) => lines.push(JSON.parse(l)) }),
      metricsAddress: false,
      healthAddress: false,
      cache: {
        informer: {
          watch: { streamingList: false },
          transform: (o) => {
            if (o.metadata?.name === 'bad') throw new Error('cannot transform this one');
            return o;
          },
        },
        onInformerError: (type, _error, info) => hooked.push({ type, info }),
      },
    });
    manager.cache.informerFor(ConfigMap);
    const ac = new AbortController();
    const stopped = manager.start(ac.signal);
    (await fake.request()).list([cm('good'), cm('bad')], '3');
    const series = 'operon_informer_handler_errors_total{resource="configmaps",stage="transform"}';
    await until(async () => sample(await manager.metrics.text(), series) === 1, 'the skipped object counted');
    const warning = lines.find((l) => l.msg === 'informer skipped an object or restarted');
    assert.ok(warning, JSON.stringify(lines));
    assert.equal(warning.level, 'warn');
    assert.equal(warning.kind, 'ConfigMap');
    assert.equal(warning.stage, 'transform');
    assert.equal(warning.key, 'ns/bad');
    assert.match(String((warning.err as { message?: unknown } | undefined)?.message), /cannot transform/);
    assert.deepEqual(
      hooked.map(({ type, info }) => [type.kind, info.stage, info.key]),
      [['ConfigMap', 'transform', 'ns/bad']],
    );
    assert.equal(manager.cache.informerFor(ConfigMap).store.list().length, 1, 'the good object is stored');
    ac.abort();
    await stopped;
  });
});

describe('manager: one clock', () => {
  it("runs the controllers' shutdown grace on the manager's clock, so a reconcile that honours its signal stops within the grace", async () => {
    const fake = createFakeRaw();
    const clock = createFakeClock();
    const graceMs = 60_000;
    let signal: AbortSignal | undefined;
    const manager = await createManager({
      client: fakeClient(fake),
      log: createLogger({ level: 'error', write: () => {} }),
      metricsAddress: false,
      healthAddress: false,
      gracefulShutdownMs: graceMs,
      clock,
      cache: { informer: { watch: { streamingList: false } } },
    });
    manager.add(
      controller({
        name: 'slow',
        for: ConfigMap,
        reconcile: (_r, ctx) => {
          signal = ctx.signal;
          // Finishes only when told to stop: the grace period must end it.
          return new Promise((resolve) =>
            ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
          );
        },
      }),
    );
    const ac = new AbortController();
    let outcome: string | undefined;
    const stopped = manager.start(ac.signal).then(
      () => (outcome = 'clean'),
      (err: Error) => (outcome = `rejected: ${err.message}`),
    );
    (await fake.request()).list([cm('a')], '3');
    await until(() => signal !== undefined, 'the reconcile started');
    ac.abort();
    await until(() => manager.status().phase === 'stopping', 'stopping');
    clock.advance(graceMs - 1);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    assert.equal(signal?.aborted, false, 'the reconcile may run until the grace ends');
    clock.advance(1);
    await until(() => signal?.aborted === true, "the reconcile's signal aborted when the grace ended");
    await until(() => outcome !== undefined, 'start() settled');
    assert.equal(outcome, 'clean');
    await stopped;
  });
});

describe('manager: idle controllers', () => {
  it('says a controller is idle only once its reconcile has returned and asked for its requeue, so a clock jump then fires the run', async () => {
    const fake = createFakeRaw();
    const clock = createTestClock({ now: '2030-05-01T10:20:00Z' });
    const HOUR = 3_600_000;
    const runs: string[] = [];
    // The resolvers of reconciles that wait to return.
    const waiting: Array<() => void> = [];
    const manager = await createManager({
      client: fakeClient(fake),
      log: createLogger({ level: 'error', write: () => {} }),
      metricsAddress: false,
      healthAddress: false,
      clock,
      cache: { informer: { watch: { streamingList: false } } },
    });
    manager.add(
      controller({
        name: 'hourly',
        for: ConfigMap,
        reconcile: async (_r, ctx) => {
          const now = ctx.now().getTime();
          runs.push(new Date(now).toISOString());
          // The status write a test sees would be here; the reconcile has not returned yet.
          await new Promise<void>((r) => waiting.push(r));
          return Action.requeueAfter((Math.floor(now / HOUR) + 1) * HOUR - now);
        },
      }),
    );
    const ac = new AbortController();
    const stopped = manager.start(ac.signal);
    const idle = () => manager.status().controllers.every((c) => c.idle);
    assert.equal(idle(), false, 'not idle before it is ready');
    (await fake.request()).list([cm('a')], '3');
    await until(() => waiting.length === 1, 'the reconcile started');
    assert.equal(idle(), false, 'a reconcile in flight');
    assert.equal(clock.pendingTimers(), 0, 'no timer yet: jumping now would lose the next run');
    waiting.shift()?.();
    await until(idle, 'idle once the reconcile returned');
    assert.equal(clock.nextTimerAt(), clock.now() + 40 * 60_000, 'the requeue for 11:00 is pending');
    clock.set('2030-05-01T11:00:00Z');
    assert.equal(idle(), false, 'the jump made the key due');
    await until(() => waiting.length === 1, 'the run the jump fired');
    assert.deepEqual(runs, ['2030-05-01T10:20:00.000Z', '2030-05-01T11:00:00.000Z']);
    waiting.shift()?.();
    await until(idle, 'idle again');
    ac.abort();
    await stopped;
  });
});

describe('manager: nothing left behind', () => {
  it('shuts the controllers down when it stops before they ever started (stopped while syncing), leaving no timer', async () => {
    const fake = createFakeRaw();
    const clock = createFakeClock();
    const manager = await createManager({
      client: fakeClient(fake),
      log: createLogger({ level: 'error', write: () => {} }),
      metricsAddress: false,
      healthAddress: false,
      clock,
      cache: { informer: { watch: { streamingList: false } } },
    });
    let reconciles = 0;
    manager.add(
      controller({
        name: 'never-started',
        for: ConfigMap,
        reconcile: async () => {
          reconciles++;
        },
      }),
    );
    const ac = new AbortController();
    const stopped = manager.start(ac.signal);
    await fake.request(); // the first list, never answered: the cache does not sync
    // The queue paces its metrics report on the real clock: the operator's clock holds only the
    // operator's own timers, which tests wait for before moving it.
    assert.equal(clock.pendingTimers(), 0, 'no metrics timer on the operator clock');
    ac.abort();
    await stopped;
    assert.equal(manager.status().phase, 'stopped');
    assert.equal(clock.pendingTimers(), 0, 'no timer left on the clock');
    assert.equal(reconciles, 0);
  });
});
