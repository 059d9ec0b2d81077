import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpGet } from 'node:http';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClusterConfig } from 'operon/client';
import { ConfigMap, loadKubeconfig } from 'operon/client';
import { createLogger } from 'operon/log';
import { createManager, type Manager } from 'operon/manager';
import { defineResource, Type } from 'operon/resource';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';
import {
  Admission,
  addOperatorWebhooks,
  type CertificatePair,
  createSelfSignedCA,
  defineWebhooks,
  issueServingCert,
  type WebhookHandlers,
} from 'operon/webhook';

const Gadget = defineResource({
  group: 'webhook-manager-test.operon.dev',
  kind: 'Gadget',
  versions: { v1: { spec: Type.Object({ size: Type.Number() }) } },
});

let plane: ControlPlane;
let config: ClusterConfig;
let ca: CertificatePair;
const dirs: string[] = [];
const log = createLogger({ level: (process.env.LOGLEVEL as 'info') ?? 'error' });

before(async () => {
  plane = await useControlPlane();
  config = await loadKubeconfig({ kubeconfig: plane.kubeconfig.path });
  ca = await createSelfSignedCA({ commonName: 'webhook-manager-test-ca' });
});
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await plane?.stop();
});

/** A folder with `tls.crt` and `tls.key`, as a mounted cert-manager Secret. */
async function certDir(pair: CertificatePair): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'operon-webhook-manager-'));
  dirs.push(dir);
  await mountCert(dir, pair);
  return dir;
}
async function mountCert(dir: string, pair: CertificatePair): Promise<void> {
  await writeFile(join(dir, 'tls.crt'), pair.cert);
  await writeFile(join(dir, 'tls.key'), pair.key);
}
const serving = (now?: Date, validityDays = 7) =>
  issueServingCert(ca, { hosts: ['127.0.0.1'], validityDays, ...(now ? { now } : {}) });

function hooks(validate: NonNullable<WebhookHandlers<typeof Gadget, 'v1'>['validate']>) {
  return defineWebhooks(Gadget, { validate });
}

async function manager(extra: Parameters<typeof createManager>[0] = {}): Promise<Manager> {
  return createManager({
    config,
    log,
    metricsAddress: false,
    healthAddress: '127.0.0.1:0',
    gracefulShutdownMs: 10_000,
    ...extra,
  });
}

