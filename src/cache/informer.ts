/**
 * An informer keeps a store in step with the cluster: `createInformer()` runs a watch, writes its
 * events into a store (swapping relists in whole), and tells handlers what was added, updated or
 * deleted, including deletes it missed while disconnected. One bad object never stops it: an
 * object that a transform, an index or a handler throws on is skipped and reported, and a loop
 * that ends by itself is restarted with backoff.
 */

import type { Selector } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { ErrorCode, isOperonError } from '../errors.ts';
import { type Clock, realClock } from '../queue/clock.ts';
import { type WatchClient, type WatchEvent, type WatchOptions, watch } from '../watch/watch.ts';
import { createStringTable } from './shared-strings.ts';
import { createStore, type IndexFunction, objectKey, type Store } from './store.ts';

/**
 * Where an informer failed on one object (which it skipped) or on its own loop (which it restarts):
 * `decode` a watch line or listed item it could not use, `transform` the transform threw, `index`
 * an index function threw (the object is stored, absent from that index), `handler` a handler
 * threw (the other handlers still ran), `loop` the informer's loop ended by itself.
 */
export type InformerErrorStage = 'decode' | 'transform' | 'index' | 'handler' | 'loop';

/** What `onObjectError` is told besides the error. */
export interface InformerErrorInfo {
  stage: InformerErrorStage;
  /** `namespace/name` of the object concerned, when there is one. */
  key?: string | undefined;
}

export interface DeleteInfo {
  /** True when the delete was not seen as it happened but inferred from a relist (the object is the last state known). */
  missed: boolean;
}

export interface EventHandlers<T> {
  /** `initial` is true for objects from the first list (controllers queue those at low priority). */
  add?(object: T, info: { initial: boolean }): void;
  update?(previous: T, current: T): void;
  delete?(object: T, info: DeleteInfo): void;
}

export interface InformerOptions<T extends KubernetesObject> {
  namespace?: string | undefined;
  labelSelector?: Selector | undefined;
  fieldSelector?: Selector | undefined;
  /** Cache only metadata (PartialObjectMetadata). */
  metadataOnly?: boolean | undefined;
  /** Applied to each object before it is stored. Runs after managedFields are stripped. */
  transform?: ((object: T) => T) | undefined;
  /** Keep `metadata.managedFields` (often a third of an object's size); default false. */
  keepManagedFields?: boolean | undefined;
  /** Freeze stored objects so that a reader cannot change the cache by accident; default true. */
  freeze?: boolean | undefined;
  indexers?: Readonly<Record<string, IndexFunction<T>>> | undefined;
  /** Watch tuning: backoff, timeouts, page size. */
  watch?: Partial<
    Omit<WatchOptions, 'signal' | 'namespace' | 'labelSelector' | 'fieldSelector' | 'metadataOnly'>
  >;
  /** Called for each watch error (the informer keeps going); default: none. */
  onError?: ((error: Error, attempt: number, retryInMs: number) => void) | undefined;
  /**
   * Called for each object skipped (and each restart of the loop), with the stage that failed: the
   * hook for a counter such as `operon_informer_handler_errors_total{stage}` and for a log line.
   * Default: none.
   */
  onObjectError?: ((error: Error, info: InformerErrorInfo) => void) | undefined;
  /** Time for backoff (the watch's and the loop's restarts); default the real clock. */
  clock?: Clock | undefined;
  /**
   * Where events come from; default `watch(client, type, ...)` with these options. A seam for
   * tests and for other sources (a replay); it is started again when it ends by itself.
   */
  watcher?: ((signal: AbortSignal) => AsyncIterable<WatchEvent<T>>) | undefined;
}

export interface InformerStats {
  objects: number;
  events: number;
  lists: number;
  errors: number;
  /** Events that would have moved an object to an older resourceVersion, and were dropped. */
  staleDropped: number;
  /** `Date.now()` of the last event or bookmark, 0 before any. */
  lastEventAt: number;
  /** The last resourceVersion seen. */
  resourceVersion: string;
  /** Whether the watch is connected and healthy (no error since its last event). */
  healthy: boolean;
  /** `Date.now()` of the first error since the watch was last healthy; 0 while healthy. */
  unhealthySince: number;
  /**
   * How long since that first error, on the informer's clock (monotonic; a fake one in tests); 0
   * while healthy. What the cache's `unhealthyAfterMs` is compared with.
   */
  unhealthyForMs: number;
  /** Objects skipped because a transform or the decoding failed, and handler calls that threw. */
  skipped: number;
  /** Times the informer's loop ended by itself and was started again. */
  restarts: number;
  /**
   * True from a restart of the loop until its next complete list: the store may be missing
   * changes, so the informer is not healthy whatever its watch says.
   */
  needsResync: boolean;
  /** The last watch error, kept until the next complete list (for sync-timeout messages). */
  lastError: Error | undefined;
}

