/**
 * An informer keeps a store in step with the cluster: `createInformer()` runs a watch, writes its
 * events into a store (swapping relists in whole), and tells handlers what was added, updated or
 * deleted, including deletes it missed while disconnected.
 */

import type { Client, Selector } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { type WatchOptions, watch } from '../watch/watch.ts';
import { createStore, type IndexFunction, objectKey, type Store } from './store.ts';

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
}

export interface Informer<T extends KubernetesObject> {
  readonly type: ResourceType<T>;
  readonly store: Store<T>;
  /** Runs until `signal` aborts; resolves once the watch has stopped. */
  start(signal: AbortSignal): Promise<void>;
  /** Resolves after the first complete list is in the store. */
  waitForSync(signal?: AbortSignal): Promise<void>;
  readonly synced: boolean;
  /** Adds handlers; after sync, `add` is called at once for every object already stored. */
  addHandlers(handlers: EventHandlers<T>): () => void;
  /**
   * Resolves true when `check` holds for the stored object under `key` (undefined if absent), or
   * once the informer has processed every event up to resourceVersion `upTo` (then the store
   * shows that version or a newer state); false after `timeoutMs`.
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

export function createInformer<T extends KubernetesObject>(
  client: Client,
  type: ResourceType<T>,
  options: InformerOptions<T> = {},
): Informer<T> {
  const store = createStore<T>(options.indexers);
  const handlers = new Set<EventHandlers<T>>();
  const waiters = new Map<string, Set<(object: T | undefined) => void>>();
  let synced = false;
  let syncWaiters: Array<() => void> = [];
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
  };
  const freeze = options.freeze ?? true;

  function prepare(object: T): T {
    let o = object;
    if (!options.keepManagedFields && o.metadata?.managedFields) delete o.metadata.managedFields;
    if (options.transform) o = options.transform(o);
    return freeze ? deepFreeze(o) : o;
  }

  function call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      options.onError?.(err instanceof Error ? err : new Error(String(err)), 0, 0);
    }
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
      const previous = store.remove(key);
      const object = previous ?? prepare(raw);
      for (const h of handlers) if (h.delete) call(() => h.delete!(object, { missed: false }));
      changed(key, undefined);
      return;
    }
    const current = store.get(key);
    if (compareResourceVersions(raw.metadata?.resourceVersion, current?.metadata?.resourceVersion) === -1) {
      stats.staleDropped++;
      return;
    }
    const object = prepare(raw);
    const previous = store.upsert(object);
    for (const h of handlers) {
      if (previous) {
        if (h.update) call(() => h.update!(previous, object));
      } else if (h.add) call(() => h.add!(object, { initial: false }));
    }
    changed(key, object);
  }

  function applyList(objects: T[], relist: boolean): void {
    const prepared = objects.map(prepare);
    const previous = store.replace(prepared);
    stats.lists++;
    for (const object of prepared) {
      const key = objectKey(object);
      const old = previous.get(key);
      if (old) {
        previous.delete(key);
        if (old.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
          for (const h of handlers) if (h.update) call(() => h.update!(old, object));
          changed(key, object);
        }
      } else {
        for (const h of handlers) if (h.add) call(() => h.add!(object, { initial: !relist }));
        changed(key, object);
      }
    }
    // What the relist lacks was deleted while we were away.
    for (const [key, gone] of previous) {
      for (const h of handlers) if (h.delete) call(() => h.delete!(gone, { missed: true }));
      changed(key, undefined);
    }
    if (!synced) {
      synced = true;
      for (const w of syncWaiters) w();
      syncWaiters = [];
    }
  }

  return {
    type,
    store,
    get synced() {
      return synced;
    },
    async start(signal) {
      const events = watch(client, type, {
        ...options.watch,
        signal,
        namespace: options.namespace,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        ...(options.metadataOnly ? { metadataOnly: true } : {}),
      });
      for await (const event of events) {
        stats.lastEventAt = Date.now();
        switch (event.type) {
          case 'list':
            stats.resourceVersion = event.resourceVersion;
            stats.healthy = true;
            stats.unhealthySince = 0;
            applyList(event.objects, event.relist);
            break;
          case 'bookmark':
            stats.resourceVersion = event.resourceVersion;
            stats.healthy = true;
            stats.unhealthySince = 0;
            break;
          case 'error':
            stats.errors++;
            if (stats.unhealthySince === 0) stats.unhealthySince = Date.now();
            stats.healthy = false;
            options.onError?.(event.error, event.attempt, event.retryInMs);
            break;
          default:
            stats.events++;
            stats.healthy = true;
            stats.unhealthySince = 0;
            stats.resourceVersion = event.object.metadata?.resourceVersion ?? stats.resourceVersion;
            apply(event.type, event.object);
        }
        if (progressWaiters.size > 0) for (const w of [...progressWaiters]) w();
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
      if (synced && h.add) for (const object of store.list()) call(() => h.add!(object, { initial: true }));
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
          clearTimeout(timer);
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
        const timer = setTimeout(() => finish(false), timeoutMs);
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(waiter);
      });
    },
    stats: () => ({ ...stats, objects: store.size }),
    approximateBytes() {
      let bytes = 0;
      for (const o of store.list()) bytes += JSON.stringify(o).length;
      return bytes;
    },
  };
}
