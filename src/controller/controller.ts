/**
 * A controller: `controller({ name, for, owns, watches, reconcile })` declares what to watch and
 * how to converge; `prepareController()` turns watch events into keys on a rate-limited queue
 * (triggers.ts) and runs `reconcile` for each key, never two at once for one key, with a reason
 * for every run; what follows a reconcile is decided by `classifyOutcome()` (classify.ts), and the
 * worker loops are supervised and stop within a bound (workers.ts). Nothing a reconcile, a hook,
 * an Event sink or a logger does can crash the process or stop a worker.
 */

import { randomUUID } from 'node:crypto';
import type { Cache } from '../cache/cache.ts';
import { isNotFound } from '../client/api-error.ts';
import type { Client } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import {
  type Clock,
  createQueue,
  Priority,
  type Queue,
  type QueueMetrics,
  type RateLimiter,
  realClock,
  wallTime,
} from '../queue/index.ts';
import type { Action } from './action.ts';
import { classifyOutcome, type Decision, type ReconcileResult } from './classify.ts';
import { contain, containAbortListeners, reportOnce, safeLogger } from './contain.ts';
import { declareIndexes, type IndexDeclarations, type IndexedReader } from './indexes.ts';
import type { Owned } from './owner.ts';
import type { Predicate } from './predicates.ts';
import { createReasonBook, describeReason, type Reason } from './reasons.ts';
import { keyOf, type Request, requestOf } from './request.ts';
import { checkResyncPeriod, startResync } from './resync.ts';
import { primaryRequest, registerTriggers, type Watch } from './triggers.ts';
import { createWorkerPool, type StopResult } from './workers.ts';

export type { ReconcileResult } from './classify.ts';
export { describeReason, type Reason, type ReasonKind } from './reasons.ts';
export type { Request } from './request.ts';
export { type Watch, watches } from './triggers.ts';
export { STOP_MARGIN_MS, type StopResult } from './workers.ts';

export interface ReconcileContext<T extends KubernetesObject, N extends string = string> {
  /** Unique per reconcile; in every log line. */
  readonly id: string;
  readonly controller: string;
  /** The first reason, and all of them (events are merged while the key waits). */
  readonly reason: Reason;
  readonly reasons: readonly Reason[];
  /** Failed attempts before this one. */
  readonly attempt: number;
  /**
   * Aborted on the reconcile timeout, when leadership is lost, or when shutdown's grace runs out.
   * An abort listener that throws is logged; it cannot crash the process.
   */
  readonly signal: AbortSignal;
  /** Bound to controller, key and reconcile ID; never throws, whatever it is given. */
  readonly log: Logger;
  /** Writes (and reads that must be live). */
  readonly client: Client;
  /**
   * Reads from the shared cache, which includes this controller's own writes (a list waits for
   * the writes made before it, index queries included). `list(Job, { namespace, index: { owner:
   * ownerKey(cronJob) } })` uses an index: the controller's `indexes` or the built-in ones.
   */
  readonly reader: IndexedReader<N>;
  /** The field manager for server-side apply: the controller's name. */
  readonly fieldManager: string;
  /** Records Kubernetes Events about objects; never throws, never blocks. */
  readonly events: EventSink;
  /** The object being reconciled from the cache; undefined when it no longer exists. */
  get(): Promise<T | undefined>;
  /**
   * The wall time of the controller's clock: use it for schedules and conditions
   * (`setCondition(list, input, ctx.now())`), so a test clock (`createTestClock()`) controls them.
   */
  now(): Date;
}

/** Returns what to do next; returning nothing means `Action.done()`. */
export type Reconciler<T extends KubernetesObject, N extends string = string> = (
  request: Request,
  context: ReconcileContext<T, N>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a reconcile that returns nothing is done
) => Promise<Action | undefined | void>;

export interface ControllerOptions<
  T extends KubernetesObject,
  I extends IndexDeclarations = IndexDeclarations,
