import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { type ControlPlane, type RunningWebhooks, runWebhooks, startControlPlane } from 'operon/testing';
import { CONVERSION_ANNOTATION } from 'operon/webhook';
import { WebApp } from '../examples/webapp/src/webapp.ts';
import { DEFAULT_REQUESTS, splitImage, webAppWebhooks } from '../examples/webapp/src/webhooks.ts';

const exec = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
const GROUP = 'example.operon.dev';

// Its own plane: the WebApp CRD is shared with the other WebApp tests, and this file changes its conversion.
let plane: ControlPlane;
let client: Client;
let hooks: RunningWebhooks;
const CONFIG_NS = 'webapp-operator-system';
const webhooks = webAppWebhooks({ allowList: { namespace: CONFIG_NS, name: 'webapp-allowed-registries' } });

before(async () => {
  plane = await startControlPlane({ crds: [WebApp.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  await client.create((await import('operon/client')).Namespace, { metadata: { name: CONFIG_NS } });
  hooks = await runWebhooks(plane, [webhooks], { client });
});
after(async () => {
  await hooks?.stop();
  await client?.close();
  await plane?.stop();
});

const kubectl = (args: string[], stdin?: string) => {
  const run = exec(KUBECTL, ['--kubeconfig', plane.kubeconfig.path, ...args], { encoding: 'utf8' });
  run.child.stdin!.end(stdin ?? '');
  return run;
};

describe('the WebApp webhooks', () => {
  it('deny an image from a registry the ConfigMap does not allow, with the reason in kubectl', async () => {
    await using ns = await plane.createNamespace('registry');
    await client.create(ConfigMap, {
      metadata: { name: 'webapp-allowed-registries', namespace: CONFIG_NS },
      data: { registries: 'registry.example.com/\nghcr.io/acme/' },
    });
    try {
      const bad = JSON.stringify({
        apiVersion: `${GROUP}/v1`,
        kind: 'WebApp',
        metadata: { name: 'bad', namespace: ns.name },
        spec: { image: 'evil.io/miner:1' },
      });
      await assert.rejects(kubectl(['create', '-f', '-'], bad), (err: { stderr?: string }) => {
        assert.match(
          err.stderr ?? '',
          /denied the request: spec\.image: image "evil\.io\/miner:1" is not from an allowed registry \(registry\.example\.com\/, ghcr\.io\/acme\/\)/,
        );
        return true;
      });
      const ok = await client.create(WebApp, {
        metadata: { name: 'ok', namespace: ns.name },
        spec: { image: 'ghcr.io/acme/web:1', replicas: 1, port: 8080 },
      });
      assert.equal(ok.spec.image, 'ghcr.io/acme/web:1');
    } finally {
      await client.delete(ConfigMap, 'webapp-allowed-registries', { namespace: CONFIG_NS });
    }
  });

  it('default the container requests when none are set, and keep ones that are', async () => {
    await using ns = await plane.createNamespace('defaults');
    const plain = await client.create(WebApp, {
      metadata: { name: 'plain', namespace: ns.name },
      spec: { image: 'nginx', replicas: 1, port: 8080 },
    });
    assert.deepEqual(plain.spec.resources, { requests: DEFAULT_REQUESTS });
    const own = await client.create(WebApp, {
      metadata: { name: 'own', namespace: ns.name },
      spec: { image: 'nginx', replicas: 1, port: 8080, resources: { requests: { cpu: '2' } } },
    });
    assert.deepEqual(own.spec.resources, { requests: { cpu: '2' } });
  });

  it('serve every WebApp at v1alpha1 and v1; one written at either reads back unchanged', async () => {
    await using ns = await plane.createNamespace('versions');
    const alpha = WebApp.versions.v1alpha1;
    await client.create(alpha, {
      metadata: { name: 'old', namespace: ns.name },
      spec: { repository: 'registry.example.com/web', tag: '2', replicas: 2, port: 80 },
    });
    const spec = {
      image: 'nginx:1.27',
      replicas: 3,
      port: 8080,
      env: [{ name: 'MODE', value: 'prod' }],
      strategy: { type: 'RollingUpdate' as const, maxSurge: '50%' },
      resources: { requests: { cpu: '1' } },
    };
    await client.create(WebApp, { metadata: { name: 'new', namespace: ns.name }, spec });

    const asV1 = await client.get(WebApp, 'old', { namespace: ns.name });
    assert.equal(asV1.spec.image, 'registry.example.com/web:2');
    const oldAgain = await client.get(alpha, 'old', { namespace: ns.name });
    assert.deepEqual(oldAgain.spec, {
      repository: 'registry.example.com/web',
      tag: '2',
      replicas: 2,
      port: 80,
    });

    const newAsAlpha = await client.get(alpha, 'new', { namespace: ns.name });
    assert.deepEqual(newAsAlpha.spec, { repository: 'nginx', tag: '1.27', replicas: 3, port: 8080 });
    assert.ok(newAsAlpha.metadata?.annotations?.[CONVERSION_ANNOTATION]);
    await client.replace(alpha, { ...newAsAlpha, spec: { ...newAsAlpha.spec, replicas: 4 } });
    assert.deepEqual((await client.get(WebApp, 'new', { namespace: ns.name })).spec, {
      ...spec,
      replicas: 4,
    });

    for (const v of ['v1alpha1', 'v1']) {
      const { stdout } = await kubectl(['get', `webapps.${v}.${GROUP}`, '-n', ns.name, '-o', 'name']);
      assert.deepEqual(stdout.trim().split('\n').sort(), [`webapp.${GROUP}/new`, `webapp.${GROUP}/old`], v);
    }
  });
});

describe('the WebApp conversion functions', () => {
  it('split and join any image exactly', () => {
    fc.assert(
      fc.property(fc.string(), (image) => {
        const { repository, tag } = splitImage(image);
        assert.equal(tag === undefined ? repository : `${repository}:${tag}`, image);
      }),
      { numRuns: 2000 },
    );
    assert.deepEqual(splitImage('localhost:5000/web'), { repository: 'localhost:5000/web' });
    assert.deepEqual(splitImage('nginx@sha256:abc'), { repository: 'nginx@sha256:abc' });
  });

  it('round-trip a v1 WebApp through v1alpha1 with nothing lost', () => {
    const converter = webhooks.converter!;
    const quantity = fc.oneof(fc.constantFrom('100m', '1', '128Mi'), fc.integer({ min: 0, max: 8 }));
    const v1 = fc.record({
      apiVersion: fc.constant(`${GROUP}/v1`),
      kind: fc.constant('WebApp'),
      metadata: fc.record({ name: fc.constantFrom('a', 'b'), namespace: fc.constant('default') }),
      spec: fc.record(
        {
          image: fc.string({ minLength: 1 }),
          replicas: fc.integer({ min: 0, max: 100 }),
          port: fc.integer({ min: 1, max: 65535 }),
          env: fc.array(fc.record({ name: fc.string({ minLength: 1 }), value: fc.string() }), {
            maxLength: 2,
          }),
          resources: fc.record({ requests: fc.dictionary(fc.constantFrom('cpu', 'memory'), quantity) }),
        },
        { requiredKeys: ['image', 'replicas', 'port'] },
      ),
    });
    fc.assert(
      fc.property(v1, (o) => {
        const json = JSON.parse(JSON.stringify(o));
        assert.deepEqual(
          converter.convert(converter.convert(json, `${GROUP}/v1alpha1`), `${GROUP}/v1`),
          json,
        );
      }),
    );
  });
});
