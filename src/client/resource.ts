/**
 * Resource types: a `ResourceType<T>` names a kind's REST location (group, version, plural,
 * scope) and carries its TypeScript type `T`, so `client.get(Deployment, ...)` returns a Deployment.
 */

import type { ObjectMeta } from './types/meta-v1.ts';

/** What every Kubernetes object has. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A kind's REST location and its object type. Built-in kinds are exported from `operon/client`. */
export interface ResourceType<T extends KubernetesObject = KubernetesObject> {
  /** API group; `''` for the core group. */
  readonly group: string;
  readonly version: string;
  /** `apps/v1`, or `v1` for the core group. */
  readonly apiVersion: string;
  readonly kind: string;
  /** Lower-case plural used in paths, e.g. `deployments`. */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Subresources served, e.g. `status`, `scale`. */
  readonly subresources: readonly string[];
  /** Type-level only: the object type. Never set at run time. */
  readonly __object?: T;
}

/** The object type of a ResourceType. */
export type ObjectOf<R> = R extends ResourceType<infer T> ? T : never;

/** Declares a resource type. */
export function resourceType<T extends KubernetesObject>(d: {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  subresources?: readonly string[];
}): ResourceType<T> {
  return Object.freeze({
    group: d.group,
    version: d.version,
    apiVersion: d.group === '' ? d.version : `${d.group}/${d.version}`,
    kind: d.kind,
    plural: d.plural,
    namespaced: d.namespaced,
    subresources: Object.freeze([...(d.subresources ?? [])]),
  });
}
