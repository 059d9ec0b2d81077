import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import {
  type Client,
  ClusterRole,
  ClusterRoleBinding,
  createClient,
  loadKubeconfig,
  ServiceAccount,
} from 'operon/client';
import { createLogger } from 'operon/log';
import {
  createDelegatingAuth,
  createManager,
  type EndpointAuth,
  runFlags,
  startEndpoints,
} from 'operon/manager';
import { createMetrics } from 'operon/metrics';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';
import { Agent, request } from 'undici';
import { createSelfSignedCA, issueServingCert } from '../src/certs/index.ts';

let plane: ControlPlane;
let client: Client;
let ca: { cert: string; key: string };
let certDir: string;
let namespace: string;
let cleanup: () => Promise<void>;
let allowedToken: string;
let deniedToken: string;
let statusToken: string;

/** A ServiceAccount token from the TokenRequest API. */
async function mintToken(ns: string, name: string): Promise<string> {
  await client.apply(ServiceAccount, { metadata: { name, namespace: ns } }, { force: true });
  const res = await client.transport.json<{ status: { token: string } }>({
    method: 'POST',
    path: `${client.path(ServiceAccount, { namespace: ns, name })}/token`,
    body: JSON.stringify({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    }),
  });
  return res.status.token;
}

/** Lets ServiceAccount `sa` `get` the non-resource URLs `paths`. */
async function grant(ns: string, sa: string, paths: string[]): Promise<string> {
  const name = `${ns}-${sa}`;
  await client.apply(
    ClusterRole,
    { metadata: { name }, rules: [{ nonResourceURLs: paths, verbs: ['get'] }] },
    { force: true },
  );
  await client.apply(
    ClusterRoleBinding,
    {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
    },
    { force: true },
  );
  return name;
}

