/**
 * The informer cache: `createCache()` shares one informer per resource and scope, serves reads
 * through the client's `Reader` interface, and never answers older than the client's own writes.
 */

export { type Cache, type CacheOptions, type CacheStats, createCache, type InformerScope } from './cache.ts';
export {
  compareResourceVersions,
  createInformer,
  type DeleteInfo,
  type EventHandlers,
  type Informer,
  type InformerOptions,
  type InformerStats,
} from './informer.ts';
export { multiNamespaceInformer } from './multi-namespace.ts';
export type { ReadYourWritesStats } from './read-your-writes.ts';
export { parseLabelSelector } from './selector.ts';
export {
  controllerOwnerIndex,
  createStore,
  type IndexFunction,
  keyOf,
  labelIndex,
  type OwnerLike,
  objectKey,
  ownerIndex,
  ownerKey,
  type Store,
  type StoreWriter,
} from './store.ts';
