import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '../client/resource.ts';
import { createStore, ownerKey } from './store.ts';

const job = (
  name: string,
  owner?: { kind: string; name: string; controller?: boolean },
): KubernetesObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name,
    namespace: 'ns',
    ...(owner
      ? {
          ownerReferences: [
            {
              apiVersion: 'example.com/v1',
              kind: owner.kind,
              name: owner.name,
              uid: `${owner.kind}-${owner.name}`,
              ...(owner.controller === false ? {} : { controller: true }),
            },
          ],
        }
      : {}),
  },
});

describe('store indexes', () => {
  it('moves a key between index values on update, only for the values that changed', () => {
    const tagged = (name: string, tags: string[]): KubernetesObject => ({
      ...job(name),
      metadata: { name, namespace: 'ns', labels: Object.fromEntries(tags.map((t) => [t, 'x'])) },
    });
    const store = createStore<KubernetesObject>({ tag: (o) => Object.keys(o.metadata?.labels ?? {}) });
    const names = (tag: string) =>
      store
        .byIndex('tag', tag)
        .map((o) => o.metadata?.name)
        .sort();
    store.upsert(tagged('a', ['red', 'blue']));
    store.upsert(tagged('b', ['red']));
    store.upsert(tagged('a', ['red', 'green'])); // blue -> green, red kept
    assert.deepEqual(names('red'), ['a', 'b']);
    assert.deepEqual(names('blue'), []);
    assert.deepEqual(names('green'), ['a']);
    // Many values (the Set path): half kept, half replaced.
    const many = Array.from({ length: 20 }, (_, i) => `t${i}`);
    store.upsert(tagged('c', many));
    store.upsert(tagged('c', [...many.slice(10), ...Array.from({ length: 10 }, (_, i) => `u${i}`)]));
    assert.deepEqual(names('t0'), []);
    assert.deepEqual(names('t15'), ['c']);
    assert.deepEqual(names('u3'), ['c']);
    assert.deepEqual(
      store
        .byIndex('namespace', 'ns')
        .map((o) => o.metadata?.name)
        .sort(),
      ['a', 'b', 'c'],
    );
    store.remove('ns/c');
    assert.deepEqual(names('u3'), []);
    assert.deepEqual(names('t15'), []);
  });

  it('finds children by controller owner kind and name, not by a plain owner reference or a namesake of another kind', () => {
    const store = createStore();
    store.upsert(job('a', { kind: 'CronJob', name: 'nightly' }));
    store.upsert(job('b', { kind: 'Backup', name: 'nightly' }));
    store.upsert(job('c', { kind: 'CronJob', name: 'nightly', controller: false }));
    store.upsert(job('d'));
    const key = ownerKey({ apiVersion: 'example.com/v1', kind: 'CronJob', metadata: { name: 'nightly' } });
    assert.equal(key, 'example.com/CronJob/nightly');
    assert.deepEqual(
      store.byIndex('owner', key).map((o) => o.metadata?.name),
      ['a'],
    );
    assert.equal(ownerKey({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }), '/ConfigMap/x');
  });

  it('fills an index added later from the objects held, and refuses a second function under one name', () => {
    const store = createStore();
    store.upsert(job('a'));
    store.upsert(job('b'));
    const byName = (o: KubernetesObject) => [o.metadata?.name === 'a' ? 'first' : 'other'];
    store.addIndex('byName', byName);
    store.addIndex('byName', byName);
    assert.deepEqual(
      store.byIndex('byName', 'first').map((o) => o.metadata?.name),
      ['a'],
    );
    store.upsert(job('a2'));
    store.remove('ns/a');
    assert.deepEqual(
      store.byIndex('byName', 'other').map((o) => o.metadata?.name),
      ['b', 'a2'],
    );
    assert.deepEqual(store.indexNames(), ['namespace', 'owner', 'byName']);
    assert.throws(() => store.addIndex('byName', () => []), /already declared with another function/);
    assert.throws(() => store.addIndex('owner', () => []), /already declared/);
  });

  it('keeps an index added later across a relist', () => {
    const store = createStore();
    store.addIndex('all', () => ['x']);
    store.replace([job('a'), job('b')]);
    assert.equal(store.byIndex('all', 'x').length, 2);
  });

  it('a relist that names one key twice keeps the last object, in the indexes too', () => {
    const labelled = (tag: string): KubernetesObject => ({
      ...job('a'),
      metadata: { name: 'a', namespace: 'ns', labels: { [tag]: 'x' } },
    });
    const store = createStore<KubernetesObject>({ tag: (o) => Object.keys(o.metadata?.labels ?? {}) });
    store.replace([labelled('old'), labelled('new')]);
    assert.equal(store.size, 1);
    assert.deepEqual(Object.keys(store.get('ns/a')?.metadata?.labels ?? {}), ['new']);
    assert.deepEqual(store.byIndex('tag', 'old'), [], 'the first copy left no index value behind');
    assert.equal(store.byIndex('tag', 'new').length, 1);
  });
});