export interface Informer<T extends KubernetesObject> {
  readonly type: ResourceType<T>;
  readonly store: Store<T>;
  /** Runs until `signal` aborts (a loop that ends by itself is restarted with backoff); resolves once the watch has stopped. Never rejects. */
  start(signal: AbortSignal): Promise<void>;
  /** Resolves after the first complete list is in the store. */
  waitForSync(signal?: AbortSignal): Promise<void>;
  readonly synced: boolean;
  /** Adds an index to the store, filled at once from what it holds (see `StoreWriter.addIndex`). */
  addIndex(name: string, fn: IndexFunction<T>): void;
  /** Adds handlers; after sync, `add` is called at once for every object already stored. */
  addHandlers(handlers: EventHandlers<T>): () => void;
  /**
   * Resolves true when `check` holds for the stored object under `key` (undefined if absent), or
   * once the informer has processed every event up to resourceVersion `upTo` (then the store
   * shows that version or a newer state); false after `timeoutMs` on the informer's clock
   * (`Infinity`: no timeout).
   */
  waitFor(
    key: string,
    check: (object: T | undefined) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
    upTo?: string,
  ): Promise<boolean>;
  stats(): InformerStats;
  /** Approximate bytes held (JSON size of each object); walks the store, so call it rarely. */
  approximateBytes(): number;
}

/** Compares resourceVersions when both are decimal integers (etcd revisions); undefined otherwise. */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** How many distinct strings an informer shares between its objects (namespaces, owner kinds). */
const MAX_SHARED_STRINGS = 4096;
/** The informer loop's restart backoff: client-go's reflector figures (800 ms doubling to 30 s, reset after 2 min). */
const RESTART_INITIAL_MS = 800;
const RESTART_MAX_MS = 30_000;
const RESTART_RESET_MS = 120_000;

