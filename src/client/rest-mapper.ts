/**
 * Maps an apiVersion and kind to its REST location through discovery: `createRestMapper()` asks
 * `/api/v1` or `/apis/<group>/<version>` once per group-version and caches the answer, refreshing
 * it once on a miss (a CRD may have been installed since).
 */

import { ErrorCode, OperonError } from '../errors.ts';
import { isNotFound } from './api-error.ts';
import { type ResourceType, resourceType } from './resource.ts';
import type { Transport } from './transport.ts';

interface DiscoveryList {
  resources: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[] }>;
}

export interface RestMapper {
  /** The ResourceType for `apps/v1` + `Deployment`; throws `UnknownKind` with the kinds that exist. */
  resourceFor(apiVersion: string, kind: string): Promise<ResourceType>;
  /** Forget what discovery said (after installing CRDs, say). */
  reset(): void;
}

export function createRestMapper(transport: Pick<Transport, 'json'>): RestMapper {
  const cache = new Map<string, Promise<Map<string, ResourceType>>>();

  function load(apiVersion: string): Promise<Map<string, ResourceType>> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const promise = transport
      .json<DiscoveryList>({ method: 'GET', path })
      .then((list) => {
        const byKind = new Map<string, ResourceType>();
        const subresources = new Map<string, string[]>();
        for (const r of list.resources) {
          const [plural, sub] = r.name.split('/', 2);
          if (sub) subresources.set(plural!, [...(subresources.get(plural!) ?? []), sub]);
        }
        for (const r of list.resources) {
          if (r.name.includes('/')) continue;
          byKind.set(
            r.kind,
            resourceType({
              group: group!,
              version: version!,
              kind: r.kind,
              plural: r.name,
              namespaced: r.namespaced,
              subresources: (subresources.get(r.name) ?? []).sort(),
            }),
          );
        }
        return byKind;
      })
      .catch((err: unknown) => {
        cache.delete(apiVersion);
        if (isNotFound(err)) return new Map<string, ResourceType>();
        throw err;
      });
    cache.set(apiVersion, promise);
    return promise;
  }

  return {
    async resourceFor(apiVersion, kind) {
      let known = await (cache.get(apiVersion) ?? load(apiVersion));
      let found = known.get(kind);
      if (!found) {
        known = await load(apiVersion);
        found = known.get(kind);
      }
      if (found) return found;
      const kinds = [...known.keys()].sort();
      throw new OperonError(
        ErrorCode.UnknownKind,
        kinds.length > 0
          ? `The API server does not serve kind "${kind}" in ${apiVersion}. Kinds it serves there: ${kinds.join(', ')}. Check the spelling, or install the CRD that defines it.`
          : `The API server does not serve ${apiVersion} at all. Check the apiVersion, or install the CRD that defines "${kind}".`,
      );
    },
    reset: () => cache.clear(),
  };
}
