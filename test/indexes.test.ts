import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCache } from 'operon/cache';
import { type Client, ConfigMap, createClient, loadKubeconfig, Secret } from 'operon/client';
import { controller, index, ownerKey, withControllerReference } from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager } from 'operon/manager';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

async function managerFor(namespace: string) {
  return createManager({
    config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
    namespace,
    metricsAddress: '127.0.0.1:0',
    metricsSecure: false,
    healthAddress: '127.0.0.1:0',
    gracefulShutdownMs: 5000,
    log: createLogger({ level: 'error', write: () => {} }),
  });
}

describe('index queries from a reconcile', () => {
  it('lists children by the built-in owner index and a declared index, seeing the write just made', async () => {
    await using ns = await plane.createNamespace('indexes');
    const seen = new Map<string, { byOwner: string[]; byApp: string[]; wrongName: string }>();
    const def = controller({
      name: 'index-test',
      for: ConfigMap,
      owns: [Secret],
      indexes: { byApp: index(Secret, (s) => [s.metadata?.labels?.app ?? '']) },
      async reconcile(req, ctx) {
        const parent = await ctx.get();
        if (!parent || seen.has(req.name)) return;
        // A child created now: the lists below must include it (read-your-own-writes).
        await ctx.client.create(
          Secret,
          withControllerReference(parent, {
            metadata: { name: `${req.name}-child`, namespace: ns.name, labels: { app: req.name } },
          }),
        );
        const byOwner = await ctx.reader.list(Secret, {
          namespace: req.namespace,
          index: { owner: ownerKey(parent) },
        });
        const byApp = await ctx.reader.list(Secret, { namespace: req.namespace, index: { byApp: req.name } });
        let wrongName = '';
        try {
          // @ts-expect-error: the controller declares no index "byApq"
          await ctx.reader.list(Secret, { namespace: req.namespace, index: { byApq: req.name } });
        } catch (err) {
          wrongName = (err as Error).message;
        }
        seen.set(req.name, {
          byOwner: byOwner.items.map((s) => s.metadata?.name ?? ''),
          byApp: byApp.items.map((s) => s.metadata?.name ?? ''),
          wrongName,
        });
      },
    });
    const manager = (await managerFor(ns.name)).add(def);
    const ac = new AbortController();
    const done = manager.start(ac.signal);
    try {
      // Another parent's child and an unlabelled Secret must not show up in either list.
      await client.create(Secret, { metadata: { name: 'stray', namespace: ns.name, labels: { app: 'b' } } });
      await client.create(ConfigMap, { metadata: { name: 'a', namespace: ns.name } });
      await eventually('parent a was reconciled', () => seen.has('a'));
      await client.create(ConfigMap, { metadata: { name: 'b', namespace: ns.name } });
      await eventually('parent b was reconciled', () => seen.has('b'));
      assert.deepEqual(seen.get('a')?.byOwner, ['a-child']);
      assert.deepEqual(seen.get('a')?.byApp, ['a-child']);
      assert.deepEqual(seen.get('b')?.byOwner, ['b-child'], 'the stray Secret has no owner');
      assert.deepEqual(seen.get('b')?.byApp.sort(), ['b-child', 'stray']);
      assert.match(seen.get('a')!.wrongName, /no index "byApq"/);
      assert.match(seen.get('a')!.wrongName, /"byApp"/, 'the error names the index the controller has');
      assert.match(seen.get('a')!.wrongName, /"owner"/);
    } finally {
      ac.abort();
      await done;
    }
  });

  it('names the indexes a kind has when asked for a field selector, and the client refuses index queries', async () => {
    await using ns = await plane.createNamespace('index-errors');
    const cache = createCache(client, { namespace: ns.name });
    cache.addIndex(Secret, 'byType', (s) => [s.type ?? '']);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    try {
      await assert.rejects(
        cache.list(Secret, { namespace: ns.name, fieldSelector: 'type=Opaque' }),
        (err: Error) =>
          /field selector/.test(err.message) && /"byType"/.test(err.message) && /"owner"/.test(err.message),
      );
      await client.create(Secret, { metadata: { name: 's', namespace: ns.name }, type: 'Opaque' });
      const listed = await cache.list(Secret, { namespace: ns.name, index: { byType: 'Opaque' } });
      assert.deepEqual(
        listed.items.map((s) => s.metadata?.name),
        ['s'],
      );
      await assert.rejects(
        client.list(Secret, { namespace: ns.name, index: { byType: 'Opaque' } }),
        /answered by the cache/,
      );
      assert.throws(
        () => cache.addIndex(Secret, 'byType', (s) => [s.metadata?.name ?? '']),
        /declared twice with different functions/,
      );
    } finally {
      ac.abort();
      await running;
    }
  });
});
