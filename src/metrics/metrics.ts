/** The Prometheus series of an operator: `createMetrics()` registers controller-runtime's controller and workqueue series, plus Operon's own, in one prom-client `Registry`. */

import type { PrometheusContentType, RegistryContentType } from 'prom-client';
import type { InformerErrorStage } from '../cache/informer.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import type { QueueMetrics } from '../queue/metrics.ts';
import { Counter, Gauge, Histogram, Registry } from './prom-client.ts';

/** How a reconcile ended: the `result` label of `controller_runtime_reconcile_total`, as controller-runtime sets it. */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';
const RECONCILE_RESULTS: readonly ReconcileResult[] = ['success', 'error', 'requeue', 'requeue_after'];

/** Why a key was queued for reconcile: the `reason` label of `operon_reconcile_reasons_total`. */
export const RECONCILE_REASONS = [
  'create',
  'update',
  'delete',
  'owned',
  'mapped',
  'retry',
  'requeue',
  'timer',
  'initial',
  'resync',
] as const;
export type ReconcileReason = (typeof RECONCILE_REASONS)[number];

/** Where an informer failed: the `stage` label of `operon_informer_handler_errors_total`. */
export const INFORMER_ERROR_STAGES = [
  'decode',
  'transform',
  'index',
  'handler',
  'loop',
] as const satisfies readonly InformerErrorStage[];

/** controller-runtime's `controller_runtime_reconcile_time_seconds` buckets. */
export const RECONCILE_TIME_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** client-go's workqueue latency buckets: 1e-8 s to 1e3 s, by factors of 10. */
export const WORKQUEUE_DURATION_BUCKETS: readonly number[] = Array.from({ length: 12 }, (_, i) =>
  Number(`1e${i - 8}`),
);

/** The series of one controller, labelled `controller=<name>`. Every method is cheap and never throws. */
export interface ControllerMetrics {
  readonly name: string;
  /** Sets `controller_runtime_max_concurrent_reconciles`: how many workers the controller runs. */
  setMaxConcurrent(workers: number): void;
  /** A worker took a key: `controller_runtime_active_workers` + 1. Pair with `reconcileFinished()`. */
  reconcileStarted(): void;
  /**
   * A reconcile ended after `seconds`: `controller_runtime_active_workers` - 1, observes
   * `controller_runtime_reconcile_time_seconds` and counts `controller_runtime_reconcile_total{result}`.
   * For `error`, also call `error()` (and `terminalError()` or `panic()` when they apply), as controller-runtime counts.
   */
  reconcileFinished(result: ReconcileResult, seconds: number): void;
  /** Counts `controller_runtime_reconcile_errors_total`: a reconcile ended in an error, terminal or not. */
  error(): void;
  /** Counts `controller_runtime_terminal_reconcile_errors_total`: the error was terminal and will not be retried. */
  terminalError(): void;
  /** Counts `controller_runtime_reconcile_panics_total`: the reconciler threw a non-Error or returned something that is not an Action. */
  panic(): void;
  /** Counts `operon_reconcile_reasons_total{reason}`: why a key was queued. */
  reason(reason: ReconcileReason): void;
}

export interface Metrics<C extends RegistryContentType = PrometheusContentType> {
  /** The registry every series is in; register your own metrics here to serve them on the same endpoint. */
  readonly registry: Registry<C>;
  /** The series of the controller `name` (the same object for the same name). */
  controller(name: string): ControllerMetrics;
  /** Work queue callbacks for the controller `name`: `workqueue_*{name=<name>,controller=<name>}`. */
  queue(name: string): QueueMetrics;
  /**
   * Counts `operon_watch_errors_total{resource}`: a watch or list failed and will be retried. `resource`
   * is a ResourceType (labelled as kubectl names it: `deployments.apps`, `configmaps`) or a label value.
   */
  watchError(resource: ResourceType<KubernetesObject> | string): void;
  /**
   * Counts `operon_informer_handler_errors_total{resource, stage}`: an informer skipped an object
   * (its watch line could not be decoded, or a transform, index or handler threw) or its loop ended
   * by itself and restarts (`loop`). The manager counts each one its cache reports.
   */
  informerError(resource: ResourceType<KubernetesObject> | string, stage: InformerErrorStage): void;
  /** Sets `operon_cache_objects{resource}`: how many objects of `resource` the cache holds. */
  setCacheObjects(resource: ResourceType<KubernetesObject> | string, count: number): void;
  /** The registry in the text exposition format, for a scrape. */
  text(): Promise<string>;
  /** The `Content-Type` header of `text()`. */
  readonly contentType: C;
}