> {
  /** Names the controller in logs, metrics and as the field manager; lower-case, `-` and `.` allowed. */
  name: string;
  /** The primary kind: each of its objects is reconciled. */
  for: ResourceType<T>;
  /**
   * Kinds this controller creates and marks with its controller reference: a change to one
   * reconciles its owner. `{ resource: Job, deletes: true }` for a kind the reconcile also deletes
   * (history pruning, replacement): generated RBAC then grants `delete` on it; otherwise `owns`
   * grants get, list, watch, create and patch.
   */
  owns?: ReadonlyArray<Owned>;
  /** Other kinds whose changes map to primaries; `watches(ConfigMap, (cm) => [...])` infers each kind. */
  // biome-ignore lint/suspicious/noExplicitAny: each watch has a kind of its own
  watches?: ReadonlyArray<Watch<any>>;
  /** Filters events of the primary kind (owns and watches take their own). */
  predicates?: ReadonlyArray<Predicate<T>>;
  /** Reconciles running at once (different keys); default 1. */
  concurrency?: number;
  /** Abort a reconcile's signal after this long; default none. */
  reconcileTimeoutMs?: number;
  /** Per-key backoff for errors and `Action.requeue()`; default 5 ms doubling to 1000 s. */
  rateLimiter?: RateLimiter<string>;
  /**
   * Indexes of the cache this controller queries, by name: `{ byOwner: index(Job, (job) => [...]) }`;
   * `ctx.reader.list(Job, { index: { byOwner: key } })` then accepts only these names and the
   * built-in `namespace` and `owner`. Declared on the shared cache; another controller may declare
   * the same name only with the same function.
   */
  indexes?: I;
  reconcile: Reconciler<T, Extract<keyof I, string>>;
  /**
   * Reconcile every object of the primary kind again after this long (plus up to 10 % jitter), at
   * low priority so that live changes go first, with reason `resync` (controller-runtime's
   * `SyncPeriod`); predicates do not filter these. Default off: a controller that reacts to every
   * change needs none. It repairs drift that no watch event reports (changes outside Kubernetes, a
   * missed side effect), at the cost of one reconcile per object per period: with 10 000 objects
   * and 10 min, about 17 a second, each with its API calls.
   */
  resyncPeriodMs?: number;
  /**
   * What the reconcile does beyond reading its kinds, for generated RBAC (`operon generate rbac`):
   * verbs on the primary kind (`patch` for finalizers), on its status subresource (`update` for
   * updateStatus), and on other kinds it reads or writes directly.
   */
  permissions?: ControllerPermissions;
}

/** An RBAC verb. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ControllerPermissions {
  primary?: readonly Verb[];
  status?: readonly Verb[];
  other?: ReadonlyArray<{
    resource: ResourceType;
    verbs: readonly Verb[];
    subresource?: string;
    /** Grant only in this namespace (a Role and RoleBinding there) instead of cluster-wide. */
    namespace?: string;
    /** Grant only on these objects. RBAC cannot restrict create, deletecollection, list or watch by name. */
    resourceNames?: readonly string[];
  }>;
}

export interface ControllerDefinition<
  T extends KubernetesObject = KubernetesObject,
  I extends IndexDeclarations = IndexDeclarations,
> {
  readonly name: string;
  readonly options: ControllerOptions<T, I>;
}

/** A controller of any kind, for lists of controllers. */
// biome-ignore lint/suspicious/noExplicitAny: each controller has a kind of its own
export type AnyControllerDefinition = ControllerDefinition<any>;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Declares a controller; checks its options at once, so mistakes surface at start-up. */
export function controller<T extends KubernetesObject, I extends IndexDeclarations = IndexDeclarations>(
  options: ControllerOptions<T, I>,
): ControllerDefinition<T, I> {
  const problems: string[] = [];
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    problems.push(
      `name "${String(options.name)}" must be lower-case letters, digits, "-" or "." (like "webapp")`,
    );
  }
  if (!options.for || typeof options.for.plural !== 'string') problems.push('`for` must be a ResourceType');
  if (typeof options.reconcile !== 'function') problems.push('`reconcile` must be a function');
  if (
    options.concurrency !== undefined &&
    (!Number.isInteger(options.concurrency) || options.concurrency < 1)
  ) {
    problems.push(`concurrency must be a whole number of at least 1, not ${options.concurrency}`);
  }
  if (
    options.reconcileTimeoutMs !== undefined &&
    (!Number.isFinite(options.reconcileTimeoutMs) || options.reconcileTimeoutMs <= 0)
  ) {
    problems.push(
      `reconcileTimeoutMs must be a positive number of milliseconds, not ${options.reconcileTimeoutMs}`,
    );
  }
  const resync = checkResyncPeriod(options.resyncPeriodMs);
  if (resync) problems.push(resync);
  for (const [name, d] of Object.entries(options.indexes ?? {})) {
    if (!d?.resource || typeof d.values !== 'function')
      problems.push(`indexes.${name} needs a resource and a function: index(Kind, (o) => [...])`);
  }
  for (const [i, o] of (options.owns ?? []).entries()) {
    const type = o && typeof o === 'object' && 'resource' in o ? o.resource : o;
    if (!type || typeof (type as { plural?: unknown }).plural !== 'string')
      problems.push(`owns[${i}] must be a ResourceType or { resource: ResourceType, deletes: true }`);
    else if (
      o !== type &&
      (o as { deletes?: unknown }).deletes !== undefined &&
      typeof (o as { deletes?: unknown }).deletes !== 'boolean'
    )
      problems.push(`owns[${i}].deletes must be true or false`);
  }
  for (const [i, w] of (options.watches ?? []).entries()) {
    if (!w?.resource || typeof w.map !== 'function')
      problems.push(`watches[${i}] needs a resource and a map function`);
  }
  if (problems.length > 0) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `Invalid controller "${String(options.name)}": ${problems.join('; ')}.`,
    );
  }
  return { name: options.name, options };
}