/** GET over HTTPS trusting `trust` (the test CA by default). */
async function get(url: string, token?: string, trust: string | false = ca.cert) {
  const dispatcher = new Agent({ connect: trust ? { ca: trust } : { rejectUnauthorized: false } });
  try {
    const res = await request(url, {
      dispatcher,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}

/** The SHA-256 fingerprint of the certificate `host:port` serves. */
function servedFingerprint(address: string): Promise<string> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerX509Certificate();
      socket.destroy();
      if (raw) resolve(raw.fingerprint256);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
}

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  ca = await createSelfSignedCA();
  certDir = await mkdtemp(join(tmpdir(), 'operon-metrics-certs-'));
  const serving = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  await writeFile(join(certDir, 'tls.crt'), serving.cert);
  await writeFile(join(certDir, 'tls.key'), serving.key);
  const ns = await plane.createNamespace('metrics-auth');
  namespace = ns.name;
  allowedToken = await mintToken(namespace, 'prometheus');
  deniedToken = await mintToken(namespace, 'nobody');
  statusToken = await mintToken(namespace, 'viewer');
  const roles = [
    await grant(namespace, 'prometheus', ['/metrics']),
    await grant(namespace, 'viewer', ['/status']),
  ];
  cleanup = async () => {
    for (const name of roles) {
      await client.delete(ClusterRoleBinding, name).catch(() => undefined);
      await client.delete(ClusterRole, name).catch(() => undefined);
    }
    await ns[Symbol.asyncDispose]();
  };
});
after(async () => {
  await cleanup?.();
  await client?.close();
  await plane?.stop();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

function endpoints(auth: EndpointAuth, extra: Partial<Parameters<typeof startEndpoints>[0]> = {}) {
  const metrics = createMetrics();
  return startEndpoints({
    metricsAddress: '127.0.0.1:0',
    healthAddress: '127.0.0.1:0',
    metricsCertDir: certDir,
    auth,
    metrics,
    healthy: () => true,
    ready: () => true,
    status: () => ({ phase: 'running' }),
    ...extra,
  });
}

describe('secure metrics against the real TokenReview and SubjectAccessReview', () => {
  it('a scrape without a token gets 401, with a token lacking the permission 403, with it 200', async () => {
    const e = await endpoints(createDelegatingAuth(client, { cacheTtlMs: 0 }));
    try {
      const url = `https://${e.metrics}/metrics`;
      assert.equal((await get(url)).status, 401);
      assert.equal((await get(url, 'not-a-token')).status, 401);
      const denied = await get(url, deniedToken);
      assert.equal(denied.status, 403);
      assert.match(denied.body, new RegExp(`system:serviceaccount:${namespace}:nobody`));
      const ok = await get(url, allowedToken);
      assert.equal(ok.status, 200);
      assert.match(ok.body, /# TYPE/);
    } finally {
      await e.close();
    }
  });

  it('/status on the metrics server needs get on /status: the metrics reader is refused it', async () => {
    const e = await endpoints(createDelegatingAuth(client, { cacheTtlMs: 0 }), { statusAddress: 'metrics' });
    try {
      assert.equal(e.status, e.metrics);
      const url = `https://${e.metrics}/status`;
      assert.equal((await get(url)).status, 401);
      assert.equal((await get(url, allowedToken)).status, 403);
      const ok = await get(url, statusToken);
      assert.equal(ok.status, 200);
      assert.deepEqual(JSON.parse(ok.body), { phase: 'running' });
      assert.equal((await get(`https://${e.metrics}/metrics`, statusToken)).status, 403);
    } finally {
      await e.close();
    }
  });

  it('remembers an allowed scrape for the cache TTL only, and never a denial', async () => {
    let now = 1_000_000;
    const auth = createDelegatingAuth(client, { cacheTtlMs: 60_000, now: () => now });
    const posts = () => client.transport.stats.byMethod.POST ?? 0;
    const attrs = { verb: 'get', path: '/metrics' };
    const before = posts();
    assert.equal((await auth(`Bearer ${allowedToken}`, attrs)).outcome, 'allowed');
    assert.equal(posts() - before, 2, 'one TokenReview and one SubjectAccessReview');
    now += 59_000;
    assert.equal((await auth(`Bearer ${allowedToken}`, attrs)).outcome, 'allowed');
    assert.equal(posts() - before, 2, 'both answers remembered within the TTL');
    now += 2_000;
    assert.equal((await auth(`Bearer ${allowedToken}`, attrs)).outcome, 'allowed');
    assert.equal(posts() - before, 4, 'asked again after the TTL');
    assert.equal((await auth(`Bearer ${deniedToken}`, attrs)).outcome, 'forbidden');
    assert.equal((await auth(`Bearer ${deniedToken}`, attrs)).outcome, 'forbidden');
    assert.equal(posts() - before, 4 + 2 + 1, 'the token is remembered, the denial is asked again');
  });
});

describe('the manager serves metrics securely by default', () => {
  it('HTTPS with a self-signed certificate on start, and 401 without a token', async () => {
    const logs: string[] = [];
    const manager = await createManager({
      config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
      namespace,
      metricsAddress: '127.0.0.1:0',
      healthAddress: '127.0.0.1:0',
      log: createLogger({ format: 'json', write: (l) => logs.push(l) }),
    });
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    try {
      const address = await eventually('the endpoints', () => manager.addresses.metrics);
      assert.equal(manager.addresses.metricsSecure, true);
      assert.equal(manager.addresses.status, undefined, '/status is off unless asked for');
      const fingerprint = await servedFingerprint(address);
      assert.ok(fingerprint, 'it speaks TLS');
      assert.equal((await get(`https://${address}/metrics`, undefined, false)).status, 401);
      assert.equal((await get(`https://${address}/metrics`, allowedToken, false)).status, 200);
      const health = manager.addresses.health!;
      assert.equal((await fetch(`http://${health}/healthz`)).status, 200);
      assert.equal((await fetch(`http://${health}/status`)).status, 404, 'the probe port serves no /status');
      assert.equal((await fetch(`http://${health}/livez`)).status, 404, 'only /healthz and /readyz');
      assert.ok(!logs.some((l) => /plain HTTP/.test(l)));
    } finally {
      stop.abort();
      await running;
    }
  });

  it('plain HTTP only when asked for, with a warning', async () => {
    const logs: string[] = [];
    const manager = await createManager({
      config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
      namespace,
      metricsSecure: false,
      metricsAddress: '127.0.0.1:0',
      healthAddress: false,
      statusAddress: '127.0.0.1:0',
      log: createLogger({ format: 'json', write: (l) => logs.push(l) }),
    });
    const stop = new AbortController();
    const running = manager.start(stop.signal);
    try {
      const address = await eventually('the endpoints', () => manager.addresses.metrics);
      assert.equal(manager.addresses.metricsSecure, false);
      assert.equal((await fetch(`http://${address}/metrics`)).status, 200);
      const warning = logs.map((l) => JSON.parse(l)).find((l) => /plain HTTP/.test(l.msg));
      assert.equal(warning?.level, 'warn');
      const status = await fetch(`http://${manager.addresses.status}/status`);
      assert.equal(status.status, 200);
    } finally {
      stop.abort();
      await running;
    }
  });
});

describe('endpoint settings', () => {
  const allowAll: EndpointAuth = async () => ({ outcome: 'allowed', user: 'test' });

  it('reloads the serving certificate when the mounted files change', async () => {
    const e = await endpoints(allowAll, { certCheckIntervalMs: 50 });
    try {
      const first = await servedFingerprint(e.metrics!);
      const next = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
      const expected = new X509Certificate(next.cert).fingerprint256;
      assert.notEqual(first, expected);
      // As the kubelet updates a Secret volume: new files appear whole (rename), never half-written.
      await writeFile(join(certDir, 'tls.key.new'), next.key);
      await writeFile(join(certDir, 'tls.crt.new'), next.cert);
      await rename(join(certDir, 'tls.key.new'), join(certDir, 'tls.key'));
      await rename(join(certDir, 'tls.crt.new'), join(certDir, 'tls.crt'));
      await eventually('the new certificate', async () => (await servedFingerprint(e.metrics!)) === expected);
      assert.equal((await get(`https://${e.metrics}/metrics`)).status, 200, 'still trusted by the CA');
    } finally {
      await e.close();
    }
  });

  it('keeps serving the current certificate when the folder gets a pair that does not match, and says so', async () => {
    const logs: string[] = [];
    const e = await endpoints(allowAll, {
      certCheckIntervalMs: 50,
      log: createLogger({ format: 'json', level: 'debug', write: (l) => logs.push(l) }),
    });
    try {
      const first = await servedFingerprint(e.metrics!);
      const a = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
      const b = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
      // One certificate with the other's key, both files replaced whole.
      await writeFile(join(certDir, 'tls.key.new'), b.key);
      await writeFile(join(certDir, 'tls.crt.new'), a.cert);
      await rename(join(certDir, 'tls.key.new'), join(certDir, 'tls.key'));
      await rename(join(certDir, 'tls.crt.new'), join(certDir, 'tls.crt'));
      const warned = await eventually('a warning about the pair', () =>
        logs.map((l) => JSON.parse(l)).find((l) => /not usable; keeping the current one/.test(l.msg)),
      );
      assert.equal(warned.level, 'warn');
      assert.equal(await servedFingerprint(e.metrics!), first, 'the old certificate is still served');
      assert.equal((await get(`https://${e.metrics}/metrics`)).status, 200);
      // A matching pair afterwards is taken.
      await writeFile(join(certDir, 'tls.key.new'), a.key);
      await rename(join(certDir, 'tls.key.new'), join(certDir, 'tls.key'));
      const expected = new X509Certificate(a.cert).fingerprint256;
      await eventually('the matching pair', async () => (await servedFingerprint(e.metrics!)) === expected);
    } finally {
      await e.close();
    }
  });

  it('a missing certificate folder fails at start, naming the files', async () => {
    await assert.rejects(
      endpoints(allowAll, { metricsCertDir: join(certDir, 'missing') }),
      /tls\.crt.*tls\.key/,
    );
  });

  it('/status binds only a loopback address, and redacts secret-looking error text', async () => {
    await assert.rejects(endpoints(allowAll, { statusAddress: ':0' }), /not a loopback address/);
    await assert.rejects(endpoints(allowAll, { statusAddress: '0.0.0.0:0' }), /not a loopback address/);
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl';
    const e = await endpoints(allowAll, {
      statusAddress: '127.0.0.1:0',
      status: () => ({
        controllers: [
          {
            recent: [
              {
                key: 'demo/hello',
                error: `exec plugin said: Authorization: Bearer ${jwt} and refresh_token=rt-hunter2`,
              },
              { key: 'demo/db', error: 'dial https://admin:s3cr3t@db.example:5432 failed' },
              {
                key: 'demo/tls',
                error: 'bad key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- here',
              },
            ],
          },
        ],
      }),
    });
    try {
      const body = await (await fetch(`http://${e.status}/status`)).text();
      for (const secret of [jwt, 'rt-hunter2', 's3cr3t', 'MIIEvQIBADANBg']) {
        assert.ok(!body.includes(secret), `${secret} leaked: ${body}`);
      }
      assert.match(body, /demo\/hello/);
      assert.match(body, /\[redacted/);
    } finally {
      await e.close();
    }
  });
});

describe('operator.run() settings', () => {
  it('takes kubebuilder-style flags over the environment, and refuses a --metrics-secure that is not a boolean', () => {
    assert.deepEqual(runFlags([], {}), {}, 'nothing given: the secure defaults apply');
    assert.deepEqual(
      runFlags(['--metrics-secure=false', '--other', 'x'], { OPERON_METRICS_SECURE: 'true' }),
      {
        metricsSecure: false,
      },
    );
    assert.deepEqual(runFlags(['--metrics-secure'], {}), { metricsSecure: true });
    assert.deepEqual(
      runFlags(
        ['--metrics-bind-address', ':9443', '--metrics-cert-path=/certs', '--health-probe-bind-address=0'],
        {
          OPERON_STATUS_ADDRESS: '127.0.0.1:8082',
          OPERON_METRICS_ADDRESS: ':1',
        },
      ),
      {
        metricsAddress: ':9443',
        healthAddress: false,
        statusAddress: '127.0.0.1:8082',
        metricsCertDir: '/certs',
      },
    );
    assert.throws(() => runFlags([], { OPERON_METRICS_SECURE: 'no' }), /use true or false/);
  });
});
