import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCache } from 'operon/cache';
import {
  type Client,
  ConfigMap,
  createClient,
  Deployment,
  isNotFound,
  loadKubeconfig,
  Pod,
  type ResourceType,
  type WriteRecord,
} from 'operon/client';
import { type ControlPlane, eventually, startFaultProxy, useControlPlane } from 'operon/testing';

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
    fieldManager: 'ryw-test',
  });
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

/** Records what the client reports of its writes. */
function recordWrites(c: Client): { writes: WriteRecord[]; stop: () => void } {
  const writes: WriteRecord[] = [];
  const stop = c.onWrite((w) => writes.push(w));
  return { writes, stop };
}

const unscheduledPod = (name: string, namespace: string) => ({
  metadata: { name, namespace },
  // No scheduler picks it up, so nothing holds its deletion.
  spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'example.com/none' }] },
});

describe('what the client reports of its writes', () => {
  it('reports no dry-run write, and every real one with the resourceVersion it made', async () => {
    await using ns = await plane.createNamespace('dry-run');
    const { writes, stop } = recordWrites(client);
    try {
      const o = { namespace: ns.name, dryRun: true };
      await client.create(ConfigMap, { metadata: { name: 'dry', namespace: ns.name } }, { dryRun: true });
      await client.apply(ConfigMap, { metadata: { name: 'dry', namespace: ns.name } }, o);
      const real = await client.create(ConfigMap, { metadata: { name: 'real', namespace: ns.name } });
      await client.patch(ConfigMap, 'real', { data: { a: '1' } }, o);
      await client.replace(ConfigMap, { ...real, data: { b: '2' } }, { dryRun: true });
      await client.delete(ConfigMap, 'real', o);
      assert.deepEqual(
        writes.map((w) => [w.name, w.resourceVersion, w.deleted]),
        [['real', real.metadata?.resourceVersion, false]],
        'only the real create was reported',
      );
      assert.ok(await client.get(ConfigMap, 'real', { namespace: ns.name }), 'the dry-run delete left it');
    } finally {
      stop();
    }
  });

  it('reports scale.replace as a write of the object, so the cache shows it at once', async () => {
    await using ns = await plane.createNamespace('scale');
    const deployment = await client.create(Deployment, {
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'example.com/web' }] },
        },
      },
    });
    const cache = createCache(client, { namespace: ns.name });
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    const { writes, stop } = recordWrites(client);
    try {
      await cache.get(Deployment, 'web', { namespace: ns.name });
      // Without a resourceVersion: the controller-manager is writing the Deployment's status.
      const scaled = await client.scale.replace(
        Deployment,
        { metadata: { name: 'web', namespace: ns.name }, spec: { replicas: 3 } },
        { namespace: ns.name },
      );
      assert.equal(writes.length, 1, 'the scale write was reported');
      assert.equal(writes[0]?.name, 'web');
      assert.equal(writes[0]?.type, Deployment);
      assert.equal(writes[0]?.resourceVersion, scaled.metadata?.resourceVersion);
      assert.notEqual(scaled.metadata?.resourceVersion, deployment.metadata?.resourceVersion);
      const read = await cache.get(Deployment, 'web', { namespace: ns.name });
      assert.equal(read.spec?.replicas, 3, 'the cached read shows the new scale');
    } finally {
      stop();
      ac.abort();
      await running;
    }
  });
});

