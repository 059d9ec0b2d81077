import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Gauge, Registry } from 'prom-client';
import { Deployment } from '../client/types/apps-v1.ts';
import { ConfigMap } from '../client/types/core-v1.ts';
import type { QueueMetrics } from '../queue/metrics.ts';
import { createMetrics, RECONCILE_TIME_BUCKETS, WORKQUEUE_DURATION_BUCKETS } from './metrics.ts';

/** The value of one sample line (`name{labels} value`) in a scrape, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('createMetrics', () => {
  it('counts reconcile results, errors, terminal errors and panics as controller-runtime does', async () => {
    const metrics = createMetrics();
    const c = metrics.controller('web');
    for (const result of ['success', 'success', 'requeue', 'requeue_after', 'error'] as const) {
      c.reconcileStarted();
      c.reconcileFinished(result, 0.02);
    }
    c.error();
    c.reconcileStarted();
    c.reconcileFinished('error', 0.1);
    c.error();
    c.terminalError();
    c.reconcileStarted();
    c.reconcileFinished('error', 0.1);
    c.error();
    c.panic();
    const text = await metrics.text();

    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="web",result="success"}'), 2);
    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="web",result="requeue"}'), 1);
    assert.equal(
      sample(text, 'controller_runtime_reconcile_total{controller="web",result="requeue_after"}'),
      1,
    );
    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="web",result="error"}'), 3);
    assert.equal(sample(text, 'controller_runtime_reconcile_errors_total{controller="web"}'), 3);
    assert.equal(sample(text, 'controller_runtime_terminal_reconcile_errors_total{controller="web"}'), 1);
    assert.equal(sample(text, 'controller_runtime_reconcile_panics_total{controller="web"}'), 1);
    assert.equal(sample(text, 'controller_runtime_reconcile_time_seconds_count{controller="web"}'), 7);
    assert.equal(sample(text, 'controller_runtime_active_workers{controller="web"}'), 0);
  });

  it('shows every series of a controller at zero before anything happens', async () => {
    const metrics = createMetrics();
    metrics.controller('idle');
    const text = await metrics.text();
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      assert.equal(
        sample(text, `controller_runtime_reconcile_total{controller="idle",result="${result}"}`),
        0,
      );
    }
    assert.equal(sample(text, 'controller_runtime_reconcile_errors_total{controller="idle"}'), 0);
    assert.equal(sample(text, 'controller_runtime_reconcile_panics_total{controller="idle"}'), 0);
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="idle",reason="resync"}'), 0);
  });

  it("uses controller-runtime's reconcile time buckets", async () => {
    const metrics = createMetrics();
    const c = metrics.controller('web');
    c.reconcileStarted();
    c.reconcileFinished('success', 0.3);
    c.reconcileStarted();
    c.reconcileFinished('success', 12);
    const text = await metrics.text();
    const les = [...text.matchAll(/^controller_runtime_reconcile_time_seconds_bucket\{le="([^"]+)"/gm)].map(
      (m) => m[1],
    );
    // controller-runtime pkg/internal/controller/metrics: ReconcileTime's Buckets, as written there.
    const controllerRuntime = [
      0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
      1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ];
    assert.deepEqual(RECONCILE_TIME_BUCKETS, controllerRuntime);
    // As Prometheus' Go client writes the le labels for them.
    assert.deepEqual(les, [
      ...['0.005', '0.01', '0.025', '0.05', '0.1', '0.15', '0.2', '0.25', '0.3', '0.35', '0.4', '0.45'],
      ...['0.5', '0.6', '0.7', '0.8', '0.9', '1', '1.25', '1.5', '1.75', '2', '2.5', '3', '3.5', '4'],
      ...['4.5', '5', '6', '7', '8', '9', '10', '15', '20', '25', '30', '40', '50', '60', '+Inf'],
    ]);
    const bucket = (le: string) =>
      sample(text, `controller_runtime_reconcile_time_seconds_bucket{le="${le}",controller="web"}`);
    assert.equal(bucket('0.25'), 0);
    assert.equal(bucket('0.3'), 1);
    assert.equal(bucket('10'), 1);
    assert.equal(bucket('15'), 2);
    assert.equal(bucket('+Inf'), 2);
    assert.equal(sample(text, 'controller_runtime_reconcile_time_seconds_sum{controller="web"}'), 12.3);
  });

  it('tracks active workers and the max concurrency gauge', async () => {
    const metrics = createMetrics();
    const c = metrics.controller('web');
    c.setMaxConcurrent(4);
    c.reconcileStarted();
    c.reconcileStarted();
    c.reconcileStarted();
    c.reconcileFinished('success', 0.01);
    const text = await metrics.text();
    assert.equal(sample(text, 'controller_runtime_max_concurrent_reconciles{controller="web"}'), 4);
    assert.equal(sample(text, 'controller_runtime_active_workers{controller="web"}'), 2);
  });

  it('keeps two controllers in separate label sets', async () => {
    const metrics = createMetrics();
    const a = metrics.controller('a');
    const b = metrics.controller('b');
    assert.equal(metrics.controller('a'), a, 'the same name gives the same object');
    a.reconcileStarted();
    a.reconcileFinished('success', 0.01);
    a.reason('create');
    a.reason('create');
    b.reconcileStarted();
    b.reconcileFinished('error', 0.01);
    b.error();
    b.reason('retry');
    const text = await metrics.text();
    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="a",result="success"}'), 1);
    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="a",result="error"}'), 0);
    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="b",result="success"}'), 0);
    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="b",result="error"}'), 1);
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="a",reason="create"}'), 2);
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="a",reason="retry"}'), 0);
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="b",reason="retry"}'), 1);
    assert.equal(sample(text, 'controller_runtime_reconcile_errors_total{controller="a"}'), 0);
    assert.equal(sample(text, 'controller_runtime_reconcile_errors_total{controller="b"}'), 1);
  });

  it('binds every QueueMetrics callback to the workqueue series of its controller', async () => {
    const metrics = createMetrics();
    const q: Required<QueueMetrics> = metrics.queue('web') as Required<QueueMetrics>;
    const other = metrics.queue('db');
    const callbacks: Record<keyof QueueMetrics, true> = {
      depth: true,
      add: true,
      queueLatency: true,
      workDuration: true,
      retry: true,
      unfinishedWorkSeconds: true,
      longestRunningProcessorSeconds: true,
    };
    for (const name of Object.keys(callbacks) as (keyof QueueMetrics)[]) {
      assert.equal(typeof q[name], 'function', `queue(name).${name} is implemented`);
    }
    q.add();
    q.add();
    q.add();
    q.depth(3);
    q.depth(2);
    q.queueLatency(0.005);
    q.workDuration(2);
    q.retry();
    q.unfinishedWorkSeconds(7.5);
    q.longestRunningProcessorSeconds(4);
    other.add?.();

    const text = await metrics.text();
    const l = '{name="web",controller="web"}';
    assert.equal(sample(text, `workqueue_adds_total${l}`), 3);
    assert.equal(sample(text, `workqueue_depth${l}`), 2);
    assert.equal(sample(text, `workqueue_retries_total${l}`), 1);
    assert.equal(sample(text, `workqueue_unfinished_work_seconds${l}`), 7.5);
    assert.equal(sample(text, `workqueue_longest_running_processor_seconds${l}`), 4);
    assert.equal(sample(text, `workqueue_queue_duration_seconds_count${l}`), 1);
    assert.equal(sample(text, `workqueue_queue_duration_seconds_sum${l}`), 0.005);
    assert.equal(sample(text, `workqueue_work_duration_seconds_sum${l}`), 2);
    assert.equal(
      sample(text, 'workqueue_queue_duration_seconds_bucket{le="0.001",name="web",controller="web"}'),
      0,
    );
    assert.equal(
      sample(text, 'workqueue_queue_duration_seconds_bucket{le="0.01",name="web",controller="web"}'),
      1,
    );
    assert.equal(sample(text, 'workqueue_adds_total{name="db",controller="db"}'), 1);
    assert.equal(sample(text, 'workqueue_depth{name="db",controller="db"}'), 0);
  });

  it("uses client-go's workqueue buckets, 1e-8 to 1e3 seconds", async () => {
    assert.deepEqual(
      WORKQUEUE_DURATION_BUCKETS,
      [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000],
    );
    const metrics = createMetrics();
    metrics.queue('web');
    const text = await metrics.text();
    const les = [...text.matchAll(/^workqueue_work_duration_seconds_bucket\{le="([^"]+)"/gm)].map(
      (m) => m[1],
    );
    assert.equal(les.length, 13);
    assert.equal(les.at(-1), '+Inf');
  });

  it('ignores durations and values that are not finite instead of throwing', async () => {
    const metrics = createMetrics();
    const c = metrics.controller('web');
    const q = metrics.queue('web');
    c.reconcileStarted();
    c.reconcileFinished('success', Number.NaN);
    q.queueLatency?.(Number.POSITIVE_INFINITY);
    q.depth?.(Number.NaN);
    const text = await metrics.text();
    assert.equal(sample(text, 'controller_runtime_reconcile_time_seconds_count{controller="web"}'), 0);
    assert.equal(sample(text, 'workqueue_depth{name="web",controller="web"}'), 0);
  });

  it('counts watch errors and cache sizes per resource', async () => {
    const metrics = createMetrics();
    metrics.watchError(Deployment);
    metrics.watchError(Deployment);
    metrics.setCacheObjects(ConfigMap, 42);
    metrics.setCacheObjects('widgets.example.com', 3);
    metrics.setCacheObjects(ConfigMap, Number.NaN);
    const text = await metrics.text();
    assert.equal(sample(text, 'operon_watch_errors_total{resource="deployments.apps"}'), 2);
    assert.equal(sample(text, 'operon_watch_errors_total{resource="configmaps"}'), 0);
    assert.equal(sample(text, 'operon_cache_objects{resource="configmaps"}'), 42);
    assert.equal(sample(text, 'operon_cache_objects{resource="widgets.example.com"}'), 3);
  });

  it('counts informer errors per resource and stage, every stage at zero from the first', async () => {
    const metrics = createMetrics();
    metrics.informerError(ConfigMap, 'transform');
    metrics.informerError(ConfigMap, 'transform');
    metrics.informerError('widgets.example.com', 'loop');
    const text = await metrics.text();
    const series = (resource: string, stage: string) =>
      sample(text, `operon_informer_handler_errors_total{resource="${resource}",stage="${stage}"}`);
    assert.equal(series('configmaps', 'transform'), 2);
    for (const stage of ['decode', 'index', 'handler', 'loop']) assert.equal(series('configmaps', stage), 0);
    assert.equal(series('widgets.example.com', 'loop'), 1);
    assert.equal(series('widgets.example.com', 'decode'), 0);
  });

  it("shares a user's registry, with the user's own metrics and a second createMetrics()", async () => {
    const registry = new Registry();
    const mine = new Counter({ name: 'my_things_total', help: 'Things.', registers: [registry] });
    mine.inc(5);
    const first = createMetrics(registry);
    const second = createMetrics(registry);
    first.controller('a').reason('create');
    second.controller('b').reason('create');
    const text = await second.text();
    assert.equal(sample(text, 'my_things_total'), 5);
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="a",reason="create"}'), 1);
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="b",reason="create"}'), 1);
    assert.equal(first.contentType, registry.contentType);
    assert.match(first.contentType, /^text\/plain/);
  });

  it('shows every update so far whenever a series is read, by a scrape or get(), without counting any twice', async () => {
    const metrics = createMetrics();
    const c = metrics.controller('web');
    const q = metrics.queue('web');
    const adds = metrics.registry.getSingleMetric('workqueue_adds_total')!;
    const value = async () => (await adds.get()).values.find((v) => v.labels.name === 'web')?.value;
    q.add!();
    q.add!();
    assert.equal(await value(), 2);
    assert.equal(await value(), 2);
    q.add!();
    q.depth!(3);
    c.reconcileStarted();
    c.reason('owned');
    const text = await metrics.text();
    assert.equal(sample(text, 'workqueue_adds_total{name="web",controller="web"}'), 3);
    assert.equal(sample(text, 'workqueue_depth{name="web",controller="web"}'), 3);
    assert.equal(sample(text, 'controller_runtime_active_workers{controller="web"}'), 1);
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="web",reason="owned"}'), 1);
    q.depth!(0);
    c.reconcileFinished('success', 0.1);
    const later = await metrics.text();
    assert.equal(sample(later, 'workqueue_adds_total{name="web",controller="web"}'), 3);
    assert.equal(sample(later, 'workqueue_depth{name="web",controller="web"}'), 0);
    assert.equal(sample(later, 'controller_runtime_active_workers{controller="web"}'), 0);
  });

  it('updates a standard series the user registered first (same name and type) at once', async () => {
    const registry = new Registry();
    const adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Mine.',
      labelNames: ['name', 'controller'],
      registers: [registry],
    });
    const depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Mine.',
      labelNames: ['name', 'controller'],
      registers: [registry],
    });
    const q = createMetrics(registry).queue('web');
    q.add!();
    q.depth!(4);
    // The user's series have no collect hook of ours: a deferred update would never show.
    assert.equal((await adds.get()).values.find((v) => v.labels.name === 'web')?.value, 1);
    assert.equal((await depth.get()).values.find((v) => v.labels.name === 'web')?.value, 4);
  });

  it('sums the counts of two createMetrics() on one registry for the same controller', async () => {
    const registry = new Registry();
    const first = createMetrics(registry);
    const second = createMetrics(registry);
    first.controller('a').reason('create');
    second.controller('a').reason('create');
    second.queue('a').add!();
    first.queue('a').add!();
    const text = await first.text();
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="a",reason="create"}'), 2);
    assert.equal(sample(text, 'workqueue_adds_total{name="a",controller="a"}'), 2);
  });

  it('sums the gauges of two createMetrics() on one registry for the same controller, as their counts', async () => {
    const registry = new Registry();
    const first = createMetrics(registry);
    const second = createMetrics(registry);
    const a1 = first.controller('a');
    const a2 = second.controller('a');
    const q1 = first.queue('a');
    second.queue('a');
    a1.reconcileStarted();
    a1.reconcileStarted();
    a2.reconcileStarted();
    q1.depth!(5);
    const text = await first.text();
    assert.equal(sample(text, 'controller_runtime_active_workers{controller="a"}'), 3);
    // The second queue of that name never reported a depth: the first one's stands.
    assert.equal(sample(text, 'workqueue_depth{name="a",controller="a"}'), 5);
    a1.reconcileFinished('success', 0.1);
    assert.equal(sample(await second.text(), 'controller_runtime_active_workers{controller="a"}'), 2);
  });

  it('drops counts not yet read when the registry is reset, as prom-client drops those it holds', async () => {
    const metrics = createMetrics();
    const c = metrics.controller('web');
    const q = metrics.queue('web');
    q.add!();
    c.reason('create');
    c.reconcileFinished('success', 0.1);
    metrics.registry.resetMetrics();
    q.add!();
    const text = await metrics.text();
    assert.equal(sample(text, 'workqueue_adds_total{name="web",controller="web"}'), 1);
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="web",reason="create"}'), undefined);
    assert.equal(
      sample(text, 'controller_runtime_reconcile_total{controller="web",result="success"}'),
      undefined,
    );
  });

  it('never throws for a reason or result outside the known ones (a caller in JavaScript), and counts it', async () => {
    const metrics = createMetrics();
    const c = metrics.controller('web');
    assert.doesNotThrow(() => c.reason('other' as never));
    assert.doesNotThrow(() => c.reconcileFinished('other' as never, 0.1));
    const text = await metrics.text();
    assert.equal(sample(text, 'operon_reconcile_reasons_total{controller="web",reason="other"}'), 1);
    assert.equal(sample(text, 'controller_runtime_reconcile_total{controller="web",result="other"}'), 1);
  });

  it('refuses a registry that has a standard series name with another type', () => {
    const registry = new Registry();
    new Gauge({ name: 'workqueue_adds_total', help: 'Wrong type.', registers: [registry] });
    assert.throws(() => createMetrics(registry), /workqueue_adds_total/);
  });
});
