/**
 * The shared cache: `createCache()` keeps one informer per resource and scope, however many
 * controllers read it, and answers reads through the same `Reader` interface as the client. After
 * a write through the client, a cached read never returns an older version than the write.
 */

import { ApiError } from '../client/api-error.ts';
import type { Client, ListOptions, ObjectList, ObjectOptions, Reader, Selector } from '../client/client.ts';
import { selectorString } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import { type Clock, realClock } from '../queue/clock.ts';
import { createInformer, type Informer, type InformerErrorInfo, type InformerOptions } from './informer.ts';
import { multiNamespaceInformer } from './multi-namespace.ts';
import { createReadYourWrites, type ReadYourWritesStats } from './read-your-writes.ts';
import { parseLabelSelector } from './selector.ts';
import { type IndexFunction, keyOf, type Store } from './store.ts';

export interface InformerScope {
  /** Omit for all namespaces. */
  namespace?: string | undefined;
  labelSelector?: Selector | undefined;
  fieldSelector?: Selector | undefined;
  metadataOnly?: boolean | undefined;
}

export interface CacheOptions {
  /** Watch only this namespace (default: all). */
  namespace?: string;
  /**
   * Watch only these namespaces (controller-runtime's `DefaultNamespaces`): one watch per namespace
   * for each namespaced kind, read as one store; cluster-scoped kinds are watched cluster-wide. Reads
   * in other namespaces must go through the client. Not together with `namespace`.
   */
  namespaces?: readonly string[];
  /** Options for every informer (transform, managedFields, freeze, watch tuning, onError). */
  informer?: Omit<InformerOptions<KubernetesObject>, keyof InformerScope | 'indexers' | 'watcher'>;
  /** Indexes per kind, by `ResourceType`. */
  indexers?: ReadonlyMap<ResourceType, InformerOptions<KubernetesObject>['indexers']>;
  /**
   * How long a read waits for the cache to catch up with this client's own write before it asks
   * the API server instead; default 2 s.
   */
  readYourWritesTimeoutMs?: number;
  /**
   * Writes of one kind remembered while its watch has not delivered them; beyond this, the oldest
   * fold into one resourceVersion that every read of the kind waits for (measured 220 bytes a write;
   * the default bounds a kind to about 2 MB). Default 10 000.
   */
  readYourWritesMaxPending?: number;
  /** How long a watch may keep failing before `healthy` turns false; default 3 min. */
  unhealthyAfterMs?: number;
  /** Called for each watch error, with the kind it concerns (the informer retries by itself). */
  onWatchError?: (type: ResourceType, error: Error, attempt: number, retryInMs: number) => void;
  /**
   * Called for each object an informer skipped (a transform, index or handler threw; a watch line
   * it could not use) and each restart of an informer's loop, with the kind and the stage: the hook
   * for `operon_informer_handler_errors_total{resource, stage}` and a log line.
   */
  onInformerError?: (type: ResourceType, error: Error, info: InformerErrorInfo) => void;
  /**
   * How long `waitForSync()` waits for every informer's first list before it rejects with an
   * error naming the kinds not synced and the likely cause; default 2 min (controller-runtime's
   * CacheSyncTimeout). 0 waits forever.
   */
  syncTimeoutMs?: number;
  /**
   * Time for read-your-writes waits, the sync timeout, the informers' backoff and
   * `unhealthyAfterMs`; default the process clock (tests pass a fake one).
   */
  clock?: Clock;
}

export interface CacheStats {
  type: string;
  scope: string;
  objects: number;
  approxBytes: number;
  events: number;
  errors: number;
  synced: boolean;
}