/** POSTs an AdmissionReview for a Gadget CREATE to `address` + `path`; resolves to its response. */
function review(
  address: string,
  path: string,
  size = 1,
): Promise<{ allowed: boolean; status?: { message?: string } }> {
  const uid = `uid-${Math.random().toString(36).slice(2)}`;
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: Gadget.group, version: 'v1', kind: 'Gadget' },
      resource: { group: Gadget.group, version: 'v1', resource: Gadget.plural },
      name: 'g',
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'test' },
      object: { apiVersion: `${Gadget.group}/v1`, kind: 'Gadget', metadata: { name: 'g' }, spec: { size } },
      dryRun: false,
    },
  });
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.split(':').pop())];
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path: `${path}?timeout=30s`,
        method: 'POST',
        ca: ca.cert,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => {
          try {
            const r = JSON.parse(text).response;
            assert.equal(r.uid, uid);
            resolve(r);
          } catch (err) {
            reject(new Error(`${res.statusCode}: ${text}`, { cause: err }));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function readyz(address: string): Promise<number> {
  return readyzBody(address).then((r) => r.status);
}

function readyzBody(address: string): Promise<{ status: number; body: string }> {
  const port = Number(address.split(':').pop());
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('webhooks as a manager Runnable', () => {
  it('serve on every replica: the one that does not lead answers reviews and is ready', async () => {
    await using ns = await plane.createNamespace('replicas');
    const dir = await certDir(await serving());
    const gadgetHooks = hooks((g) => (g.spec.size > 10 ? Admission.deny('too big') : Admission.allow()));
    const replicas = await Promise.all(
      ['a', 'b'].map(async (identity) => {
        const m = await manager({
          leaderElection: { name: 'gadget-operator', namespace: ns.name, identity },
        });
        const r = addOperatorWebhooks(m, {
          webhooks: [gadgetHooks],
          namespace: ns.name,
          names: { secret: 'unused', configuration: 'unused', hosts: ['127.0.0.1'] },
          address: '127.0.0.1:0',
          certDir: dir,
        });
        const stop = new AbortController();
        const done = m.start(stop.signal);
        return { m, r, stop, done };
      }),
    );
    try {
      const leader = await eventually('one replica leads', () => {
        const leading = replicas.filter((x) => x.m.status().leader.leading);
        return leading.length === 1 && leading[0];
      });
      const follower = replicas.find((x) => x !== leader)!;
      assert.equal(follower.m.status().leader.leading, false);
      for (const x of replicas) {
        const address = await eventually('listening', () => x.r.server?.ready && x.r.server.address);
        const path = gadgetHooks.validating!.path;
        assert.equal((await review(address, path, 1)).allowed, true);
        const denied = await review(address, path, 11);
        assert.equal(denied.allowed, false);
        assert.match(denied.status?.message ?? '', /too big/);
        assert.equal(
          await eventually('ready', async () => (await readyz(x.m.addresses.health!)) === 200 && 200),
          200,
        );
      }
    } finally {
      for (const x of replicas) x.stop.abort();
      await Promise.all(replicas.map((x) => x.done));
    }
  });

  it('/readyz fails while the serving certificate has expired and passes once a valid one is mounted', async () => {
    await using ns = await plane.createNamespace('expired');
    const expired = await serving(new Date(Date.now() - 30 * 86_400_000), 1);
    const dir = await certDir(expired);
    const m = await manager();
    const r = addOperatorWebhooks(m, {
      webhooks: [hooks(() => Admission.allow())],
      namespace: ns.name,
      names: { secret: 'unused', configuration: 'unused', hosts: ['127.0.0.1'] },
      address: '127.0.0.1:0',
      certDir: dir,
    });
    const stop = new AbortController();
    const done = m.start(stop.signal);
    try {
      await eventually(
        'caches synced and the server listening',
        () => m.status().cacheSynced && r.server?.address,
      );
      assert.equal(r.serving, false);
      // The 503 names what is not ready: the caches are synced, the webhook check fails.
      assert.deepEqual(await readyzBody(m.addresses.health!), {
        status: 503,
        body: 'ready checks failing: webhooks\n',
      });
      await mountCert(dir, await serving());
      // The certificate folder is re-read every 10 s.
      await eventually(
        'ready with the new certificate',
        async () => (await readyz(m.addresses.health!)) === 200,
        40_000,
      );
      assert.equal(r.serving, true);
    } finally {
      stop.abort();
      await done;
    }
  });

  it('a webhook port in use fails manager.start() with PortInUse', async () => {
    await using ns = await plane.createNamespace('port');
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      const m = await manager();
      addOperatorWebhooks(m, {
        webhooks: [hooks(() => Admission.allow())],
        namespace: ns.name,
        names: { secret: 'unused', configuration: 'unused', hosts: ['127.0.0.1'] },
        address: `127.0.0.1:${port}`,
        certDir: await certDir(await serving()),
      });
      await assert.rejects(m.start(new AbortController().signal), { code: 'OPERON_PORT_IN_USE' });
      assert.equal(m.status().phase, 'stopped');
    } finally {
      squatter.close();
    }
  });

  it('shutdown drains an in-flight review, whose lookup still works after the reconciles’ client is fenced', async () => {
    await using ns = await plane.createNamespace('drain');
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const m = await manager();
    await m.unfencedClient.create(ConfigMap, {
      metadata: { name: 'limits', namespace: ns.name },
      data: { max: '5' },
    });
    const r = addOperatorWebhooks(m, {
      webhooks: [
        hooks(async (g, ctx) => {
          entered();
          await gate;
          const cm = await ctx.client!.get(ConfigMap, 'limits', { namespace: ns.name });
          return g.spec.size > Number(cm.data?.max) ? Admission.deny('over the limit') : Admission.allow();
        }),
      ],
      namespace: ns.name,
      names: { secret: 'unused', configuration: 'unused', hosts: ['127.0.0.1'] },
      address: '127.0.0.1:0',
      certDir: await certDir(await serving()),
    });
    const stop = new AbortController();
    const done = m.start(stop.signal);
    let stopped = false;
    void done.then(
      () => (stopped = true),
      () => (stopped = true),
    );
    const address = await eventually('listening', () => r.server?.ready && r.server.address);
    const answer = review(address, '/validate-webhook-manager-test-operon-dev-v1-gadget', 7);
    await inside;
    stop.abort();
    // The manager fences the reconciles' client before its webhooks stop.
    // A probe that never leaves the process: the fence refuses before sending, with its own reason.
    const probe = new Error('not fenced yet');
    await eventually('the fenced client refuses', () =>
      m.client.get(ConfigMap, 'limits', { namespace: ns.name, signal: AbortSignal.abort(probe) }).then(
        () => false,
        (err: unknown) => err !== probe,
      ),
    );
    assert.equal(r.server?.inFlight, 1);
    assert.equal(stopped, false, 'the manager waits for the review');
    release();
    const response = await answer;
    assert.equal(response.allowed, false);
    assert.match(response.status?.message ?? '', /over the limit/);
    await done;
    assert.equal(r.serving, false);
  });
});