/** Hooks the manager binds to metrics and the live view. Each should be cheap; one that throws is logged once and ignored. */
export interface ControllerObserver {
  enqueued?(key: string, reason: Reason): void;
  reconcileStarted?(key: string, id: string, reasons: readonly Reason[]): void;
  reconcileFinished?(
    key: string,
    outcome: {
      id: string;
      result: ReconcileResult;
      seconds: number;
      /** What was thrown, or for an invalid outcome an `InvalidOutcome` error (with the value as its cause). Always an Error. */
      error?: unknown;
      terminal?: boolean;
      invalid?: boolean;
    },
  ): void;
  /** A predicate or map function threw; the event was let through (predicate) or dropped (map). */
  handlerError?(what: string, error: unknown): void;
}

/** Where a reconcile records Events (the manager's recorder). */
export interface EventSink {
  event(
    regarding: KubernetesObject,
    input: {
      type: 'Normal' | 'Warning';
      reason: string;
      action: string;
      note?: string;
      related?: KubernetesObject;
    },
  ): void;
}

export interface ControllerRuntime {
  client: Client;
  cache: Cache;
  events?: EventSink;
  log?: Logger;
  observer?: ControllerObserver;
  queueMetrics?: QueueMetrics;
  /**
   * Time for the queue (`Action.requeueAfter`, backoff), the reconcile timeout, restarts, the stop
   * deadline and `ctx.now()`; default the real clock. With a test clock every one of them waits for
   * the test to move it.
   */
  clock?: Clock;
  /** The resync jitter's random source, in [0, 1); default `Math.random` (a seam for tests). */
  random?: () => number;
}

export interface RunningController {
  readonly name: string;
  readonly queue: Queue<string>;
  /** Starts the workers (after the caches synced and, with leader election, once leading). */
  start(): void;
  /** Resolves once every worker has stopped (at once if they never started). Never rejects. */
  readonly done: Promise<void>;
  /**
   * Stops taking work (pending keys are dropped) and waits for in-flight reconciles; after
   * `graceMs` their signal aborts, and after `STOP_MARGIN_MS` more it returns whatever they do.
   * `clean` says whether every worker stopped (see `StopResult`).
   */
  stop(graceMs: number): Promise<StopResult>;
  /** Aborts in-flight reconciles at once (leadership lost) with `reason` (default a Stopped error). */
  abort(reason?: unknown): void;
  /** Reconciles running now. */
  readonly inFlight: number;
}

/** When a rate limiter throws or returns nonsense, the key is retried after this long instead. */
const FALLBACK_RETRY_MS = 1000;

/**
 * Wires the controller to the cache's informers; `start()` then runs its workers. Call it before
 * the cache syncs, so that the first list is queued (at low priority) as `initial`; keys wait in
 * the queue until the workers start.
 */
