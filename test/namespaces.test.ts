import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { controller } from 'operon/controller';
import { rbacManifests } from 'operon/generate';
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

describe('a cache scoped to several namespaces', () => {
  it('sees and reconciles those namespaces only, as the generated ServiceAccount with one Role in each', async () => {
    await using a = await plane.createNamespace('scope-a');
    await using b = await plane.createNamespace('scope-b');
    await using c = await plane.createNamespace('scope-c');
    await using outside = await plane.createNamespace('scope-out');
    await using home = await plane.createNamespace('scope-op');
    const watched = [a.name, b.name, c.name];
    const reconciled = new Set<string>();
    const configs = controller({
      name: 'configs',
      for: ConfigMap,
      async reconcile(req, ctx) {
        const cm = await ctx.get();
        if (cm) reconciled.add(`${req.namespace}/${req.name}`);
      },
    });
    const name = `scoped-${randomBytes(3).toString('hex')}`;
    const docs = rbacManifests({
      name,
      namespace: home.name,
      watchNamespaces: watched,
      leaderElection: false,
      secureMetrics: false,
      controllers: [configs],
    }) as Array<{ apiVersion: string; kind: string }>;
    assert.ok(!docs.some((d) => d.kind === 'ClusterRole'), 'no ClusterRole when confined');
    for (const doc of docs) {
      await client.apply(await client.mapper.resourceFor(doc.apiVersion, doc.kind), doc as never, {
        force: true,
      });
    }
    for (const ns of [...watched, outside.name]) {
      await client.create(ConfigMap, { metadata: { name: 'probe', namespace: ns } });
    }
    const responses: Array<{ method: string; path: string; status: number }> = [];
    const config = await loadKubeconfig({ kubeconfig: plane.kubeconfig.path });
    const manager = await createManager({
      config: {
        ...config,
        impersonate: {
          user: `system:serviceaccount:${home.name}:${name}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${home.name}`, 'system:authenticated'],
        },
      },
      clientOptions: { onResponse: (method, path, status) => responses.push({ method, path, status }) },
      namespaces: watched,
      metricsAddress: false,
      healthAddress: false,
      gracefulShutdownMs: 5000,
      log: createLogger({ level: 'error', write: () => {} }),
    });
    manager.add(configs);
    const ac = new AbortController();
    const done = manager.start(ac.signal);
    try {
      await eventually('each watched probe reconciled', () =>
        watched.every((ns) => reconciled.has(`${ns}/probe`)),
      );
      // A change after start, in one watched namespace and outside.
      await client.create(ConfigMap, { metadata: { name: 'later', namespace: b.name } });
      await client.create(ConfigMap, { metadata: { name: 'later', namespace: outside.name } });
      await eventually('the later one reconciled', () => reconciled.has(`${b.name}/later`));
      // One store view for readers: all three namespaces, none other.
      const listed = await manager.cache.list(ConfigMap);
      const namespaces = new Set(listed.items.map((i) => i.metadata?.namespace));
      assert.deepEqual([...namespaces].sort(), [...watched].sort());
      assert.ok((await manager.cache.list(ConfigMap, { namespace: b.name })).items.length >= 2);
      await assert.rejects(
        manager.cache.get(ConfigMap, 'probe', { namespace: outside.name }),
        /watches only the namespaces/,
      );
      // One watch per namespace.
      const scopes = manager.cache
        .stats()
        .filter((s) => s.type === 'v1/ConfigMap')
        .map((s) => s.scope.split('|')[0]);
      assert.deepEqual(scopes.sort(), [...watched].sort());
    } finally {
      ac.abort();
      await done;
    }
    assert.ok(![...reconciled].some((k) => k.startsWith(`${outside.name}/`)), [...reconciled].join(', '));
    assert.ok(
      !responses.some((r) => r.path.includes(`/namespaces/${outside.name}/`)),
      'nothing was ever asked of the fourth namespace',
    );
    assert.ok(
      !responses.some((r) => r.path.startsWith('/api/v1/configmaps')),
      'no cluster-wide list or watch',
    );
    const denied = responses.filter((r) => r.status === 403);
    assert.deepEqual(denied, [], 'the generated Roles suffice');
  });
});