export interface Cache extends Reader {
  /**
   * Declares index `name` on `type`'s informers, queried as `list(type, { index: { [name]: value } })`.
   * Declare it before the first read (a controller's `indexes` are declared when it is prepared);
   * an informer that exists already fills it from what it holds. The same name with another
   * function throws. Every kind has the built-in `namespace` and `owner` (controller owner) indexes.
   */
  addIndex<T extends KubernetesObject>(type: ResourceType<T>, name: string, fn: IndexFunction<T>): void;
  /** The shared informer for `type` in `scope`; made on first use, started if the cache runs. */
  informerFor<T extends KubernetesObject>(type: ResourceType<T>, scope?: InformerScope): Informer<T>;
  /** Runs every informer (and those made later) until `signal` aborts; resolves once all stopped. */
  start(signal: AbortSignal): Promise<void>;
  /**
   * Stops and drops every informer of `type` (all scopes), for a kind that is no longer served (its
   * CRD was deleted); resolves once their watches have stopped. Handlers on them hear nothing
   * more; a later `informerFor(type)` makes a new one.
   */
  forget(type: ResourceType): Promise<void>;
  /**
   * Resolves when every informer made so far has synced; rejects with an OperonError (code
   * `OPERON_TIMEOUT`) naming those that have not after `syncTimeoutMs`, with their last error.
   */
  waitForSync(signal?: AbortSignal): Promise<void>;
  /** Whether every informer has synced. */
  readonly synced: boolean;
  /**
   * False when some informer's watch has failed for longer than `unhealthyAfterMs` without
   * recovering (for /healthz: a brief outage is retried, not a reason to restart), or when an
   * informer's loop stopped by itself and has not listed again since its restart.
   */
  readonly healthy: boolean;
  /** Objects and approximate bytes per informer (walks the stores: call it rarely). */
  stats(): CacheStats[];
  /** Objects held per kind (cheap: for gauges). */
  objectCounts(): Array<{ type: ResourceType; objects: number }>;
  /**
   * Reads that waited for the cache to catch up with a write, those that fell back to the server,
   * and the writes remembered now (bounded by `readYourWritesMaxPending` per kind).
   */
  readonly readYourWrites: ReadYourWritesStats;
}

function typeKey(type: ResourceType): string {
  return `${type.apiVersion}/${type.kind}`;
}

function scopeKey(scope: InformerScope): string {
  return [
    scope.namespace ?? '*',
    scope.labelSelector !== undefined ? selectorString(scope.labelSelector) : '',
    scope.fieldSelector !== undefined ? selectorString(scope.fieldSelector) : '',
    scope.metadataOnly ? 'metadata' : 'full',
  ].join('|');
}

/** Seams for unit tests; not part of the public API. */
export interface CacheInternals {
  createInformer?: typeof createInformer;
}