describe('client.delete() says whether the object is gone', () => {
  it('a Pod deleted at once comes back as the object, and is reported gone', async () => {
    await using ns = await plane.createNamespace('delete-pod');
    await client.create(Pod, unscheduledPod('p', ns.name) as never);
    const { writes, stop } = recordWrites(client);
    try {
      const result = await client.delete(Pod, 'p', { namespace: ns.name });
      assert.equal(result, undefined, 'gone');
      await assert.rejects(client.get(Pod, 'p', { namespace: ns.name }), isNotFound);
      assert.equal(writes.length, 1);
      assert.equal(writes[0]?.deleted, true);
      assert.ok(writes[0]?.resourceVersion, 'with the resourceVersion of the deletion');
      assert.ok(writes[0]?.uid);
    } finally {
      stop();
    }
  });

  it('an object held by a finalizer comes back with its deletionTimestamp, not gone', async () => {
    await using ns = await plane.createNamespace('delete-finalizer');
    for (const [kind, object] of [
      [ConfigMap, { metadata: { name: 'held', namespace: ns.name, finalizers: ['example.com/hold'] } }],
      [
        Pod,
        {
          ...unscheduledPod('held', ns.name),
          metadata: { name: 'held', namespace: ns.name, finalizers: ['example.com/hold'] },
        },
      ],
    ] as const) {
      const type = kind as ResourceType;
      await client.create(type, object as never);
      const { writes, stop } = recordWrites(client);
      try {
        const result = await client.delete(type, 'held', { namespace: ns.name });
        assert.ok(result, `${type.kind}: still there`);
        assert.ok(result.metadata?.deletionTimestamp);
        assert.equal(writes[0]?.deleted, false, 'reported as a write, not a delete');
        assert.equal(writes[0]?.resourceVersion, result.metadata?.resourceVersion);
        // Deleting again while it terminates says the same.
        assert.ok(await client.delete(type, 'held', { namespace: ns.name }));
      } finally {
        stop();
      }
      await client.patch(type, 'held', { metadata: { finalizers: null } }, { namespace: ns.name });
    }
  });

  it('a ConfigMap deleted at once (answered with a Status) is gone', async () => {
    await using ns = await plane.createNamespace('delete-cm');
    const created = await client.create(ConfigMap, { metadata: { name: 'c', namespace: ns.name } });
    const { writes, stop } = recordWrites(client);
    try {
      assert.equal(await client.delete(ConfigMap, 'c', { namespace: ns.name }), undefined);
      assert.equal(writes[0]?.deleted, true);
      assert.equal(writes[0]?.uid, created.metadata?.uid, 'with the uid from the Status');
    } finally {
      stop();
    }
  });
});

describe('read-your-writes against a real API server', () => {
  it('after a read fell back to the API server, the next cached read still shows the write', async () => {
    await using ns = await plane.createNamespace('ryw-fallback');
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    const viaProxy = createClient({ ...client.config, server: proxy.url });
    // The watch goes through the proxy; writes and the fallback reads go straight to the server.
    const cacheClient: Client = { ...viaProxy, onWrite: client.onWrite, get: client.get, list: client.list };
    const cache = createCache(cacheClient, { namespace: ns.name, readYourWritesTimeoutMs: 300 });
    const informer = cache.informerFor(ConfigMap);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    try {
      await cache.waitForSync();
      await client.apply(ConfigMap, { metadata: { name: 'c', namespace: ns.name }, data: { v: '1' } });
      assert.deepEqual((await cache.get(ConfigMap, 'c', { namespace: ns.name })).data, { v: '1' });
      // The watch goes silent; our next write is not delivered.
      proxy.pause();
      await client.apply(ConfigMap, { metadata: { name: 'c', namespace: ns.name }, data: { v: '2' } });
      await client.delete(ConfigMap, 'gone', { namespace: ns.name }).catch(() => undefined);
      for (let i = 0; i < 3; i++) {
        const read = await cache.get(ConfigMap, 'c', { namespace: ns.name });
        assert.deepEqual(read.data, { v: '2' }, `read ${i} shows the write`);
        const listed = await cache.list(ConfigMap, { namespace: ns.name });
        assert.deepEqual(listed.items.find((c) => c.metadata?.name === 'c')?.data, { v: '2' });
      }
      assert.deepEqual(informer.store.get(`${ns.name}/c`)?.data, { v: '1' }, 'the informer is still behind');
      assert.ok(cache.readYourWrites.fellBack >= 2);
      proxy.resume();
      proxy.cutAll();
      await eventually('the informer catches up', () => informer.store.get(`${ns.name}/c`)?.data?.v === '2');
      const fellBack = cache.readYourWrites.fellBack;
      assert.deepEqual((await cache.get(ConfigMap, 'c', { namespace: ns.name })).data, { v: '2' });
      assert.equal(cache.readYourWrites.fellBack, fellBack, 'caught up: the cache answers itself');
      assert.equal(cache.readYourWrites.pending, 0, 'and has forgotten the write');
    } finally {
      ac.abort();
      await running;
      await viaProxy.close();
    }
  });

  it('a cached get after our delete of a Pod does not return the Pod', async () => {
    await using ns = await plane.createNamespace('ryw-delete');
    const cache = createCache(client, { namespace: ns.name });
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    try {
      for (let i = 0; i < 10; i++) {
        await client.create(Pod, unscheduledPod(`p${i}`, ns.name) as never);
        await cache.get(Pod, `p${i}`, { namespace: ns.name });
        assert.equal(await client.delete(Pod, `p${i}`, { namespace: ns.name }), undefined);
        await assert.rejects(cache.get(Pod, `p${i}`, { namespace: ns.name }), isNotFound);
        const listed = await cache.list(Pod, { namespace: ns.name });
        assert.ok(!listed.items.some((p) => p.metadata?.name === `p${i}`));
      }
      assert.equal(cache.readYourWrites.fellBack, 0);
    } finally {
      ac.abort();
      await running;
    }
  });
});