export function createInformer<T extends KubernetesObject>(
  client: WatchClient,
  type: ResourceType<T>,
  options: InformerOptions<T> = {},
): Informer<T> {
  const clock = options.clock ?? realClock;
  const store = createStore<T>(options.indexers, {
    onIndexError: (error, index, object) =>
      report(
        new Error(`index "${index}" of ${type.kind} threw: ${error.message}`, { cause: error }),
        'index',
        object,
      ),
  });
  const handlers = new Set<EventHandlers<T>>();
  const waiters = new Map<string, Set<(object: T | undefined) => void>>();
  let synced = false;
  let syncWaiters: Array<() => void> = [];
  /** `clock.now()` of the first error since the watch was last healthy; undefined while healthy. */
  let unhealthyAt: number | undefined;
  const stats: InformerStats = {
    objects: 0,
    events: 0,
    lists: 0,
    errors: 0,
    staleDropped: 0,
    lastEventAt: 0,
    resourceVersion: '',
    healthy: false,
    unhealthySince: 0,
    unhealthyForMs: 0,
    skipped: 0,
    restarts: 0,
    needsResync: false,
    lastError: undefined,
  };
  const freeze = options.freeze ?? true;

  /** Tells `onObjectError` (which must not break the informer either). */
  function report(error: Error, stage: InformerErrorStage, object?: KubernetesObject): void {
    if (stage !== 'index' && stage !== 'loop') stats.skipped++;
    try {
      options.onObjectError?.(error, { stage, ...(object ? { key: objectKey(object) } : {}) });
    } catch {}
  }

  // Strings most cached objects repeat, kept once: namespaces, and the apiVersion and kind of
  // owner references. Bounded by how many namespaces and owner kinds there are, not by objects,
  // and at most MAX_SHARED_STRINGS (then it starts over, letting go of those of deleted objects).
  const { share } = createStringTable(MAX_SHARED_STRINGS);

  /** The object as stored (managedFields stripped, transformed, frozen), or undefined when the transform throws. */
  function prepare(object: T): T | undefined {
    let o = object;
    try {
      if (!options.keepManagedFields && o.metadata?.managedFields) {
        // A copy without the field, not `delete`: deleting a property turns the metadata object
        // into a dictionary, which costs about 450 B more per cached ConfigMap (a third of what
        // it stores besides its data) than this compact copy.
        const { managedFields: _, ...metadata } = o.metadata;
        o.metadata = metadata;
      }
      const meta = o.metadata;
      if (meta && !Object.isFrozen(meta)) {
        if (typeof meta.namespace === 'string') meta.namespace = share(meta.namespace);
        if (Array.isArray(meta.ownerReferences)) {
          for (const ref of meta.ownerReferences) {
            if (ref && typeof ref === 'object' && !Object.isFrozen(ref)) {
              if (typeof ref.apiVersion === 'string') ref.apiVersion = share(ref.apiVersion);
              if (typeof ref.kind === 'string') ref.kind = share(ref.kind);
            }
          }
        }
      }
      if (options.transform) o = options.transform(o);
      if (!o || typeof o !== 'object')
        throw new TypeError(`the transform returned ${o === null ? 'null' : typeof o}`);
      if (objectKey(o) !== objectKey(object))
        throw new TypeError('the transform changed the name or namespace');
      return freeze ? deepFreeze(o) : o;
    } catch (err) {
      const error = asError(err);
      report(
        new Error(
          `the transform of ${type.kind} ${objectKey(object)} threw: ${error.message}; the object is skipped`,
          { cause: error },
        ),
        'transform',
        object,
      );
      return undefined;
    }
  }

  function call(object: T, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const error = asError(err);
      report(
        new Error(`a handler of ${type.kind} ${objectKey(object)} threw: ${error.message}`, { cause: error }),
        'handler',
        object,
      );
    }
  }

  function userCall(fn: () => void): void {
    try {
      fn();
    } catch {}
  }

  // Waiters for the informer's progress (its last resourceVersion), checked after every event.
  const progressWaiters = new Set<() => void>();
  const reached = (rv: string | undefined) =>
    rv !== undefined && (compareResourceVersions(stats.resourceVersion, rv) ?? -1) >= 0;

  function changed(key: string, object: T | undefined): void {
    const set = waiters.get(key);
    if (set) for (const w of [...set]) w(object);
  }

  function apply(kind: 'added' | 'modified' | 'deleted', raw: T): void {
    const key = objectKey(raw);
    if (kind === 'deleted') {
      // Only what the store held was deleted as far as the handlers know.
      const previous = store.remove(key);
      if (previous)
        for (const h of handlers) if (h.delete) call(previous, () => h.delete!(previous, { missed: false }));
      changed(key, undefined);
      return;
    }
    const current = store.get(key);
    if (compareResourceVersions(raw.metadata?.resourceVersion, current?.metadata?.resourceVersion) === -1) {
      stats.staleDropped++;
      return;
    }
    const object = prepare(raw);
    // A transform that throws skips this change: the store keeps what it had.
    if (!object) return;
    const previous = store.upsert(object);
    for (const h of handlers) {
      if (previous) {
        if (h.update) call(object, () => h.update!(previous, object));
      } else if (h.add) call(object, () => h.add!(object, { initial: false }));
    }
    changed(key, object);
  }

  function applyList(objects: T[], relist: boolean): void {
    const prepared: T[] = [];
    for (const raw of objects) {
      const object = prepare(raw);
      if (object) prepared.push(object);
      else {
        // Skipped: what the store held stays (it is no delete), and nothing new is added.
        const held = store.get(objectKey(raw));
        if (held) prepared.push(held);
      }
    }
    const previous = store.replace(prepared);
    stats.lists++;
    for (const object of prepared) {
      const key = objectKey(object);
      const old = previous.get(key);
      if (old) {
        previous.delete(key);
        if (old !== object && old.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
          for (const h of handlers) if (h.update) call(object, () => h.update!(old, object));
          changed(key, object);
        }
      } else {
        for (const h of handlers) if (h.add) call(object, () => h.add!(object, { initial: !relist }));
        changed(key, object);
      }
    }
    // What the relist lacks was deleted while we were away.
    for (const [key, gone] of previous) {
      for (const h of handlers) if (h.delete) call(gone, () => h.delete!(gone, { missed: true }));
      changed(key, undefined);
    }
    stats.needsResync = false;
    stats.lastError = undefined;
    if (!synced) {
      synced = true;
      for (const w of syncWaiters) w();
      syncWaiters = [];
    }
  }

  function healthy(): void {
    stats.healthy = true;
    stats.unhealthySince = 0;
    unhealthyAt = undefined;
  }

  function handle(event: WatchEvent<T>): void {
    stats.lastEventAt = Date.now();
    switch (event.type) {
      case 'list':
        stats.resourceVersion = event.resourceVersion;
        healthy();
        // A list after a restart of the loop is a relist, whatever the new watch thinks.
        applyList(event.objects, event.relist || synced);
        break;
      case 'bookmark':
        stats.resourceVersion = event.resourceVersion;
        healthy();
        break;
      case 'connected':
        // The server accepted the watch: a quiet resource is a healthy one.
        healthy();
        break;
      case 'error':
        stats.errors++;
        stats.lastError = event.error;
        if (stats.unhealthySince === 0) stats.unhealthySince = Date.now();
        unhealthyAt ??= clock.now();
        stats.healthy = false;
        userCall(() => options.onError?.(event.error, event.attempt, event.retryInMs));
        break;
      default:
        stats.events++;
        healthy();
        stats.resourceVersion = event.object.metadata?.resourceVersion ?? stats.resourceVersion;
        apply(event.type, event.object);
    }
  }

  const events =
    options.watcher ??
    ((signal: AbortSignal) =>
      watch(client, type, {
        ...options.watch,
        signal,
        namespace: options.namespace,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        ...(options.metadataOnly ? { metadataOnly: true } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        onSkipped: (error, raw) => {
          report(error, 'decode');
          userCall(() => options.watch?.onSkipped?.(error, raw));
        },
      }));

  /** Runs the watch until it ends; an event that fails is skipped (reported), never fatal. */
  async function runOnce(signal: AbortSignal): Promise<void> {
    for await (const event of events(signal)) {
      try {
        handle(event);
      } catch (err) {
        const error = asError(err);
        report(
          new Error(
            `the informer of ${type.kind} failed on a ${event.type} event: ${error.message}; skipped`,
            { cause: error },
          ),
          'loop',
        );
      }
      if (progressWaiters.size > 0) for (const w of [...progressWaiters]) userCall(w);
      if (signal.aborted) return;
    }
  }

  return {
    type,
    store,
    addIndex: (name, fn) => store.addIndex(name, fn),
    get synced() {
      return synced;
    },
    async start(signal) {
      let attempt = 0;
      let lastFailureAt: number | undefined;
      while (!signal.aborted) {
        let error: Error;
        try {
          await runOnce(signal);
          error = new Error(`the watch of ${type.kind} ended by itself`);
        } catch (err) {
          error = asError(err);
        }
        if (signal.aborted) break;
        if (isOperonError(error, ErrorCode.ClientClosed)) {
          // Its client was closed (the manager is stopping): nothing can be sent, so stop too.
          stats.healthy = false;
          stats.lastError = error;
          report(
            new Error(`the informer of ${type.kind} stopped: its client is closed`, { cause: error }),
            'loop',
          );
          break;
        }
        // The loop ended by itself: unhealthy until it has listed again, and restarted with backoff.
        stats.restarts++;
        stats.needsResync = true;
        stats.healthy = false;
        stats.lastError = error;
        if (stats.unhealthySince === 0) stats.unhealthySince = Date.now();
        unhealthyAt ??= clock.now();
        const now = clock.now();
        if (lastFailureAt === undefined || now - lastFailureAt > RESTART_RESET_MS) attempt = 0;
        lastFailureAt = now;
        attempt++;
        const base = Math.min(RESTART_MAX_MS, RESTART_INITIAL_MS * 2 ** (attempt - 1));
        const retryInMs = Math.round(base * (1 + Math.random()));
        report(
          new Error(
            `the informer of ${type.kind} stopped (${error.message}); restarting in ${retryInMs} ms`,
            { cause: error },
          ),
          'loop',
        );
        await new Promise<void>((resolve) => {
          const timer = clock.setTimeout(done, retryInMs);
          function done() {
            clock.clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          }
          signal.addEventListener('abort', done, { once: true });
        });
      }
      stats.healthy = false;
    },
    waitForSync(signal) {
      if (synced) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          syncWaiters = syncWaiters.filter((w) => w !== done);
          reject(signal?.reason);
        };
        const done = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        syncWaiters.push(done);
      });
    },
    addHandlers(h) {
      handlers.add(h);
      if (synced && h.add)
        for (const object of store.list()) call(object, () => h.add!(object, { initial: true }));
      return () => handlers.delete(h);
    },
    waitFor(key, check, timeoutMs, signal, upTo) {
      if (check(store.get(key)) || reached(upTo)) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        let set = waiters.get(key);
        if (!set) {
          set = new Set();
          waiters.set(key, set);
        }
        const finish = (result: boolean) => {
          if (timer !== undefined) clock.clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          set!.delete(waiter);
          if (set!.size === 0) waiters.delete(key);
          progressWaiters.delete(onProgress);
          resolve(result);
        };
        const waiter = (object: T | undefined) => {
          if (check(object)) finish(true);
        };
        const onProgress = () => {
          if (reached(upTo)) finish(true);
        };
        if (upTo !== undefined) progressWaiters.add(onProgress);
        const onAbort = () => finish(false);
        // On the informer's clock; an infinite timeout sets no timer (Node would fire one at once).
        const timer =
          timeoutMs === Number.POSITIVE_INFINITY
            ? undefined
            : clock.setTimeout(() => finish(false), Math.max(0, timeoutMs || 0));
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(waiter);
      });
    },
    stats: () => ({
      ...stats,
      objects: store.size,
      unhealthyForMs: unhealthyAt === undefined ? 0 : Math.max(0, clock.now() - unhealthyAt),
    }),
    approximateBytes() {
      let bytes = 0;
      for (const o of store.list()) bytes += JSON.stringify(o).length;
      return bytes;
    },
  };
}
