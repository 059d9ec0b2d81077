/**
 * A controller: `controller({ name, for, owns, watches, reconcile })` declares what to watch and
 * how to converge; `startController()` turns watch events into keys on a rate-limited queue and
 * runs `reconcile` for each key, never two at once for one key, with a reason for every run.
 */

import { randomBytes } from 'node:crypto';
import type { Cache } from '../cache/cache.ts';
import { isConflict, isNotFound } from '../client/api-error.ts';
import type { Client, Reader } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { createQueue, Priority, type Queue, type QueueMetrics, type RateLimiter } from '../queue/index.ts';
import { type Action, isAction, isTerminal } from './action.ts';
import type { Predicate, PredicateEvent } from './predicates.ts';

/** Which object to reconcile. */
export interface Request {
  name: string;
  /** Absent for cluster-scoped kinds. */
  namespace?: string | undefined;
}

/** Why a reconcile runs. */
export type ReasonKind =
  | 'initial' // the object was in the first list
  | 'create'
  | 'update'
  | 'delete'
  | 'owned' // a child it controls changed
  | 'mapped' // a watched object mapped to it changed
  | 'retry' // the last reconcile failed
  | 'requeue' // the last reconcile asked for Action.requeue()
  | 'timer'; // the last reconcile asked for Action.requeueAfter()

export interface Reason {
  kind: ReasonKind;
  /** The object behind an `owned` or `mapped` reason (or the primary itself). */
  source?: { kind: string; name: string; namespace?: string | undefined };
}

/** Renders a reason for logs and views, e.g. `owned Deployment web`. */
export function describeReason(r: Reason): string {
  if (
    !r.source ||
    r.kind === 'initial' ||
    r.kind === 'create' ||
    r.kind === 'update' ||
    r.kind === 'delete'
  ) {
    return r.kind;
  }
  const ns = r.source.namespace ? `${r.source.namespace}/` : '';
  return `${r.kind} ${r.source.kind} ${ns}${r.source.name}`;
}

export interface ReconcileContext<T extends KubernetesObject> {
  /** Unique per reconcile; in every log line. */
  readonly id: string;
  readonly controller: string;
  /** The first reason, and all of them (events are merged while the key waits). */
  readonly reason: Reason;
  readonly reasons: readonly Reason[];
  /** Failed attempts before this one. */
  readonly attempt: number;
  /** Aborted on the reconcile timeout, when leadership is lost, or when shutdown's grace runs out. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Writes (and reads that must be live). */
  readonly client: Client;
  /** Reads from the shared cache, which includes this controller's own writes. */
  readonly reader: Reader;
  /** The field manager for server-side apply: the controller's name. */
  readonly fieldManager: string;
  /** Records Kubernetes Events about objects; never throws, never blocks. */
  readonly events: EventSink;
  /** The object being reconciled from the cache; undefined when it no longer exists. */
  get(): Promise<T | undefined>;
}

/** Returns what to do next; returning nothing means `Action.done()`. */
export type Reconciler<T extends KubernetesObject> = (
  request: Request,
  context: ReconcileContext<T>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a reconcile that returns nothing is done
) => Promise<Action | undefined | void>;

export interface Watch<U extends KubernetesObject = KubernetesObject> {
  resource: ResourceType<U>;
  /** Which primaries an event on this object concerns. */
  map(object: U): ReadonlyArray<Request>;
  predicates?: ReadonlyArray<Predicate<U>>;
}