export function prepareController<T extends KubernetesObject>(
  def: ControllerDefinition<T>,
  runtime: ControllerRuntime,
): RunningController {
  const { options } = def;
  const clock = runtime.clock ?? realClock;
  const log = safeLogger(runtime.log).child({ controller: def.name });
  const report = reportOnce(log, 'controller hook');
  const observer = observerOf(runtime.observer, report);
  const sink = runtime.events;
  const events: EventSink = {
    event: (regarding, input) => {
      contain(
        () => sink?.event(regarding, input),
        (err) => report('events.event', err),
      );
    },
  };
  const queue = createQueue<string>({
    clock,
    metricsClock: realClock,
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    ...(runtime.queueMetrics ? { metrics: runtime.queueMetrics } : {}),
  });
  const reasons = createReasonBook();
  const hardStop = new AbortController();
  /**
   * The abort controllers of reconciles in flight. Each reconcile's signal is its own, aborted from
   * here when the controller is aborted: `AbortSignal.any()` with the long-lived stop signal would
   * keep every reconcile's signal that got a listener alive until the controller stops.
   */
  const inFlightSignals = new Set<AbortController>();
  hardStop.signal.addEventListener(
    'abort',
    () => {
      for (const c of [...inFlightSignals]) c.abort(hardStop.signal.reason);
    },
    { once: true },
  );
  let inFlight = 0;
  // Before the triggers make the informers, so they are built with the indexes.
  declareIndexes(runtime.cache, options.indexes);

  const enqueueKey = (key: string, reason: Reason, priority: number) => {
    if (queue.shuttingDown) return; // the key would never run; keep no reasons for it
    reasons.add(key, reason);
    observer.enqueued(key, reason);
    contain(
      () => queue.add(key, { priority }),
      (err) => log.error('could not queue a key', { err, key }),
    );
  };
  const unhook = registerTriggers(options, runtime.cache, {
    enqueue: (request, reason, priority) => enqueueKey(keyOf(request), reason, priority),
    handlerError(what, message, err, fields) {
      observer.handlerError(what, err);
      log.error(message, { err, ...fields });
    },
    notice(message, fields) {
      log.debug(message, fields);
    },
  });

  /** Applies a decision to the queue; a failing rate limiter falls back to a fixed retry delay. */
  function schedule(key: string, d: Decision): void {
    if (d.next) {
      const reason: Reason = d.note === undefined ? { kind: d.next } : { kind: d.next, note: d.note };
      // A timer's reason holds only for a run it brings, not for one an event brings earlier.
      reasons.add(key, reason, d.queue.op === 'after' ? clock.now() + d.queue.ms : undefined);
    }
    try {
      if (d.queue.op === 'forget') queue.forget(key);
      else if (d.queue.op === 'backoff') queue.addRateLimited(key);
      else {
        queue.forget(key);
        queue.addAfter(key, d.queue.ms);
      }
    } catch (err) {
      if (d.queue.op === 'forget') {
        log.error('the rate limiter failed to forget a key', { err, key });
        return;
      }
      log.error(`the rate limiter failed; retrying the key in ${FALLBACK_RETRY_MS} ms`, { err, key });
      contain(
        () => queue.addAfter(key, FALLBACK_RETRY_MS),
        () => {},
      );
    }
  }

  async function reconcileOne(key: string): Promise<void> {
    const request = requestOf(key);
    const why = reasons.take(key, { kind: 'retry' }, clock.now());
    // 48 random bits as 12 hex digits: a v4 UUID's last group, from Node's cached entropy (0.3-0.6 µs,
    // where randomBytes(6) reads the system's random source each time: 4-4.6 µs).
    const id = randomUUID().slice(24);
    const attempt =
      contain(
        () => queue.retries(key),
        () => {},
      ) ?? 0;
    // The reconcile's logger is made when something first logs through it: at level error most
    // reconciles log nothing, and the logger with its start and finish fields cost ~5 KB of 107.
    let rlog: Logger | undefined;
    const reconcileLog = () => (rlog ??= log.child({ key, reconcileID: id }));
    const own = new AbortController();
    if (hardStop.signal.aborted) own.abort(hardStop.signal.reason);
    else inFlightSignals.add(own);
    const timer = options.reconcileTimeoutMs
      ? clock.setTimeout(
          () =>
            own.abort(
              new OperonError(
                ErrorCode.Timeout,
                `reconcile of ${key} did not finish within ${options.reconcileTimeoutMs} ms (reconcileTimeoutMs)`,
              ),
            ),
          options.reconcileTimeoutMs,
        )
      : undefined;
    // A listener of the reconcile's that throws when this aborts must not crash the process.
    const signal = containAbortListeners(own.signal, (err) =>
      reconcileLog().error('an abort listener of the reconcile threw; ignored', { err }),
    );
    const context: ReconcileContext<T> = {
      id,
      controller: def.name,
      reason: why[0]!,
      reasons: why,
      attempt,
      signal,
      get log() {
        return reconcileLog();
      },
      client: runtime.client,
      reader: runtime.cache,
      fieldManager: def.name,
      events,
      now: () => new Date(wallTime(clock)),
      async get() {
        try {
          return await runtime.cache.get(options.for, request.name, { namespace: request.namespace, signal });
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
    };
    observer.reconcileStarted(key, id, why);
    if (log.enabled('debug')) {
      reconcileLog().debug('reconcile started', {
        reason: describeReason(why[0]!),
        reasons: why.length,
        attempt,
      });
    }
    const started = clock.now();
    inFlight++;
    let decision: Decision;
    try {
      const value: unknown = await options.reconcile(request, context);
      decision = classifyOutcome({ kind: 'returned', value });
    } catch (error) {
      decision = classifyOutcome({ kind: 'threw', error, stopping: hardStop.signal.aborted });
    } finally {
      inFlight--;
      inFlightSignals.delete(own);
      if (timer) clock.clearTimeout(timer);
    }
    schedule(key, decision);
    const seconds = (clock.now() - started) / 1000;
    if (log.enabled(decision.level)) {
      reconcileLog()[decision.level](decision.message, {
        result: decision.result,
        seconds,
        ...(decision.queue.op === 'after' ? { after: decision.queue.ms / 1000 } : {}),
        ...(decision.note !== undefined ? { note: decision.note } : {}),
        ...(decision.error !== undefined ? { err: decision.error, attempt } : {}),
      });
    }
    observer.reconcileFinished(key, {
      id,
      result: decision.result,
      seconds,
      ...(decision.error !== undefined ? { error: decision.error } : {}),
      ...(decision.terminal ? { terminal: true } : {}),
      ...(decision.invalid ? { invalid: true } : {}),
    });
  }

  const pool = createWorkerPool({
    concurrency: options.concurrency ?? 1,
    queue,
    process: reconcileOne,
    log,
    clock,
  });

  let stopResync: (() => void) | undefined;
  const endResync = () => {
    stopResync?.();
    stopResync = undefined;
  };

  return {
    name: def.name,
    queue,
    start() {
      if (hardStop.signal.aborted || queue.shuttingDown) return;
      pool.start();
      if (options.resyncPeriodMs !== undefined && !stopResync) {
        stopResync = startResync({
          periodMs: options.resyncPeriodMs,
          clock,
          ...(runtime.random ? { random: runtime.random } : {}),
          *keys() {
            for (const object of runtime.cache.informerFor(options.for).store.list()) {
              const request = primaryRequest(options.for, object);
              if (request) yield keyOf(request);
            }
          },
          enqueue: (key) => enqueueKey(key, { kind: 'resync' }, Priority.low),
          onError: (err) => log.error('resync failed; trying again next period', { err }),
        });
      }
      log.info('controller started', { for: options.for.kind, concurrency: options.concurrency ?? 1 });
    },
    get done() {
      return pool.done;
    },
    get inFlight() {
      return inFlight;
    },
    abort(reason) {
      if (!hardStop.signal.aborted) {
        hardStop.abort(reason ?? new OperonError(ErrorCode.Stopped, `controller ${def.name} stopped`));
      }
      endResync();
      queue.shutDown();
      pool.halt();
      unhook();
    },
    async stop(graceMs) {
      endResync();
      queue.shutDown();
      unhook();
      const result = await pool.stop(graceMs, () => {
        if (!hardStop.signal.aborted) {
          hardStop.abort(
            new OperonError(
              ErrorCode.Stopped,
              `controller ${def.name} is stopping and the shutdown grace (${graceMs} ms) ran out`,
            ),
          );
        }
      });
      if (result.clean) log.info('controller stopped', { ...result });
      else
        log.warn('controller stop deadline passed with reconciles still running; they ignored their signal', {
          ...result,
        });
      return result;
    },
  };
}

type SafeObserver = Required<ControllerObserver>;

/** The observer's hooks, each contained: a throwing hook is reported once and ignored. */
function observerOf(
  o: ControllerObserver | undefined,
  report: (hook: string, err: unknown) => void,
): SafeObserver {
  const hook =
    <A extends unknown[]>(name: keyof ControllerObserver) =>
    (...args: A): void => {
      contain(
        () => (o?.[name] as ((...a: A) => unknown) | undefined)?.apply(o, args),
        (err) => report(`observer.${name}`, err),
      );
    };
  return {
    enqueued: hook('enqueued'),
    reconcileStarted: hook('reconcileStarted'),
    reconcileFinished: hook('reconcileFinished'),
    handlerError: hook('handlerError'),
  };
}
