import assert from 'node:assert/strict';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Client, ConfigMap, createClient, Lease, loadKubeconfig, Secret } from 'operon/client';
import { formatMicroTime } from 'operon/leader';
import { ExitCode } from 'operon/manager';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';
import { killAll, operatorEnv, spawnOperator } from './support/operator-process.ts';

const OPERATOR = fileURLToPath(new URL('./fixtures/webhook-operator.ts', import.meta.url));
const NAME = 'webhook-operator';

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  killAll();
  await client?.close();
  await plane?.stop();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startOperator(namespace: string, port: number) {
  const op = spawnOperator(
    OPERATOR,
    operatorEnv(plane.kubeconfig.path, namespace, {
      OPERON_WEBHOOKS: 'true',
      OPERON_WEBHOOK_ADDRESS: `127.0.0.1:${port}`,
    }),
  );
  const reconciling = op.printed('reconciling');
  reconciling.catch(() => undefined);
  return { ...op, reconciling };
}

/** POSTs one AdmissionReview to the operator's validating webhook; resolves to its response. */
function admit(port: number, ca: string, namespace: string) {
  const body = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u1',
      kind: { group: 'webhook-exit.operon.dev', version: 'v1', kind: 'Thing' },
      resource: { group: 'webhook-exit.operon.dev', version: 'v1', resource: 'things' },
      operation: 'CREATE',
      userInfo: { username: 'alice' },
      object: {
        apiVersion: 'webhook-exit.operon.dev/v1',
        kind: 'Thing',
        metadata: { name: 'a', namespace },
        spec: { value: 'x' },
      },
    },
  });
  return new Promise<{ allowed: boolean; status?: { message?: string } }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/validate-webhook-exit-operon-dev-v1-thing?timeout=10s',
        ca,
        servername: `${NAME}-webhook.${namespace}.svc`,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c;
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(text).response);
          } catch (err) {
            reject(new Error(`HTTP ${res.statusCode}: ${text}`, { cause: err }));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('an operator that serves webhooks', () => {
  it('after losing its Lease keeps answering reviews whose handlers read through ctx.client until it exits with LeadershipLost', {
    timeout: 120_000,
  }, async () => {
    await using ns = await plane.createNamespace('hooks-lost');
    await client.create(ConfigMap, { metadata: { name: 'allowed', namespace: ns.name } });
    const port = await freePort();
    const op = startOperator(ns.name, port);
    await client.create(ConfigMap, { metadata: { name: 'trigger', namespace: ns.name } });
    await op.reconciling;
    const secret = await eventually('the webhook Secret', () =>
      client.get(Secret, `${NAME}-webhook-cert`, { namespace: ns.name }).catch(() => undefined),
    );
    const ca = Buffer.from(secret.data!['ca.crt']!, 'base64').toString();
    const first = await admit(port, ca, ns.name);
    assert.equal(first.allowed, true, first.status?.message);
    const lease = await client.get(Lease, NAME, { namespace: ns.name });
    const now = formatMicroTime(Date.now());
    await client.replace(
      Lease,
      { ...lease, spec: { ...lease.spec, holderIdentity: 'someone-else', acquireTime: now, renewTime: now } },
      { namespace: ns.name },
    );
    await eventually('the loss to be noticed', () => op.stderr().includes('leadership lost'), 30_000);
    // The reconcile holds the grace period (8 s): the process is stopping, its webhooks still serve.
    const during = await admit(port, ca, ns.name);
    assert.equal(during.allowed, true, during.status?.message);
    assert.equal(await op.exited, ExitCode.LeadershipLost, op.stderr().slice(-2000));
  });

  it('on SIGTERM keeps serving webhooks while the controllers drain', { timeout: 120_000 }, async () => {
    await using ns = await plane.createNamespace('hooks-term');
    await client.create(ConfigMap, { metadata: { name: 'allowed', namespace: ns.name } });
    const port = await freePort();
    const op = startOperator(ns.name, port);
    await client.create(ConfigMap, { metadata: { name: 'trigger', namespace: ns.name } });
    await op.reconciling;
    const secret = await eventually('the webhook Secret', () =>
      client.get(Secret, `${NAME}-webhook-cert`, { namespace: ns.name }).catch(() => undefined),
    );
    const ca = Buffer.from(secret.data!['ca.crt']!, 'base64').toString();
    op.child.kill('SIGTERM');
    await eventually('the shutdown to begin', () => op.stderr().includes('"stopping"'), 30_000);
    const during = await admit(port, ca, ns.name);
    assert.equal(during.allowed, true, during.status?.message);
    assert.equal(await op.exited, ExitCode.ShutdownTimedOut, op.stderr().slice(-2000));
  });
});