/**
 * Creates the standard series in `registry` (a new one by default). Series that are already in the
 * registry with the same name and type are reused, so two calls may share one registry. Process
 * and Node.js series are not included: add them with prom-client's
 * `collectDefaultMetrics({ register: metrics.registry })`.
 */
export function createMetrics<C extends RegistryContentType = PrometheusContentType>(
  registry: Registry<C> = new Registry() as Registry<C>,
): Metrics<C> {
  // prom-client types `registers` as a union of the two concrete registry types; ours is generic.
  const registers = [registry as Registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    reuse(registry, name, Counter, () =>
      deferring(new Counter<L>({ name, help, labelNames, registers, collect })),
    );
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    reuse(registry, name, Gauge, () =>
      deferring(new Gauge<L>({ name, help, labelNames, registers, collect })),
    );
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ) =>
    reuse(
      registry,
      name,
      Histogram,
      () => new Histogram<L>({ name, help, labelNames, buckets: [...buckets], registers }),
    );

  const c = ['controller'] as const;
  const reconcileTotal = counter(
    'controller_runtime_reconcile_total',
    'Reconciles per controller and result.',
    ['controller', 'result'],
  );
  const reconcileErrors = counter(
    'controller_runtime_reconcile_errors_total',
    'Reconciles that ended in an error, per controller.',
    c,
  );
  const terminalErrors = counter(
    'controller_runtime_terminal_reconcile_errors_total',
    'Reconciles that ended in a terminal (not retried) error, per controller.',
    c,
  );
  const panics = counter(
    'controller_runtime_reconcile_panics_total',
    'Reconciles that threw a non-Error or returned something other than an Action, per controller.',
    c,
  );
  const reconcileTime = histogram(
    'controller_runtime_reconcile_time_seconds',
    'How long each reconcile took, per controller.',
    c,
    RECONCILE_TIME_BUCKETS,
  );
  const maxConcurrent = gauge(
    'controller_runtime_max_concurrent_reconciles',
    'How many reconciles a controller may run at once.',
    c,
  );
  const activeWorkers = gauge(
    'controller_runtime_active_workers',
    'How many workers of a controller are reconciling now.',
    c,
  );
  const reasons = counter(
    'operon_reconcile_reasons_total',
    'Keys queued for reconcile, per controller and why they were queued.',
    ['controller', 'reason'],
  );

  const q = ['name', 'controller'] as const;
  const depth = gauge('workqueue_depth', 'Keys waiting in the work queue.', q);
  const adds = counter('workqueue_adds_total', 'Keys added to the work queue.', q);
  const queueDuration = histogram(
    'workqueue_queue_duration_seconds',
    'How long a key waited in the work queue before a worker took it.',
    q,
    WORKQUEUE_DURATION_BUCKETS,
  );
  const workDuration = histogram(
    'workqueue_work_duration_seconds',
    'How long a worker held a key, from taking it to done.',
    q,
    WORKQUEUE_DURATION_BUCKETS,
  );
  const retries = counter('workqueue_retries_total', 'Delayed or rate-limited adds to the work queue.', q);
  const unfinished = gauge(
    'workqueue_unfinished_work_seconds',
    'Summed age of the work in progress; growing steadily means a stuck worker.',
    q,
  );
  const longest = gauge(
    'workqueue_longest_running_processor_seconds',
    'Age of the oldest work in progress.',
    q,
  );

  const r = ['resource'] as const;
  const watchErrors = counter(
    'operon_watch_errors_total',
    'Failed watches or lists, per resource; each is retried.',
    r,
  );
  const informerErrors = counter(
    'operon_informer_handler_errors_total',
    'Objects an informer skipped (decode, transform, index, handler) and restarts of its loop (loop), per resource and stage.',
    ['resource', 'stage'],
  );
  const cacheObjects = gauge('operon_cache_objects', 'Objects held in the cache, per resource.', r);

  const controllers = new Map<string, ControllerMetrics>();
  const queues = new Map<string, QueueMetrics>();

  function controller(name: string): ControllerMetrics {
    const existing = controllers.get(name);
    if (existing) return existing;
    const labels = { controller: name };
    // Present every series from the start, as controller-runtime does, so rate() sees the first increase.
    for (const result of RECONCILE_RESULTS) {
      reconcileTotal.inc({ controller: name, result }, 0);
    }
    reconcileErrors.inc(labels, 0);
    terminalErrors.inc(labels, 0);
    panics.inc(labels, 0);
    reconcileTime.zero(labels);
    for (const reason of RECONCILE_REASONS) reasons.inc({ controller: name, reason }, 0);

    const active = deferredGauge(activeWorkers, labels, 0);
    // By label value; one outside the known ones (a caller in JavaScript) gets its series when first
    // counted, as prom-client would make it, rather than a TypeError from a missing entry.
    const totals = new Map<string, () => void>();
    const total = (result: ReconcileResult) => {
      let count = totals.get(result);
      if (!count) {
        count = deferredCounter(reconcileTotal, { controller: name, result });
        totals.set(result, count);
      }
      return count;
    };
    for (const result of RECONCILE_RESULTS) total(result);
    const reasonCounts = new Map<string, () => void>();
    const reasonCount = (reason: ReconcileReason) => {
      let count = reasonCounts.get(reason);
      if (!count) {
        count = deferredCounter(reasons, { controller: name, reason });
        reasonCounts.set(reason, count);
      }
      return count;
    };
    for (const reason of RECONCILE_REASONS) reasonCount(reason);
    const metrics: ControllerMetrics = {
      name,
      setMaxConcurrent: (workers) => {
        if (Number.isFinite(workers)) maxConcurrent.set(labels, workers);
      },
      reconcileStarted: () => active.add(1),
      reconcileFinished(result, seconds) {
        active.add(-1);
        if (Number.isFinite(seconds)) reconcileTime.observe(labels, Math.max(0, seconds));
        total(result)();
      },
      error: deferredCounter(reconcileErrors, labels),
      terminalError: deferredCounter(terminalErrors, labels),
      panic: deferredCounter(panics, labels),
      reason: (reason) => reasonCount(reason)(),
    };
    controllers.set(name, metrics);
    return metrics;
  }

  function queue(name: string): QueueMetrics {
    const existing = queues.get(name);
    if (existing) return existing;
    const labels = { name, controller: name };
    adds.inc(labels, 0);
    retries.inc(labels, 0);
    queueDuration.zero(labels);
    workDuration.zero(labels);
    unfinished.set(labels, 0);
    longest.set(labels, 0);
    const observe = (h: Histogram<'name' | 'controller'>) => (seconds: number) => {
      if (Number.isFinite(seconds)) h.observe(labels, Math.max(0, seconds));
    };
    const set = (g: Gauge<'name' | 'controller'>) => (value: number) => {
      if (Number.isFinite(value)) g.set(labels, value);
    };
    const queued = deferredGauge(depth, labels, 0);
    const metrics: Required<QueueMetrics> = {
      depth: (value) => {
        if (Number.isFinite(value)) queued.set(value);
      },
      add: deferredCounter(adds, labels),
      queueLatency: observe(queueDuration),
      workDuration: observe(workDuration),
      retry: deferredCounter(retries, labels),
      unfinishedWorkSeconds: set(unfinished),
      longestRunningProcessorSeconds: set(longest),
    };
    queues.set(name, metrics);
    return metrics;
  }

  const resources = new Set<string>();
  /** The label of `resource`; its series start at zero the first time it is seen. */
  function resourceLabelOf(resource: ResourceType<KubernetesObject> | string): { resource: string } {
    const label = typeof resource === 'string' ? resource : resourceLabel(resource);
    if (!resources.has(label)) {
      resources.add(label);
      watchErrors.inc({ resource: label }, 0);
      for (const stage of INFORMER_ERROR_STAGES) informerErrors.inc({ resource: label, stage }, 0);
    }
    return { resource: label };
  }

  return {
    registry,
    controller,
    queue,
    watchError: (resource) => watchErrors.inc(resourceLabelOf(resource)),
    informerError: (resource, stage) => informerErrors.inc({ ...resourceLabelOf(resource), stage }),
    setCacheObjects(resource, count) {
      if (Number.isFinite(count)) cacheObjects.set(resourceLabelOf(resource), count);
    },
    text: () => registry.metrics(),
    get contentType() {
      return registry.contentType;
    },
  };
}

