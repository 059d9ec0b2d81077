/**
 * Predicates filter the events that reach a controller's queue: `generationChanged` (spec
 * changes only), `labelsChanged`, `annotationsChanged`, and the combinators `and`, `or`, `not`.
 */

import type { KubernetesObject } from '../client/resource.ts';

/** A watch event as predicates see it. `old` is set for updates. */
export interface PredicateEvent<T extends KubernetesObject = KubernetesObject> {
  type: 'create' | 'update' | 'delete';
  object: T;
  old?: T | undefined;
}

/** Decides whether an event should reconcile. A predicate that throws is logged and counts as true. */
export type Predicate<T extends KubernetesObject = KubernetesObject> = (event: PredicateEvent<T>) => boolean;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});

/**
 * Updates pass only when `metadata.generation` changed, that is when the spec changed; status-only
 * and metadata-only updates are dropped. Create and delete always pass. Kinds without a
 * generation (ConfigMap) always pass.
 */
export const generationChanged: Predicate = (e) =>
  e.type !== 'update' ||
  e.object.metadata?.generation === undefined ||
  e.object.metadata.generation !== e.old?.metadata?.generation;

/** Updates pass only when labels changed. */
export const labelsChanged: Predicate = (e) =>
  e.type !== 'update' || !sameJson(e.object.metadata?.labels, e.old?.metadata?.labels);

/** Updates pass only when annotations changed. */
export const annotationsChanged: Predicate = (e) =>
  e.type !== 'update' || !sameJson(e.object.metadata?.annotations, e.old?.metadata?.annotations);

/** Updates pass only when the resourceVersion changed (drops the no-op updates of a relist). */
export const resourceVersionChanged: Predicate = (e) =>
  e.type !== 'update' || e.object.metadata?.resourceVersion !== e.old?.metadata?.resourceVersion;

/** Passes when every predicate passes. */
export function and<T extends KubernetesObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return (e) => predicates.every((p) => p(e));
}

/** Passes when any predicate passes. */
export function or<T extends KubernetesObject>(...predicates: Predicate<T>[]): Predicate<T> {
  return (e) => predicates.some((p) => p(e));
}

/** Passes when the predicate does not. */
export function not<T extends KubernetesObject>(predicate: Predicate<T>): Predicate<T> {
  return (e) => !predicate(e);
}

/** Passes events of these types only, e.g. `onlyEvents('create', 'delete')`. */
export function onlyEvents(...types: PredicateEvent['type'][]): Predicate {
  return (e) => types.includes(e.type);
}
