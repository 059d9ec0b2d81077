/**
 * Which kinds the API server serves now: `createKindTracker()` watches CustomResourceDefinitions
 * with one informer in the shared cache (no polling) and says, for each kind a controller uses,
 * whether it is served (built in, or its CRD is Established with the version served) and which
 * CRD it waits for when it is not. Listeners hear of every CRD change.
 */

import type { Cache } from '../cache/cache.ts';
import type { Informer } from '../cache/informer.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import {
  type CustomResourceDefinition as CrdObject,
  CustomResourceDefinition,
} from '../client/types/index.ts';

/**
 * API groups the kube-apiserver serves itself (and metrics.k8s.io, which metrics-server serves
 * through aggregation, not a CRD). Exact names: `gateway.networking.k8s.io` or
 * `snapshot.storage.k8s.io` are CRDs.
 */
const BUILTIN_GROUPS = new Set([
  '',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'extensions',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'metrics.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/**
 * Whether `group` is served by Kubernetes itself rather than by a CRD. A kind in any other group
 * is taken to come from a CRD: it is served only while its CRD is Established.
 */
export function isBuiltinGroup(group: string): boolean {
  return BUILTIN_GROUPS.has(group);
}

/** The CRD name of a kind: `<plural>.<group>`, e.g. `webapps.example.operon.dev`. */
export function crdNameOf(type: ResourceType): string {
  return `${type.plural}.${type.group}`;
}

/**
 * Whether `crd` is Established and serves `version`. A CRD being deleted still counts until it is
 * gone: the API server deletes its objects first, and the controller must see those deletes (and
 * remove its finalizers, or the CRD never goes).
 */
export function crdServes(crd: CrdObject | undefined, version: string): boolean {
  if (!crd) return false;
  const established = (crd.status?.conditions ?? []).some(
    (c) => c.type === 'Established' && c.status === 'True',
  );
  return established && (crd.spec?.versions ?? []).some((v) => v.name === version && v.served);
}

export interface KindTracker {
  /**
   * Makes sure CRDs are watched if any of `types` comes from a CRD, and resolves once that watch
   * has listed (at once when every type is built in, or it has already).
   */
  track(types: readonly ResourceType[], signal: AbortSignal): Promise<void>;
  /** Whether the tracker can tell for `types` (all built in, or the CRD watch has listed). */
  knows(types: readonly ResourceType[]): boolean;
  /** The CRD names among `types` that are not served now (empty: all served). */
  missing(types: readonly ResourceType[]): string[];
  /** Calls `listener` after every CRD change; returns the unsubscribe. */
  onChange(listener: () => void): () => void;
}

export function createKindTracker(cache: Cache): KindTracker {
  let informer: Informer<KubernetesObject> | undefined;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of [...listeners]) l();
  };

  return {
    async track(types, signal) {
      if (types.every((t) => isBuiltinGroup(t.group))) return;
      if (!informer) {
        informer = cache.informerFor(CustomResourceDefinition as ResourceType<KubernetesObject>);
        informer.addHandlers({ add: changed, update: changed, delete: changed });
      }
      await informer.waitForSync(signal);
    },
    knows(types) {
      return types.every((t) => isBuiltinGroup(t.group)) || informer?.synced === true;
    },
    missing(types) {
      const out = new Set<string>();
      for (const t of types) {
        if (isBuiltinGroup(t.group)) continue;
        const crd = informer?.synced
          ? (informer.store.get(crdNameOf(t)) as CrdObject | undefined)
          : undefined;
        if (!crdServes(crd, t.version)) out.add(crdNameOf(t));
      }
      return [...out];
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