/** The `resource` label of a ResourceType, as kubectl names resources: `deployments.apps`, `configmaps`. */
export function resourceLabel(type: ResourceType<KubernetesObject>): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

type MetricClass = typeof Counter | typeof Gauge | typeof Histogram;

/**
 * Deferred updates: the counters and gauges a reconcile moves several times (queue depth and adds,
 * active workers, results, reasons) keep their value in a number and hand it to prom-client when the
 * series is read (a scrape, or `get()`), through the `collect` hook each series is created with.
 * prom-client builds a label hash on every update, and on every `Gauge.set` sorts the label names
 * too: 250 B per counter increment, 1,160 B per depth update (bench/operator's reconcile made about
 * ten). A series that reads now shows what the updates so far amount to, as before.
 *
 * The number is kept per series (metric and label values), not per caller, so that two
 * createMetrics() on one registry that name the same controller move one value, as they moved one
 * prom-client series before: their active workers add up and a depth is the one set last. A
 * counter's increments not yet handed over are dropped by the metric's `reset()` (a registry's
 * `resetMetrics()`), as those prom-client holds are; a gauge keeps its value, which is the state it
 * shows (workers active now), and shows it again on the next read.
 */
interface Cell {
  labels: Record<string, string>;
  /** A counter's increments not yet handed over, or a gauge's value. */
  value: number;
}
const cells = new WeakMap<object, Map<string, Cell>>();

