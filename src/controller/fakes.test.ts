// Fakes shared by the controller's unit tests, and the test that they behave as informers do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventHandlers } from '../cache/informer.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { resourceType } from '../client/resource.ts';

/** A cluster-scoped primary kind (like a Namespace or a ClusterRole). */
export const Tenant = resourceType({
  group: 'example.operon.dev',
  version: 'v1',
  kind: 'Tenant',
  plural: 'tenants',
  namespaced: false,
});
/** A namespaced primary kind. */
export const WebApp = resourceType({
  group: 'example.operon.dev',
  version: 'v1',
  kind: 'WebApp',
  plural: 'webapps',
  namespaced: true,
});
/** A namespaced child kind in the core group. */
export const Child = resourceType({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
});
/** Another watched kind. */
export const Pointer = resourceType({
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
});

/** Informers whose events a test fires by hand, and a cache whose get() reads a map. */
export function fakeInformers() {
  const handlers = new Map<string, Set<EventHandlers<KubernetesObject>>>();
  const objects = new Map<string, KubernetesObject>();
  const of = (type: ResourceType) => {
    const key = `${type.group}/${type.kind}`;
    let set = handlers.get(key);
    if (!set) {
      set = new Set();
      handlers.set(key, set);
    }
    return set;
  };
  return {
    informerFor<T extends KubernetesObject>(type: ResourceType<T>) {
      return {
        addHandlers(h: EventHandlers<T>) {
          const set = of(type);
          set.add(h as EventHandlers<KubernetesObject>);
          return () => set.delete(h as EventHandlers<KubernetesObject>);
        },
      };
    },
    async get(type: ResourceType, name: string, o: { namespace?: string | undefined } = {}) {
      return objects.get(`${type.kind}/${o.namespace ?? ''}/${name}`);
    },
    objects,
    handlerCount: (type: ResourceType) => of(type).size,
    add(type: ResourceType, object: KubernetesObject, initial = false) {
      for (const h of of(type)) h.add?.(object, { initial });
    },
    update(type: ResourceType, old: KubernetesObject, object: KubernetesObject) {
      for (const h of of(type)) h.update?.(old, object);
    },
    delete(type: ResourceType, object: KubernetesObject) {
      for (const h of of(type)) h.delete?.(object, { missed: false });
    },
  };
}

export function obj(
  kind: string,
  name: string,
  namespace?: string,
  extra: { labels?: Record<string, string>; owner?: { apiVersion: string; kind: string; name: string } } = {},
): KubernetesObject {
  return {
    kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.owner
        ? { ownerReferences: [{ ...extra.owner, uid: `uid-${extra.owner.name}`, controller: true }] }
        : {}),
    },
  };
}

describe('fake informers', () => {
  it('deliver each event to every handler of its kind only, until unhooked', () => {
    const informers = fakeInformers();
    const seen: string[] = [];
    const off = informers.informerFor(Child).addHandlers({
      add: (o, { initial }) => seen.push(`add ${o.metadata?.name} ${initial}`),
      update: (_old, o) => seen.push(`update ${o.metadata?.name}`),
      delete: (o) => seen.push(`delete ${o.metadata?.name}`),
    });
    informers.add(Child, obj('ConfigMap', 'a', 'ns'), true);
    informers.add(Pointer, obj('Secret', 'b', 'ns'));
    informers.update(Child, obj('ConfigMap', 'a', 'ns'), obj('ConfigMap', 'a', 'ns'));
    informers.delete(Child, obj('ConfigMap', 'a', 'ns'));
    off();
    informers.add(Child, obj('ConfigMap', 'c', 'ns'));
    assert.deepEqual(seen, ['add a true', 'update a', 'delete a']);
  });
});
