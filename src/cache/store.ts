/**
 * The store behind an informer: one writer (the informer), many readers. `createStore()` keeps
 * objects by `namespace/name` with indexes by namespace, label, owner UID and custom functions;
 * `replace()` swaps a whole relist in at once, so readers never see a half-built cache.
 */

import type { KubernetesObject } from '../client/resource.ts';
import { ErrorCode, OperonError } from '../errors.ts';

/**
 * Extracts index values from an object, e.g. `(pod) => [pod.spec.nodeName]`. It must depend on the
 * object alone: an update or removal asks it again for the values of the object it replaces, so a
 * function that reads anything else (a setting, the time) can leave the key under a stale value.
 */
export type IndexFunction<T> = (object: T) => readonly string[];

export interface Store<T extends KubernetesObject> {
  get(key: string): T | undefined;
  has(key: string): boolean;
  /** All objects, or those of one namespace. */
  list(namespace?: string): T[];
  /**
   * Objects whose index `name` has `value`: the built-in `namespace` and `owner` (the controller
   * owner, as `ownerKey()` spells it), or an index given to the store (`label`, custom).
   */
  byIndex(name: string, value: string): T[];
  /** The names of the indexes this store keeps, built-in ones included. */
  indexNames(): string[];
  /** The values index `name` gives `object` (none when its function throws); throws for an unknown index. */
  indexValues(name: string, object: T): readonly string[];
  keys(): IterableIterator<string>;
  readonly size: number;
}