/** The `collect` of the counters and gauges createMetrics() makes: applies their deferred updates. */
function collect(this: Counter | Gauge): void {
  const series = cells.get(this);
  if (!series) return;
  if (this instanceof Gauge) {
    for (const cell of series.values()) this.set(cell.labels, cell.value);
    return;
  }
  for (const cell of series.values()) {
    if (cell.value === 0) continue;
    (this as Counter).inc(cell.labels, cell.value);
    cell.value = 0;
  }
}

/** Marks `metric` as one whose deferred updates its `collect` applies. */
function deferring<M extends Counter | Gauge>(metric: M): M {
  const series = new Map<string, Cell>();
  cells.set(metric, series);
  if (metric instanceof Counter) {
    const reset = metric.reset;
    metric.reset = function (this: Counter) {
      for (const cell of series.values()) cell.value = 0;
      reset.call(this);
    };
  }
  return metric;
}

/** The deferred value of `metric{labels}`, shared by every caller that names that series; undefined for a series of the user's own. */
function cellOf(metric: object, labels: Record<string, string>, initial: number): Cell | undefined {
  const series = cells.get(metric);
  if (!series) return undefined;
  const key = JSON.stringify(labels);
  let cell = series.get(key);
  if (!cell) {
    cell = { labels, value: initial };
    series.set(key, cell);
  }
  return cell;
}

/** Counts on `counter{labels}`: increments are summed here and added when the series is read. */
function deferredCounter<L extends string>(counter: Counter<L>, labels: Record<L, string>): () => void {
  const cell = cellOf(counter, labels, 0);
  // A series of the user's own (same name, same type) has no collect hook of ours: update it at once.
  if (!cell) return () => counter.inc(labels);
  return () => {
    cell.value++;
  };
}

/**
 * Sets `gauge{labels}`, starting at `initial` when the series is new: the value is kept here and
 * set when the series is read.
 */
function deferredGauge<L extends string>(
  gauge: Gauge<L>,
  labels: Record<L, string>,
  initial: number,
): { set(value: number): void; add(delta: number): void } {
  const cell = cellOf(gauge, labels, initial);
  // A series of the user's own (same name, same type) has no collect hook of ours: set it at once.
  if (!cell) {
    gauge.set(labels, initial);
    let value = initial;
    return {
      set(v) {
        value = v;
        gauge.set(labels, value);
      },
      add(delta) {
        value += delta;
        gauge.set(labels, value);
      },
    };
  }
  // Present from the start, as before.
  gauge.set(labels, cell.value);
  return {
    set(v) {
      cell.value = v;
    },
    add(delta) {
      cell.value += delta;
    },
  };
}

/** The metric `name` already in `registry` if it has the same type, else a new one from `create`. */
function reuse<M>(
  registry: Registry<RegistryContentType>,
  name: string,
  type: MetricClass,
  create: () => M,
): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof type) return existing as M;
  throw new OperonError(
    ErrorCode.InvalidArgument,
    `createMetrics: the registry already has a metric named ${name} of another type; ` +
      'pass a registry without it, or a new Registry().',
  );
}