export function createCache(
  client: Client,
  options: CacheOptions = {},
  internals: CacheInternals = {},
): Cache {
  interface Entry {
    informer: Informer<KubernetesObject>;
    scope: InformerScope;
    /** Aborts to stop this informer alone (`forget`). */
    stop: AbortController;
    /** Settles once it has stopped, after it was started. */
    done?: Promise<void>;
  }
  const informers = new Map<string, Entry>();
  const namespaces = checkNamespaces(options);
  /** The joined informers of namespaced kinds when the cache watches several namespaces. */
  const joined = new Map<string, Informer<KubernetesObject>>();
  const makeInformer = internals.createInformer ?? createInformer;
  let running: { signal: AbortSignal; runs: Array<Promise<void>> } | undefined;

  // Read-your-own-writes (see read-your-writes.ts): only kinds the cache serves are remembered,
  // and the informer that answers reads of a kind (the cache-wide scope) confirms them.
  const cachedKinds = new Set<string>();
  // Indexes declared with addIndex(), by kind: given to each informer of the kind.
  const declared = new Map<string, Map<string, IndexFunction<KubernetesObject>>>();
  const readers = new Map<string, Informer<KubernetesObject>>();
  const ryw = createReadYourWrites({
    timeoutMs: options.readYourWritesTimeoutMs ?? 2000,
    maxPending: options.readYourWritesMaxPending ?? 10_000,
    clock: options.clock ?? realClock,
    tracks: (kind) => cachedKinds.has(kind),
    informerOf: (kind) => readers.get(kind),
    latestResourceVersion: async (type, signal) =>
      (await client.list(type, { namespace: options.namespace ?? namespaces?.[0], limit: 1, signal }))
        .metadata.resourceVersion,
  });
  client.onWrite((write) => ryw.record(write));

  function run(entry: Entry) {
    if (!running) return;
    const signal = AbortSignal.any([running.signal, entry.stop.signal]);
    entry.done = entry.informer.start(signal).catch((err: unknown) => {
      if (!signal.aborted) options.informer?.onError?.(err as Error, 0, 0);
    });
    running.runs.push(entry.done);
  }

  const cache: Cache = {
    informerFor<T extends KubernetesObject>(type: ResourceType<T>, scope: InformerScope = {}): Informer<T> {
      if (namespaces && type.namespaced && scope.namespace === undefined) {
        const key = `${typeKey(type)}|${scopeKey(scope)}|joined`;
        let informer = joined.get(key);
        if (!informer) {
          const members = new Map(
            namespaces.map((namespace) => [
              namespace,
              cache.informerFor(type as ResourceType<KubernetesObject>, { ...scope, namespace }),
            ]),
          );
          informer = multiNamespaceInformer(members);
          joined.set(key, informer);
          cachedKinds.add(typeKey(type));
          if (!scope.labelSelector && !scope.fieldSelector && !scope.metadataOnly) {
            readers.set(typeKey(type), informer);
            informer.addHandlers({ delete: (object) => ryw.observedDelete(typeKey(type), object) });
          }
        }
        return informer as unknown as Informer<T>;
      }
      const effective: InformerScope = { ...scope, namespace: scope.namespace ?? options.namespace };
      const key = `${typeKey(type)}|${scopeKey(effective)}`;
      let entry = informers.get(key);
      if (!entry) {
        const informer = makeInformer(client, type as ResourceType<KubernetesObject>, {
          ...options.informer,
          ...(options.clock && !options.informer?.clock ? { clock: options.clock } : {}),
          ...(options.onInformerError
            ? {
                onObjectError: (error: Error, info: InformerErrorInfo) => {
                  options.onInformerError?.(type as ResourceType, error, info);
                  options.informer?.onObjectError?.(error, info);
                },
              }
            : {}),
          ...(options.onWatchError
            ? {
                onError: (error: Error, attempt: number, retryInMs: number) => {
                  options.onWatchError?.(type as ResourceType, error, attempt, retryInMs);
                  options.informer?.onError?.(error, attempt, retryInMs);
                },
              }
            : {}),
          ...effective,
          indexers: {
            ...options.indexers?.get(type as ResourceType),
            ...Object.fromEntries(declared.get(typeKey(type)) ?? []),
          },
        });
        entry = { informer, scope: effective, stop: new AbortController() };
        informers.set(key, entry);
        cachedKinds.add(typeKey(type));
        if (
          effective.namespace === options.namespace &&
          !effective.labelSelector &&
          !effective.fieldSelector &&
          !effective.metadataOnly
        ) {
          // The scope reads are served from: it confirms this client's deletes.
          readers.set(typeKey(type), informer);
          informer.addHandlers({ delete: (object) => ryw.observedDelete(typeKey(type), object) });
        }
        run(entry);
      }
      return entry.informer as unknown as Informer<T>;
    },

    async forget(type) {
      const prefix = `${typeKey(type)}|`;
      const gone: Entry[] = [];
      for (const [key, entry] of informers) {
        if (!key.startsWith(prefix)) continue;
        informers.delete(key);
        entry.stop.abort(
          new OperonError(ErrorCode.Stopped, `The cache stopped watching ${type.kind}: it is not served.`),
        );
        gone.push(entry);
      }
      for (const key of [...joined.keys()]) if (key.startsWith(prefix)) joined.delete(key);
      cachedKinds.delete(typeKey(type));
      readers.delete(typeKey(type));
      await Promise.all(gone.map((e) => e.done));
    },

    addIndex<T extends KubernetesObject>(type: ResourceType<T>, name: string, fn: IndexFunction<T>): void {
      if (typeof name !== 'string' || name === '' || typeof fn !== 'function') {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `An index of ${type.kind} needs a non-empty name and a function, not ${JSON.stringify(name)} and ${typeof fn}.`,
        );
      }
      const kind = typeKey(type);
      let byName = declared.get(kind);
      const existing = byName?.get(name) ?? options.indexers?.get(type as ResourceType)?.[name];
      if (existing !== undefined && existing !== fn) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `Index "${name}" of ${type.kind} is declared twice with different functions (two controllers?); give one of them another name.`,
        );
      }
      if (!byName) {
        byName = new Map();
        declared.set(kind, byName);
      }
      byName.set(name, fn as IndexFunction<KubernetesObject>);
      for (const [key, { informer }] of informers) {
        if (key.startsWith(`${kind}|`)) informer.addIndex(name, fn as IndexFunction<KubernetesObject>);
      }
    },

    async get<T extends KubernetesObject>(
      type: ResourceType<T>,
      name: string,
      o: ObjectOptions = {},
    ): Promise<T> {
      const informer = readyInformer(type, o.namespace);
      await informer.waitForSync(o.signal);
      const key = keyOf(name, type.namespaced ? o.namespace : undefined);
      // The cache is behind our own write: ask the server rather than answer with the past.
      if (!(await ryw.beforeGet(type, key, informer, o.signal))) return client.get(type, name, o);
      const object = informer.store.get(key);
      if (!object) {
        throw new ApiError({
          status: 404,
          reason: 'NotFound',
          message: `${type.kind} "${name}"${o.namespace ? ` in namespace "${o.namespace}"` : ''} not found (in the cache)`,
          method: 'GET',
          path: client.path(type, { namespace: o.namespace, name }),
        });
      }
      return object;
    },

    async list<T extends KubernetesObject>(
      type: ResourceType<T>,
      o: ListOptions = {},
    ): Promise<ObjectList<T>> {
      if (o.fieldSelector !== undefined) {
        const names = indexNamesOf(type);
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `The cache does not evaluate field selectors (fieldSelector "${selectorString(o.fieldSelector)}" on ${type.kind}). ` +
            `${type.kind} has the indexes ${names.map((n) => `"${n}"`).join(', ')}: query one (list(${type.kind}, { index: { ${names.at(-1)}: value } })), ` +
            `declare another (a controller's indexes, or cache.addIndex), give an informer a fieldSelector scope (cache.informerFor(type, { fieldSelector })), or list through the client.`,
        );
      }
      const informer = readyInformer(type, o.namespace);
      const query = o.index === undefined ? undefined : indexQuery(type, informer.store, o.index);
      await informer.waitForSync(o.signal);
      // Our own writes to this kind, made before this call, must be visible first.
      const namespace = type.namespaced ? o.namespace : undefined;
      if (!(await ryw.beforeList(type, namespace, informer, o.signal))) {
        // The server has no indexes: list without, and keep what the index functions match.
        const { index: _, ...plain } = o;
        const listed = await client.list(type, plain);
        if (!query) return listed;
        return { ...listed, items: listed.items.filter((item) => query.matches(item)) };
      }
      let items = query
        ? query.lookup()
        : type.namespaced && o.namespace
          ? informer.store.list(o.namespace)
          : informer.store.list();
      if (query && type.namespaced && o.namespace) {
        items = items.filter((i) => i.metadata?.namespace === o.namespace);
      }
      if (o.labelSelector !== undefined) {
        const matches = parseLabelSelector(selectorString(o.labelSelector));
        items = items.filter((i) => matches(i.metadata?.labels));
      }
      return {
        apiVersion: type.apiVersion,
        kind: `${type.kind}List`,
        metadata: { resourceVersion: informer.stats().resourceVersion },
        items,
      };
    },

    async start(signal) {
      if (running) throw new OperonError(ErrorCode.InvalidArgument, 'The cache is already running.');
      running = { signal, runs: [] };
      for (const entry of informers.values()) run(entry);
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      // Informers made while we ran were added to `runs`.
      await Promise.all(running.runs);
      running = undefined;
    },

    async waitForSync(signal) {
      const all = [...informers.values()];
      const synced = Promise.all(all.map(({ informer }) => informer.waitForSync(signal)));
      const timeoutMs = options.syncTimeoutMs ?? 120_000;
      if (timeoutMs <= 0 || !Number.isFinite(timeoutMs)) return void (await synced);
      const clock = options.clock ?? realClock;
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = clock.setTimeout(() => resolve('timeout'), timeoutMs);
      });
      try {
        if ((await Promise.race([synced, timedOut])) !== 'timeout') return;
      } finally {
        clock.clearTimeout(timer!);
      }
      synced.catch(() => undefined);
      const behind = all.filter(({ informer }) => !informer.synced);
      throw new OperonError(
        ErrorCode.Timeout,
        `The cache did not sync within ${Math.round(timeoutMs / 1000)} s: ${behind
          .map(({ informer, scope }) => notSyncedReason(informer, scope))
          .join('; ')}.`,
        {
          retryable: true,
          ...(behind[0]?.informer.stats().lastError ? { cause: behind[0].informer.stats().lastError } : {}),
        },
      );
    },

    get synced() {
      return [...informers.values()].every(({ informer }) => informer.synced);
    },

    get healthy() {
      const limit = options.unhealthyAfterMs ?? 180_000;
      // On the informers' clock (the cache's): the wall clock can jump, and a fake one cannot move it.
      return [...informers.values()].every(({ informer }) => {
        const { unhealthySince, unhealthyForMs, needsResync } = informer.stats();
        return !needsResync && (unhealthySince === 0 || unhealthyForMs < limit);
      });
    },

    stats() {
      return [...informers.values()].map(({ informer, scope }) => {
        const s = informer.stats();
        return {
          type: typeKey(informer.type),
          scope: scopeKey(scope),
          objects: s.objects,
          approxBytes: informer.approximateBytes(),
          events: s.events,
          errors: s.errors,
          synced: informer.synced,
        };
      });
    },

    objectCounts() {
      const counts = new Map<ResourceType, number>();
      for (const { informer } of informers.values()) {
        const t = informer.type as ResourceType;
        counts.set(t, (counts.get(t) ?? 0) + informer.store.size);
      }
      return [...counts].map(([type, objects]) => ({ type, objects }));
    },

    readYourWrites: ryw.stats,
  };

  /** The indexes every informer of `type` has: built-in, from the options, declared. */
  function indexNamesOf(type: ResourceType): string[] {
    return [
      ...new Set([
        'namespace',
        'owner',
        ...Object.keys(options.indexers?.get(type) ?? {}),
        ...(declared.get(typeKey(type))?.keys() ?? []),
      ]),
    ];
  }

  /** Checks an index query against the store's indexes; looks it up in the store or matches one object. */
  function indexQuery<T extends KubernetesObject>(
    type: ResourceType<T>,
    store: Store<T>,
    index: Readonly<Record<string, string>>,
  ): { lookup(): T[]; matches(object: T): boolean } {
    const entries = Object.entries(index);
    const names = store.indexNames();
    const problems = entries.flatMap(([name, value]) =>
      !names.includes(name)
        ? [`no index "${name}"`]
        : typeof value !== 'string'
          ? [`index "${name}" was given ${value === null ? 'null' : typeof value}, not a string`]
          : [],
    );
    if (entries.length === 0) problems.push('the query names no index');
    if (problems.length > 0) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `Cannot list ${type.kind} by index: ${problems.join('; ')}. ${type.kind} has the indexes ${names
          .map((n) => `"${n}"`)
          .join(
            ', ',
          )}; declare another on the controller (indexes: { name: index(${type.kind}, (o) => [...]) }) or with cache.addIndex().`,
      );
    }
    return {
      lookup() {
        // The smallest set first, then keep what every other index matches.
        const [first, ...rest] = entries
          .map(([name, value]) => ({ name, value, hits: store.byIndex(name, value) }))
          .sort((a, b) => a.hits.length - b.hits.length);
        return first!.hits.filter((o) =>
          rest.every(({ name, value }) => store.indexValues(name, o).includes(value)),
        );
      },
      matches: (object) => entries.every(([name, value]) => store.indexValues(name, object).includes(value)),
    };
  }

  /** The informer that serves reads of `type`: the cache-wide scope, which must cover `namespace`. */
  function readyInformer<T extends KubernetesObject>(
    type: ResourceType<T>,
    namespace: string | undefined,
  ): Informer<T> {
    if (!running) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `Read of ${type.kind} from a cache that is not running: start it first (cache.start(signal)), or read through the client.`,
      );
    }
    if (namespaces && type.namespaced && namespace !== undefined && !namespaces.includes(namespace)) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `The cache watches only the namespaces ${namespaces.map((n) => `"${n}"`).join(', ')}; a read in "${namespace}" must go through the client.`,
      );
    }
    if (options.namespace && type.namespaced && namespace !== options.namespace) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `The cache watches only namespace "${options.namespace}"; a read in ${namespace ? `"${namespace}"` : 'all namespaces'} must go through the client.`,
      );
    }
    return cache.informerFor(type);
  }

  return cache;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The `namespaces` option, checked and without repeats; undefined when not given. */
