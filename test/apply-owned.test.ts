import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCache } from 'operon/cache';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { applyOwned } from 'operon/controller';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';

let plane: ControlPlane;
let client: Client;
const patches: string[] = [];

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
    onResponse: (method, path) => {
      if (method === 'PATCH') patches.push(path);
    },
  });
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

/** A running cache in `namespace` and an owner ConfigMap; the reconcile context's reader is such a cache. */
async function setUp(namespace: string) {
  const owner = await client.create(ConfigMap, { metadata: { name: 'owner', namespace } });
  const cache = createCache(client, { namespace });
  const ac = new AbortController();
  const running = cache.start(ac.signal);
  cache.informerFor(ConfigMap);
  await cache.waitForSync();
  const ctx = { fieldManager: 'apply-owned-test', reader: cache };
  return {
    owner,
    ctx,
    async [Symbol.asyncDispose]() {
      ac.abort();
      await running;
    },
  };
}

describe('applyOwned()', () => {
  it('removes a label and a field the controller stopped setting', async () => {
    await using ns = await plane.createNamespace('prune');
    await using env = await setUp(ns.name);
    await applyOwned(
      client,
      env.owner,
      ConfigMap,
      { metadata: { name: 'child', labels: { a: '1', keep: 'yes' } }, data: { x: '1', y: '2' } },
      env.ctx,
    );
    // Reconciled again: the desired state no longer has label `a` nor field `x`.
    await applyOwned(
      client,
      env.owner,
      ConfigMap,
      { metadata: { name: 'child', labels: { keep: 'yes' } }, data: { y: '2' } },
      env.ctx,
    );
    const child = await client.get(ConfigMap, 'child', { namespace: ns.name });
    assert.deepEqual(child.metadata?.labels, { keep: 'yes' }, 'label a is gone on the server');
    assert.deepEqual(child.data, { y: '2' }, 'field x is gone on the server');
    assert.equal(child.metadata?.ownerReferences?.[0]?.uid, env.owner.metadata?.uid);
  });

  it('sends no request for a true no-op, and applies again when someone changed a field it owns', async () => {
    await using ns = await plane.createNamespace('noop');
    await using env = await setUp(ns.name);
    const desired = { metadata: { name: 'child', labels: { app: 'web' } }, data: { x: '1' } };
    const before = patches.length;
    await applyOwned(client, env.owner, ConfigMap, desired, env.ctx);
    assert.equal(patches.length - before, 1, 'the first reconcile applies');
    for (let i = 0; i < 5; i++) {
      const child = await applyOwned(client, env.owner, ConfigMap, structuredClone(desired), env.ctx);
      assert.deepEqual(child.data, { x: '1' });
    }
    assert.equal(patches.length - before, 1, 'five no-op reconciles sent no request');
    // Someone else changes a value the controller owns: the next reconcile puts it back.
    const other = createClient(client.config, { fieldManager: 'someone-else' });
    try {
      await other.patch(ConfigMap, 'child', { data: { x: 'changed' } }, { namespace: ns.name });
    } finally {
      await other.close();
    }
    // (A reconcile runs when the cache sees the change.)
    await eventually('the cache sees the change', async () => {
      const seen = await env.ctx.reader.get(ConfigMap, 'child', { namespace: ns.name });
      return seen.data?.x === 'changed';
    });
    const restored = await applyOwned(client, env.owner, ConfigMap, structuredClone(desired), env.ctx);
    assert.deepEqual(restored.data, { x: '1' });
    assert.equal(patches.length - before, 2, 'one apply puts it back');
  });

  it('applies again to an object deleted and re-created by someone else', async () => {
    await using ns = await plane.createNamespace('recreated');
    await using env = await setUp(ns.name);
    const desired = { metadata: { name: 'child' }, data: { x: '1' } };
    await applyOwned(client, env.owner, ConfigMap, desired, env.ctx);
    await client.delete(ConfigMap, 'child', { namespace: ns.name });
    // Re-created with the same fields, but this field manager owns none of them.
    const other = createClient(client.config, { fieldManager: 'someone-else' });
    try {
      await other.apply(ConfigMap, {
        metadata: {
          name: 'child',
          namespace: ns.name,
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              name: 'owner',
              uid: env.owner.metadata?.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        data: { x: '1' },
      });
    } finally {
      await other.close();
    }
    const before = patches.length;
    await applyOwned(client, env.owner, ConfigMap, structuredClone(desired), env.ctx);
    assert.equal(patches.length - before, 1, 'a new object (new uid) is applied, so its fields become ours');
    const child = await client.get(ConfigMap, 'child', { namespace: ns.name });
    assert.ok(child.metadata?.managedFields?.some((m) => m.manager === 'apply-owned-test'));
  });
});
