/**
 * Indexes a controller declares: `index(Job, (job) => [...])` under a name in the controller's
 * `indexes`, queried in a reconcile as `ctx.reader.list(Job, { index: { name: value } })`.
 */

import type { Cache } from '../cache/cache.ts';
import type { ListOptions, ObjectList, Reader } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';

/** One index: the kind it indexes and the values it gives each object of that kind. */
export interface IndexDeclaration<U extends KubernetesObject = KubernetesObject> {
  readonly resource: ResourceType<U>;
  readonly values: (object: U) => readonly string[];
}

/** A controller's indexes by name. */
// biome-ignore lint/suspicious/noExplicitAny: each index has a kind of its own
export type IndexDeclarations = Readonly<Record<string, IndexDeclaration<any>>>;

/**
 * Declares an index of `resource`: `values` gives each object the keys it is found under (none
 * leaves it out). It runs on every stored object of the kind, so keep it cheap; one that throws
 * leaves that object out of the index and is reported.
 */
export function index<U extends KubernetesObject>(
  resource: ResourceType<U>,
  values: (object: U) => readonly string[],
): IndexDeclaration<U> {
  return { resource, values };
}

/**
 * The index names a query may use: the controller's own, and the built-in `namespace` and
 * `owner` (the controller owner, `ownerKey(owner)`).
 */
export type IndexQuery<N extends string = string> = { readonly [K in N | 'owner' | 'namespace']?: string };

/** List options whose `index` names only indexes the caller has. */
export type IndexedListOptions<N extends string = string> = Omit<ListOptions, 'index'> & {
  index?: IndexQuery<N> | undefined;
};

/** The reconcile's Reader: the cache's, with index queries checked against the declared names. */
export interface IndexedReader<N extends string = string> extends Pick<Reader, 'get'> {
  list<T extends KubernetesObject>(
    type: ResourceType<T>,
    options?: IndexedListOptions<N>,
  ): Promise<ObjectList<T>>;
}

/** Declares each index on the cache; two controllers may share one only with the same function. */
export function declareIndexes(cache: Cache, indexes: IndexDeclarations | undefined): void {
  for (const [name, declaration] of Object.entries(indexes ?? {})) {
    cache.addIndex(declaration.resource, name, declaration.values);
  }
}