/** The informer's side of a store. */
export interface StoreWriter<T extends KubernetesObject> extends Store<T> {
  /** Inserts or replaces one object; returns the previous one. */
  upsert(object: T): T | undefined;
  /** Removes one object; returns it. */
  remove(key: string): T | undefined;
  /** Replaces everything at once; returns the previous contents by key. */
  replace(objects: readonly T[]): Map<string, T>;
  /**
   * Adds an index and fills it from the objects held now. Adding a name again with the same
   * function does nothing; with another function it throws (two meanings for one name).
   */
  addIndex(name: string, fn: IndexFunction<T>): void;
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(object: KubernetesObject): string {
  const ns = object.metadata?.namespace;
  const name = object.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

/** The key for a name in an optional namespace. */
export function keyOf(name: string, namespace?: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Index by label: values are `key=value`. Add it as `indexers: { label: labelIndex }`. */
export const labelIndex: IndexFunction<KubernetesObject> = (o) =>
  Object.entries(o.metadata?.labels ?? {}).map(([k, v]) => `${k}=${v}`);

/**
 * Index by owner UID, to find an owner's children by any of their owner references. Add it as
 * `indexers: { ownerUid: ownerIndex }` (the built-in `owner` index finds a controller's children).
 */
export const ownerIndex: IndexFunction<KubernetesObject> = (o) =>
  (o.metadata?.ownerReferences ?? []).map((r) => r.uid);

/** What an owner key is made from: an owner object, or an owner reference. */
export type OwnerLike =
  | {
      readonly apiVersion?: string | undefined;
      readonly kind?: string | undefined;
      readonly metadata?: { readonly name?: string | undefined } | undefined;
    }
  | { readonly apiVersion: string; readonly kind: string; readonly name: string };

/**
 * The value of the built-in `owner` index for the children of `owner`: its API group, kind and
 * name (`batch/CronJob/nightly`, `/ConfigMap/x` for the core group). Namespaces are not part of it:
 * list in the owner's namespace (a controller reference never crosses namespaces).
 */
export function ownerKey(owner: OwnerLike): string {
  const name = 'name' in owner ? owner.name : owner.metadata?.name;
  const apiVersion = owner.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
  return `${group}/${owner.kind ?? ''}/${name ?? ''}`;
}

/** The built-in `owner` index: the controller owner reference's `ownerKey()`, as kubebuilder's `.metadata.controller`. */
export const controllerOwnerIndex: IndexFunction<KubernetesObject> = (o) => {
  const ref = o.metadata?.ownerReferences?.find((r) => r.controller);
  return ref ? [ownerKey(ref)] : [];
};

// The namespace and controller-owner indexes are always there (an object without a controller
// reference costs nothing in the latter); others cost memory per object and are added on request.
const builtinIndexes = {
  namespace: (o: KubernetesObject) => [o.metadata?.namespace ?? ''],
  owner: controllerOwnerIndex,
} satisfies Record<string, IndexFunction<KubernetesObject>>;

/**
 * One index: value -> the keys of the objects that have it. A value most objects have alone (the
 * owner index: one child per owner) holds the key itself; a second key makes it a Set. A Set of
 * one costs about 230 B more than the key, which for 10,000 owned ConfigMaps is 2.3 MB.
 */
type Index = Map<string, string | Set<string>>;

interface State<T> {
  objects: Map<string, T>;
  indexes: Map<string, Index>;
}

function addKey(idx: Index, value: string, key: string): void {
  const keys = idx.get(value);
  if (keys === undefined) idx.set(value, key);
  else if (typeof keys === 'string') {
    if (keys !== key) idx.set(value, new Set([keys, key]));
  } else keys.add(key);
}

function removeKey(idx: Index, value: string, key: string): void {
  const keys = idx.get(value);
  if (keys === undefined) return;
  if (typeof keys === 'string') {
    if (keys === key) idx.delete(value);
    return;
  }
  // A Set stays a Set down to one key: an update removes its key and adds it again.
  keys.delete(key);
  if (keys.size === 0) idx.delete(value);
}

export interface StoreOptions<T> {
  /**
   * Called when an index function throws: the object is stored without values in that index, so
   * it stays readable by key (and by the other indexes). Default: none.
   */
  onIndexError?: ((error: Error, index: string, object: T) => void) | undefined;
}

export function createStore<T extends KubernetesObject>(
  indexers: Readonly<Record<string, IndexFunction<T>>> = {},
  options: StoreOptions<T> = {},
): StoreWriter<T> {
  const functions = new Map<string, IndexFunction<T>>([
    ...(Object.entries(builtinIndexes) as Array<[string, IndexFunction<T>]>),
    ...Object.entries(indexers),
  ]);
  let state: State<T> = emptyState();

  function emptyState(): State<T> {
    return { objects: new Map(), indexes: new Map([...functions.keys()].map((n) => [n, new Map()])) };
  }

  /** The values of index `name` for `object`; none when its function throws or returns a non-array. */
  function valuesOf(name: string, fn: IndexFunction<T>, object: T, report: boolean): readonly string[] {
    try {
      const values = fn(object);
      if (Array.isArray(values)) return values.filter((v): v is string => typeof v === 'string');
      throw new TypeError(`index "${name}" returned ${typeof values}, not an array of strings`);
    } catch (err) {
      if (report) {
        try {
          options.onIndexError?.(err instanceof Error ? err : new Error(String(err)), name, object);
        } catch {}
      }
      return [];
    }
  }

  function index(s: State<T>, key: string, object: T, add: boolean): void {
    for (const [name, fn] of functions) {
      const idx = s.indexes.get(name)!;
      // Removal recomputes what was added; it reports nothing new.
      const values = valuesOf(name, fn, object, add);
      for (const value of values) {
        if (add) addKey(idx, value, key);
        else removeKey(idx, value, key);
      }
    }
  }

  /**
   * Moves `key` from the index values of `previous` to those of `object`, touching only the values
   * that changed: an update rarely changes them (the namespace, the owner), and removing a key and
   * adding it again leaves a deleted entry in the index's hash table each time, which after an
   * update of every object had the tables about twice their size (about 120 B per cached
   * ConfigMap) until they were rebuilt.
   */
  function reindex(s: State<T>, key: string, previous: T, object: T): void {
    for (const [name, fn] of functions) {
      const idx = s.indexes.get(name)!;
      const before = valuesOf(name, fn, previous, false);
      const after = valuesOf(name, fn, object, true);
      // Usually one value each; a Set once there are many, so that a long list stays linear.
      const many = before.length * after.length > 64;
      const inBefore = many ? new Set(before) : before;
      const inAfter = many ? new Set(after) : after;
      const has = (list: readonly string[] | Set<string>, v: string) =>
        list instanceof Set ? list.has(v) : list.includes(v);
      for (const value of before) if (!has(inAfter, value)) removeKey(idx, value, key);
      for (const value of after) if (!has(inBefore, value)) addKey(idx, value, key);
    }
  }

  return {
    get: (key) => state.objects.get(key),
    has: (key) => state.objects.has(key),
    list(namespace) {
      if (namespace === undefined) return [...state.objects.values()];
      return this.byIndex('namespace', namespace);
    },
    byIndex(name, value) {
      const idx = state.indexes.get(name);
      if (!idx) throw new Error(`No index "${name}"; indexes: ${[...state.indexes.keys()].join(', ')}`);
      const keys = idx.get(value);
      if (!keys) return [];
      if (typeof keys === 'string') {
        const o = state.objects.get(keys);
        return o ? [o] : [];
      }
      const out: T[] = [];
      for (const k of keys) {
        const o = state.objects.get(k);
        if (o) out.push(o);
      }
      return out;
    },
    indexNames: () => [...functions.keys()],
    indexValues(name, object) {
      const fn = functions.get(name);
      if (!fn) throw new Error(`No index "${name}"; indexes: ${[...functions.keys()].join(', ')}`);
      return valuesOf(name, fn, object, false);
    },
    keys: () => state.objects.keys(),
    get size() {
      return state.objects.size;
    },
    upsert(object) {
      const key = objectKey(object);
      const previous = state.objects.get(key);
      state.objects.set(key, object);
      if (previous) reindex(state, key, previous, object);
      else index(state, key, object, true);
      return previous;
    },
    remove(key) {
      const previous = state.objects.get(key);
      if (!previous) return undefined;
      index(state, key, previous, false);
      state.objects.delete(key);
      return previous;
    },
    replace(objects) {
      // Build the new state aside, then swap it in one assignment.
      const next = emptyState();
      for (const object of objects) {
        const key = objectKey(object);
        // A key listed twice keeps its last object, and only that one's index values.
        const earlier = next.objects.get(key);
        next.objects.set(key, object);
        if (earlier) reindex(next, key, earlier, object);
        else index(next, key, object, true);
      }
      const previous = state.objects;
      state = next;
      return previous;
    },
    addIndex(name, fn) {
      const existing = functions.get(name);
      if (existing === fn) return;
      if (existing) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `Index "${name}" is already declared with another function for this kind; give one of them another name.`,
        );
      }
      functions.set(name, fn);
      const idx: Index = new Map();
      state.indexes.set(name, idx);
      for (const [key, object] of state.objects) {
        for (const value of valuesOf(name, fn, object, true)) addKey(idx, value, key);
      }
    },
  };
}
