import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Client,
  ConfigMap,
  createClient,
  Deployment,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isInvalid,
  isNotFound,
  loadKubeconfig,
  resourceType,
} from 'operon/client';
import { type ControlPlane, useControlPlane } from 'operon/testing';
import { stringify } from 'yaml';

interface Widget {
  apiVersion?: 'client-test.operon.dev/v1';
  kind?: 'Widget';
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; generation?: number };
  spec?: { size?: number };
  status?: { observed?: number };
}
const Widget = resourceType<Widget>({
  group: 'client-test.operon.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
  subresources: ['status'],
});

const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.client-test.operon.dev' },
  spec: {
    group: 'client-test.operon.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: { type: 'object', properties: { observed: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
};

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane({ crds: [WIDGET_CRD] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
    fieldManager: 'client-test',
  });
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

describe('the client against a real API server', () => {
  it('creates, reads, replaces, patches and deletes a ConfigMap', async () => {
    await using ns = await plane.createNamespace('crud');
    const created = await client.create(ConfigMap, {
      metadata: { name: 'c', namespace: ns.name },
      data: { a: '1' },
    });
    assert.equal(created.kind, 'ConfigMap');
    assert.ok(created.metadata?.uid);
    const got = await client.get(ConfigMap, 'c', { namespace: ns.name });
    assert.deepEqual(got.data, { a: '1' });

    const replaced = await client.replace(ConfigMap, { ...got, data: { a: '2' } });
    assert.deepEqual(replaced.data, { a: '2' });
    assert.notEqual(replaced.metadata?.resourceVersion, got.metadata?.resourceVersion);

    const merged = await client.patch(ConfigMap, 'c', { data: { b: '3' } }, { namespace: ns.name });
    assert.deepEqual(merged.data, { a: '2', b: '3' });
    const jsonPatched = await client.patch(ConfigMap, 'c', [{ op: 'remove', path: '/data/a' }], {
      namespace: ns.name,
      type: 'json',
    });
    assert.deepEqual(jsonPatched.data, { b: '3' });

    await assert.rejects(
      client.create(ConfigMap, { metadata: { name: 'c', namespace: ns.name } }),
      isAlreadyExists,
    );
    assert.equal(await client.delete(ConfigMap, 'c', { namespace: ns.name }), undefined);
    await assert.rejects(client.get(ConfigMap, 'c', { namespace: ns.name }), isNotFound);
  });

  it('pages through 2,000 objects with limit and continue', async () => {
    await using ns = await plane.createNamespace('paging');
    const names = Array.from({ length: 2000 }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names.slice(i, i + 50).map((name) =>
          client.create(ConfigMap, {
            metadata: {
              name,
              namespace: ns.name,
              labels: { parity: Number(name.slice(3)) % 2 ? 'odd' : 'even' },
            },
          }),
        ),
      );
    }
    const first = await client.list(ConfigMap, { namespace: ns.name, limit: 500 });
    assert.equal(first.items.length, 500);
    assert.ok(first.metadata.continue, 'a first page of 500 out of 2000 has a continue token');
    const second = await client.list(ConfigMap, {
      namespace: ns.name,
      limit: 500,
      continue: first.metadata.continue,
    });
    assert.equal(second.items.length, 500);
    assert.notEqual(second.items[0]?.metadata?.name, first.items[0]?.metadata?.name);

    const seen = new Set<string>();
    for await (const cm of client.listAll(ConfigMap, { namespace: ns.name, limit: 300 }))
      seen.add(cm.metadata!.name!);
    assert.equal(seen.size, 2000);
    assert.deepEqual([...seen].sort(), names.filter((n) => seen.has(n)).sort());

    const odd = await client.list(ConfigMap, { namespace: ns.name, labelSelector: { parity: 'odd' } });
    assert.equal(odd.items.length, 1000);
    assert.ok(odd.items.every((i) => i.metadata?.labels?.parity === 'odd'));
    const byName = await client.list(ConfigMap, {
      namespace: ns.name,
      fieldSelector: 'metadata.name=cm-0007',
    });
    assert.deepEqual(
      byName.items.map((i) => i.metadata?.name),
      ['cm-0007'],
    );
    await client.deleteCollection(ConfigMap, { namespace: ns.name, labelSelector: 'parity=even' });
    const left = await client.list(ConfigMap, { namespace: ns.name, limit: 1 });
    assert.equal(left.metadata.remainingItemCount, 999);
  });

  it('fails a replace with a stale resourceVersion as a Conflict', async () => {
    await using ns = await plane.createNamespace('conflict');
    const v1 = await client.create(ConfigMap, {
      metadata: { name: 'c', namespace: ns.name },
      data: { v: '1' },
    });
    await client.replace(ConfigMap, { ...v1, data: { v: '2' } });
    await assert.rejects(client.replace(ConfigMap, { ...v1, data: { v: 'stale' } }), (err: unknown) => {
      assert.ok(isConflict(err));
      assert.equal(err.status, 409);
      assert.equal(err.reason, 'Conflict');
      return true;
    });
    await assert.rejects(
      client.delete(ConfigMap, 'c', {
        namespace: ns.name,
        preconditions: { resourceVersion: v1.metadata!.resourceVersion! },
      }),
      isConflict,
    );
  });

  it('reports a server-side apply field conflict between managers, and force takes the field', async () => {
    await using ns = await plane.createNamespace('ssa');
    const desired = { metadata: { name: 'shared', namespace: ns.name }, data: { owner: 'alice' } };
    await client.apply(ConfigMap, desired, { fieldManager: 'alice' });
    await assert.rejects(
      client.apply(ConfigMap, { ...desired, data: { owner: 'bob' } }, { fieldManager: 'bob' }),
      (err: unknown) => {
        assert.ok(isConflict(err));
        assert.ok(err.causes.some((c) => c.field === '.data.owner' && /alice/.test(c.message ?? '')));
        return true;
      },
    );
    const forced = await client.apply(
      ConfigMap,
      { ...desired, data: { owner: 'bob' } },
      { fieldManager: 'bob', force: true },
    );
    assert.equal(forced.data?.owner, 'bob');
  });

  it('gives a limited user a Forbidden error', async () => {
    const limited = await plane.kubeconfigFor('nobody-special');
    const config = await loadKubeconfig({ kubeconfig: limited.path });
    const weak = createClient(config);
    try {
      await assert.rejects(weak.list(ConfigMap, { namespace: 'default' }), (err: unknown) => {
        assert.ok(isForbidden(err));
        assert.match(err.message, /nobody-special/);
        return true;
      });
    } finally {
      await weak.close();
    }
  });

  it('writes a custom resource status through its subresource only', async () => {
    await using ns = await plane.createNamespace('status');
    const w = await client.create(Widget, { metadata: { name: 'w', namespace: ns.name }, spec: { size: 3 } });
    // The main resource ignores status; the status subresource ignores spec.
    const ignored = await client.replace(Widget, { ...w, status: { observed: 99 } });
    assert.equal(ignored.status, undefined);
    // A spec change sent through the status subresource is dropped; the status change is kept.
    const withStatus = await client.status.patch(
      Widget,
      'w',
      { spec: { size: 7 }, status: { observed: 3 } },
      { namespace: ns.name },
    );
    assert.equal(withStatus.status?.observed, 3);
    assert.equal(withStatus.spec?.size, 3, 'the status subresource ignored the spec change');
    assert.equal(withStatus.metadata?.generation, w.metadata?.generation, 'no new generation');
    const replaced = await client.status.replace(Widget, {
      ...withStatus,
      spec: { size: 8 },
      status: { observed: 5 },
    });
    assert.equal(replaced.status?.observed, 5);
    assert.equal(replaced.spec?.size, 3, 'a status replace ignores spec too');
    const applied = await client.status.apply(
      Widget,
      { metadata: { name: 'w', namespace: ns.name }, status: { observed: 4 } },
      { force: true },
    );
    assert.equal(applied.status?.observed, 4);
    assert.equal((await client.status.get(Widget, 'w', { namespace: ns.name })).spec?.size, 3);
  });

  it('scales a Deployment through the scale subresource and strategic-merge patches it', async () => {
    await using ns = await plane.createNamespace('scale');
    const labels = { app: 'web' };
    await client.create(Deployment, {
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    });
    const scale = await client.scale.get(Deployment, 'web', { namespace: ns.name });
    assert.equal(scale.spec?.replicas, 1);
    await client.scale.patch(Deployment, 'web', { spec: { replicas: 4 } }, { namespace: ns.name });
    assert.equal((await client.get(Deployment, 'web', { namespace: ns.name })).spec?.replicas, 4);
    // Strategic merge patch merges the containers list by name instead of replacing it.
    const patched = await client.patch(
      Deployment,
      'web',
      { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } },
      { namespace: ns.name, type: 'strategic' },
    );
    assert.deepEqual(patched.spec?.template.spec?.containers.map((c) => c.name).sort(), ['sidecar', 'web']);
  });

  it('does not persist a dry run, and rejects unknown fields under strict validation', async () => {
    await using ns = await plane.createNamespace('dryrun');
    const dry = await client.create(
      ConfigMap,
      { metadata: { name: 'd', namespace: ns.name } },
      { dryRun: true },
    );
    assert.equal(dry.metadata?.name, 'd');
    await assert.rejects(client.get(ConfigMap, 'd', { namespace: ns.name }), isNotFound);
    await assert.rejects(
      client.create(ConfigMap, { metadata: { name: 'x', namespace: ns.name }, bogus: 1 } as never),
      (err: unknown) => {
        assert.match((err as Error).message, /unknown field "bogus"/);
        return true;
      },
    );
    await assert.rejects(
      client.create(Widget, {
        metadata: { name: 'bad', namespace: ns.name },
        spec: { size: 'big' as never },
      }),
      isInvalid,
    );
  });

  it('maps apiVersion and kind through discovery, and names what exists for an unknown kind', async () => {
    const deployment = await client.mapper.resourceFor('apps/v1', 'Deployment');
    assert.equal(deployment.plural, 'deployments');
    assert.deepEqual(deployment.subresources, ['scale', 'status']);
    const widget = await client.mapper.resourceFor('client-test.operon.dev/v1', 'Widget');
    assert.equal(widget.plural, 'widgets');
    await assert.rejects(
      client.mapper.resourceFor('apps/v1', 'Deploymnet'),
      /does not serve kind "Deploymnet".*Deployment/,
    );
    await assert.rejects(
      client.mapper.resourceFor('nope.example.com/v9', 'Thing'),
      /does not serve nope\.example\.com\/v9/,
    );
  });

  it('names a namespaced kind used without a namespace', async () => {
    await assert.rejects(client.get(ConfigMap, 'x'), /ConfigMap is namespaced: pass \{ namespace \}/);
  });
});

describe('client configuration errors', () => {
  it('says nothing listens when the server is unreachable', async () => {
    const config = await loadKubeconfig({ kubeconfig: plane.kubeconfig.path });
    const bad = createClient({ ...config, server: 'https://127.0.0.1:1' });
    try {
      await assert.rejects(
        bad.list(ConfigMap, { namespace: 'default' }),
        /nothing listens at https:\/\/127\.0\.0\.1:1/,
      );
    } finally {
      await bad.close();
    }
  });

  it('says the certificate is not trusted when the kubeconfig has the wrong CA', async () => {
    const file = join(plane.dir, 'wrong-ca.kubeconfig');
    {
      const config = structuredClone(plane.kubeconfig.config);
      config.clusters[0]!.cluster['certificate-authority-data'] = Buffer.from(
        (await (await import('../src/testing/pki.ts')).createCertificateAuthority('unrelated')).cert,
      ).toString('base64');
      await writeFile(file, stringify(config));
      const bad = createClient(await loadKubeconfig({ kubeconfig: file }));
      try {
        await assert.rejects(
          bad.list(ConfigMap, { namespace: 'default' }),
          /not trusted.*certificate-authority/,
        );
      } finally {
        await bad.close();
      }
    }
  });
});
