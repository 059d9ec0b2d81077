import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '../client/client.ts';
import type { KubernetesObject } from '../client/resource.ts';
import { ConfigMap } from '../client/types/index.ts';
import { createCache } from './cache.ts';
import type { EventHandlers, Informer } from './informer.ts';
import { multiNamespaceInformer } from './multi-namespace.ts';
import { createStore } from './store.ts';

/** An informer over a fixed store, whose handlers a test can count. */
function fakeInformer(namespace: string, names: string[], resourceVersion: string) {
  const store = createStore<KubernetesObject>();
  for (const name of names) store.upsert({ kind: 'ConfigMap', metadata: { name, namespace } });
  const handlers = new Set<EventHandlers<KubernetesObject>>();
  const informer = {
    type: ConfigMap,
    store,
    synced: true,
    start: async () => {},
    waitForSync: async () => {},
    addHandlers(h: EventHandlers<KubernetesObject>) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    waitFor: async (key: string, check: (o: KubernetesObject | undefined) => boolean) =>
      check(store.get(key)),
    stats: () => ({ objects: store.size, resourceVersion, unhealthySince: 0, lastEventAt: 0 }) as never,
    approximateBytes: () => 10,
  } as unknown as Informer<KubernetesObject>;
  return { informer, handlers };
}

describe('an informer over several namespaces', () => {
  const a = fakeInformer('a', ['x', 'y'], '12');
  const b = fakeInformer('b', ['x'], '9');
  const joined = multiNamespaceInformer(
    new Map([
      ['a', a.informer],
      ['b', b.informer],
    ]),
  );

  it('reads as one store: by key from the right namespace, lists all or one, never another namespace', async () => {
    assert.equal(joined.store.size, 3);
    assert.equal(joined.store.get('b/x')?.metadata?.namespace, 'b');
    assert.equal(joined.store.get('c/x'), undefined);
    assert.equal(joined.store.has('a/y'), true);
    assert.deepEqual(
      joined.store
        .list()
        .map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`)
        .sort(),
      ['a/x', 'a/y', 'b/x'],
    );
    assert.equal(joined.store.list('a').length, 2);
    assert.deepEqual(joined.store.list('c'), []);
    assert.deepEqual([...joined.store.keys()].sort(), ['a/x', 'a/y', 'b/x']);
    assert.equal(await joined.waitFor('c/x', (o) => o === undefined, 10), true);
  });

  it('hooks handlers into every namespace and unhooks them all', () => {
    const off = joined.addHandlers({});
    assert.equal(a.handlers.size + b.handlers.size, 2);
    off();
    assert.equal(a.handlers.size + b.handlers.size, 0);
  });

  it('reports the oldest resourceVersion, so a wait for it holds in every namespace', () => {
    assert.equal(joined.stats().resourceVersion, '9');
    assert.equal(joined.stats().objects, 3);
    assert.equal(joined.approximateBytes(), 20);
  });
});

describe('the cache namespaces option', () => {
  const client = { onWrite: () => () => {} } as unknown as Client;
  it('rejects an empty list, a bad name, and namespace with namespaces', () => {
    assert.throws(() => createCache(client, { namespaces: [] }), /at least one namespace/);
    assert.throws(() => createCache(client, { namespaces: ['Bad_Name'] }), /not a namespace name/);
    assert.throws(() => createCache(client, { namespace: 'a', namespaces: ['b'] }), /not both/);
  });

  it('makes one informer per namespace for a namespaced kind, and refuses reads elsewhere', async () => {
    const made: Array<string | undefined> = [];
    const cache = createCache(
      client,
      { namespaces: ['a', 'b', 'a'] },
      {
        createInformer: ((_c: Client, _t: unknown, o: { namespace?: string }) => {
          made.push(o.namespace);
          return fakeInformer(o.namespace ?? '', [], '1').informer;
        }) as never,
      },
    );
    cache.informerFor(ConfigMap);
    assert.deepEqual(made, ['a', 'b']);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    await assert.rejects(
      cache.get(ConfigMap, 'x', { namespace: 'c' }),
      /watches only the namespaces "a", "b"/,
    );
    ac.abort();
    await running;
  });
});