export interface ControllerOptions<T extends KubernetesObject> {
  /** Names the controller in logs, metrics and as the field manager; lower-case, `-` and `.` allowed. */
  name: string;
  /** The primary kind: each of its objects is reconciled. */
  for: ResourceType<T>;
  /** Kinds this controller creates and marks with its controller reference: a change to one reconciles its owner. */
  owns?: ReadonlyArray<ResourceType>;
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
  reconcile: Reconciler<T>;
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

export interface ControllerDefinition<T extends KubernetesObject = KubernetesObject> {
  readonly name: string;
  readonly options: ControllerOptions<T>;
}

/** A typed watch entry: `watches(Secret, (s) => [{ name: s.metadata!.name!, namespace: ... }])`. */
export function watches<U extends KubernetesObject>(
  resource: ResourceType<U>,
  map: (object: U) => ReadonlyArray<Request>,
  predicates?: ReadonlyArray<Predicate<U>>,
): Watch<U> {
  return { resource, map, ...(predicates ? { predicates } : {}) };
}

/** A controller of any kind, for lists of controllers. */
// biome-ignore lint/suspicious/noExplicitAny: each controller has a kind of its own
export type AnyControllerDefinition = ControllerDefinition<any>;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Declares a controller; checks its options at once, so mistakes surface at start-up. */
export function controller<T extends KubernetesObject>(
  options: ControllerOptions<T>,
): ControllerDefinition<T> {
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

/** Outcome labels, as controller-runtime's `controller_runtime_reconcile_total{result}`. */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';

/** Hooks the manager binds to metrics and the live view. Each must be cheap and must not throw. */
export interface ControllerObserver {
  enqueued?(key: string, reason: Reason): void;
  reconcileStarted?(key: string, id: string, reasons: readonly Reason[]): void;
  reconcileFinished?(
    key: string,
    outcome: {
      id: string;
      result: ReconcileResult;
      seconds: number;
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

const noEvents: EventSink = { event() {} };

export interface ControllerRuntime {
  client: Client;
  cache: Cache;
  events?: EventSink;
  log?: Logger;
  observer?: ControllerObserver;
  queueMetrics?: QueueMetrics;
}

export interface RunningController {
  readonly name: string;
  readonly queue: Queue<string>;
  /** Starts the workers (after the caches synced and, with leader election, once leading). */
  start(): void;
  /** Resolves once every worker has stopped (at once if they never started). */
  readonly done: Promise<void>;
  /** Stop taking work; in-flight reconciles finish (their signal aborts after `graceMs`). */
  stop(graceMs: number): Promise<void>;
  /** Abort in-flight reconciles at once (leadership lost). */
  abort(): void;
  /** Reconciles running now. */
  readonly inFlight: number;
}

function keyOf(r: Request): string {
  return r.namespace ? `${r.namespace}/${r.name}` : r.name;
}

function requestOf(key: string): Request {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

const MAX_REASONS = 8;

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
  const log = (runtime.log ?? silentLogger).child({ controller: def.name });
  const observer = runtime.observer ?? {};
  const queue = createQueue<string>({
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    ...(runtime.queueMetrics ? { metrics: runtime.queueMetrics } : {}),
  });
  const reasons = new Map<string, Reason[]>();
  const hardStop = new AbortController();
  let inFlight = 0;

  function enqueue(request: Request, reason: Reason, priority: number = Priority.normal): void {
    const key = keyOf(request);
    const list = reasons.get(key);
    if (!list) reasons.set(key, [reason]);
    else if (list.length < MAX_REASONS && !list.some((r) => describeReason(r) === describeReason(reason)))
      list.push(reason);
    observer.enqueued?.(key, reason);
    queue.add(key, { priority });
  }

  function passes<U extends KubernetesObject>(
    predicates: ReadonlyArray<Predicate<U>> | undefined,
    e: PredicateEvent<U>,
  ) {
    for (const p of predicates ?? []) {
      try {
        if (!p(e)) return false;
      } catch (err) {
        // A broken predicate must not hide changes: let the event through, and say so.
        observer.handlerError?.('predicate', err);
        log.error('predicate threw; letting the event through', { err });
      }
    }
    return true;
  }

  const sourceOf = (o: KubernetesObject) => ({
    kind: o.kind ?? '',
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace,
  });
  const requestFor = (o: KubernetesObject): Request => ({
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace,
  });

  // The primary kind.
  runtime.cache.informerFor(options.for).addHandlers({
    add(object, { initial }) {
      if (!passes(options.predicates, { type: 'create', object })) return;
      // The first list can be large; live changes must not wait behind it.
      enqueue(
        requestFor(object),
        { kind: initial ? 'initial' : 'create' },
        initial ? Priority.low : Priority.normal,
      );
    },
    update(old, object) {
      if (!passes(options.predicates, { type: 'update', object, old })) return;
      enqueue(requestFor(object), { kind: 'update' });
    },
    delete(object) {
      if (!passes(options.predicates, { type: 'delete', object })) return;
      enqueue(requestFor(object), { kind: 'delete' });
    },
  });

  // Owned kinds: map a child to the primary named by its controller reference.
  for (const owned of options.owns ?? []) {
    const ownerOf = (o: KubernetesObject): Request | undefined => {
      const ref = o.metadata?.ownerReferences?.find(
        (r) =>
          r.controller &&
          r.kind === options.for.kind &&
          r.apiVersion.split('/')[0] === options.for.apiVersion.split('/')[0],
      );
      return ref ? { name: ref.name, namespace: o.metadata?.namespace } : undefined;
    };
    const onChild = (o: KubernetesObject) => {
      const owner = ownerOf(o);
      if (owner) enqueue(owner, { kind: 'owned', source: sourceOf(o) });
    };
    runtime.cache.informerFor(owned).addHandlers({
      add: (o, { initial }) => {
        const owner = ownerOf(o);
        if (owner)
          enqueue(owner, { kind: 'owned', source: sourceOf(o) }, initial ? Priority.low : Priority.normal);
      },
      update: (old, o) => {
        onChild(o);
        const before = ownerOf(old);
        if (before && keyOf(before) !== keyOf(ownerOf(o) ?? { name: '' }))
          enqueue(before, { kind: 'owned', source: sourceOf(o) });
      },
      delete: onChild,
    });
  }

  // Mapped watches.
  for (const watch of (options.watches ?? []) as ReadonlyArray<Watch<KubernetesObject>>) {
    const onEvent = (e: PredicateEvent<KubernetesObject>, priority: number = Priority.normal) => {
      if (!passes(watch.predicates, e)) return;
      let requests: ReadonlyArray<Request>;
      try {
        requests = watch.map(e.object);
        if (!Array.isArray(requests)) throw new TypeError('map must return an array of requests');
      } catch (err) {
        observer.handlerError?.('map', err);
        log.error('map function threw; event dropped', {
          err,
          kind: e.object.kind,
          name: e.object.metadata?.name,
        });
        return;
      }
      for (const r of requests) enqueue(r, { kind: 'mapped', source: sourceOf(e.object) }, priority);
    };
    runtime.cache.informerFor(watch.resource).addHandlers({
      add: (object, { initial }) =>
        onEvent({ type: 'create', object }, initial ? Priority.low : Priority.normal),
      update: (old, object) => onEvent({ type: 'update', object, old }),
      delete: (object) => onEvent({ type: 'delete', object }),
    });
  }

  async function reconcileOne(key: string): Promise<void> {
    const request = requestOf(key);
    const why = reasons.get(key) ?? [{ kind: 'retry' }];
    reasons.delete(key);
    const id = randomBytes(6).toString('hex');
    const attempt = queue.retries(key);
    const rlog = log.child({ key, reconcileID: id });
    const signals = [hardStop.signal];
    if (options.reconcileTimeoutMs) signals.push(AbortSignal.timeout(options.reconcileTimeoutMs));
    const signal = AbortSignal.any(signals);
    const context: ReconcileContext<T> = {
      id,
      controller: def.name,
      reason: why[0]!,
      reasons: why,
      attempt,
      signal,
      log: rlog,
      client: runtime.client,
      reader: runtime.cache,
      fieldManager: def.name,
      events: runtime.events ?? noEvents,
      async get() {
        try {
          return await runtime.cache.get(options.for, request.name, { namespace: request.namespace, signal });
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
    };
    observer.reconcileStarted?.(key, id, why);
    rlog.debug('reconcile started', { reason: describeReason(why[0]!), reasons: why.length, attempt });
    const started = performance.now();
    inFlight++;
    let result: ReconcileResult;
    let error: unknown;
    let terminal = false;
    let invalid = false;
    try {
      const action: unknown = await options.reconcile(request, context);
      const a: Action = action === undefined ? { type: 'done' } : (action as Action);
      if (!isAction(a)) {
        invalid = true;
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `reconcile returned ${JSON.stringify(action)}; return Action.done(), Action.requeue() or Action.requeueAfter(ms)`,
        );
      }
      if (a.type === 'requeueAfter') {
        queue.forget(key);
        reasons.set(key, [...(reasons.get(key) ?? []), { kind: 'timer' }]);
        queue.addAfter(key, a.ms);
        result = 'requeue_after';
      } else if (a.type === 'requeue') {
        reasons.set(key, [...(reasons.get(key) ?? []), { kind: 'requeue' }]);
        queue.addRateLimited(key);
        result = 'requeue';
      } else {
        queue.forget(key);
        result = 'success';
      }
    } catch (err) {
      error = err;
      if (isTerminal(err)) {
        terminal = true;
        queue.forget(key);
        result = 'error';
        rlog.error('reconcile failed for good (terminal error): not retrying', { err });
      } else if (isConflict(err)) {
        // Someone wrote first: read again and retry, without alarm.
        reasons.set(key, [...(reasons.get(key) ?? []), { kind: 'retry' }]);
        queue.addRateLimited(key);
        result = 'requeue';
        rlog.debug('conflict; retrying with fresh data', { err });
      } else {
        if (!(err instanceof Error)) {
          invalid = true;
          rlog.error('reconcile threw a value that is not an Error; retrying with backoff', {
            thrown: String(err),
          });
        } else if (!invalid) {
          rlog.error('reconcile failed; retrying with backoff', { err, attempt });
        } else {
          rlog.error('reconcile returned an invalid action; retrying with backoff', { err });
        }
        reasons.set(key, [...(reasons.get(key) ?? []), { kind: 'retry' }]);
        queue.addRateLimited(key);
        result = 'error';
      }
    } finally {
      inFlight--;
    }
    const seconds = (performance.now() - started) / 1000;
    rlog.debug('reconcile finished', { result, seconds });
    observer.reconcileFinished?.(key, {
      id,
      result,
      seconds,
      ...(error !== undefined ? { error } : {}),
      ...(terminal ? { terminal } : {}),
      ...(invalid ? { invalid } : {}),
    });
  }

  async function worker(): Promise<void> {
    for (;;) {
      const item = await queue.get();
      if (item.shutdown) return;
      try {
        await reconcileOne(item.key);
      } finally {
        queue.done(item.key);
      }
    }
  }

  let workers: Array<Promise<void>> = [];

  return {
    name: def.name,
    queue,
    start() {
      if (workers.length > 0) return;
      workers = Array.from({ length: options.concurrency ?? 1 }, () => worker());
      log.info('controller started', { for: options.for.kind, concurrency: options.concurrency ?? 1 });
    },
    get done() {
      return Promise.all(workers).then(() => undefined);
    },
    get inFlight() {
      return inFlight;
    },
    abort() {
      hardStop.abort(new OperonError(ErrorCode.InvalidArgument, `controller ${def.name} stopped`));
      queue.shutDown();
    },
    async stop(graceMs) {
      const grace = AbortSignal.timeout(graceMs);
      const onGraceOver = () => hardStop.abort(grace.reason);
      grace.addEventListener('abort', onGraceOver, { once: true });
      try {
        await queue.shutDownWithDrain(grace).catch(() => undefined);
        queue.shutDown();
        await Promise.all(workers);
      } finally {
        grace.removeEventListener('abort', onGraceOver);
      }
      log.info('controller stopped');
    },
  };
}
