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
});