function checkNamespaces(options: CacheOptions): readonly string[] | undefined {
  if (options.namespaces === undefined) return undefined;
  const problem = (what: string) =>
    new OperonError(ErrorCode.InvalidArgument, `Cache option namespaces: ${what}.`);
  if (!Array.isArray(options.namespaces) || options.namespaces.length === 0)
    throw problem('give at least one namespace, or leave it out to watch all');
  if (options.namespace !== undefined) throw problem('give either namespace or namespaces, not both');
  for (const n of options.namespaces) {
    if (typeof n !== 'string' || n.length > 63 || !NAMESPACE.test(n))
      throw problem(`"${String(n)}" is not a namespace name`);
  }
  return [...new Set(options.namespaces)];
}

/** Why an informer has not synced, from its last error: what a user should check. */
function notSyncedReason(informer: Informer<KubernetesObject>, scope: InformerScope): string {
  const { type } = informer;
  const what = `${type.kind} (${type.apiVersion}, ${scope.namespace ? `namespace "${scope.namespace}"` : 'all namespaces'})`;
  const error = informer.stats().lastError;
  if (!error) return `${what}: no answer from the API server yet (slow, or unreachable without an error?)`;
  const status = error instanceof ApiError ? error.status : undefined;
  const resource = `${type.plural}${type.group ? `.${type.group}` : ''}`;
  if (status === 403)
    return `${what}: forbidden: grant this identity list and watch on ${resource} (RBAC: a ClusterRole, or a Role in the namespace) (${error.message})`;
  if (status === 404)
    return `${what}: the API server does not serve ${resource}: is its CustomResourceDefinition installed, with version ${type.version} served? (${error.message})`;
  if (status === 401) return `${what}: unauthorized: check the credentials (${error.message})`;
  return `${what}: ${error.message}`;
}
