import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Client,
  ConfigMap,
  createClient,
  loadKubeconfig,
  Role,
  RoleBinding,
  Secret,
} from 'operon/client';
import { Action, controller } from 'operon/controller';
import { rbacManifests } from 'operon/generate';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';
import { parse, stringify } from 'yaml';
import { createSelfSignedCA, issueServingCert } from '../src/certs/index.ts';
import { killAll, operatorEnv, spawnOperator } from './support/operator-process.ts';

const OPERATOR = fileURLToPath(new URL('./fixtures/lease-operator.ts', import.meta.url));
const NAME = 'lease-operator';

let plane: ControlPlane;
let admin: Client;
let dir: string;

before(async () => {
  plane = await useControlPlane();
  admin = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  dir = await mkdtemp(join(tmpdir(), 'operon-lease-ns-'));
});
after(async () => {
  killAll();
  await admin?.close();
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The admin kubeconfig, impersonating the operator's ServiceAccount in `namespace`. */
async function serviceAccountKubeconfig(namespace: string): Promise<string> {
  const config = parse(await readFile(plane.kubeconfig.path, 'utf8'));
  for (const u of config.users) u.user.as = `system:serviceaccount:${namespace}:${NAME}`;
  const path = join(dir, `${namespace}.kubeconfig`);
  await writeFile(path, stringify(config), { mode: 0o600 });
  return path;
}

describe('the Lease namespace and the generated RBAC', () => {
  it('an operator told to keep its Lease outside the namespace its generated Role covers exits 1 saying so', {
    timeout: 120_000,
  }, async () => {
    await using home = await plane.createNamespace('lease-home');
    await using elsewhere = await plane.createNamespace('lease-elsewhere');
    // The RBAC `operon generate rbac` writes for an operator deployed in `home`, watching `home`.
    const docs = rbacManifests({
      name: NAME,
      namespace: home.name,
      watchNamespace: home.name,
      leaderElection: true,
      secureMetrics: false,
      controllers: [controller({ name: 'configmaps', for: ConfigMap, reconcile: async () => Action.done() })],
    });
    for (const doc of docs) {
      const d = doc as { apiVersion: string; kind: string };
      await admin.apply(await admin.mapper.resourceFor(d.apiVersion, d.kind), doc as never, { force: true });
    }
    await admin.create(ConfigMap, { metadata: { name: 'trigger', namespace: home.name } });
    const kubeconfig = await serviceAccountKubeconfig(home.name);
    const env = (podNamespace: string) =>
      operatorEnv(kubeconfig, home.name, {
        POD_NAMESPACE: podNamespace,
        OPERATOR_NAMESPACE: home.name,
        OPERON_METRICS_ADDRESS: '0',
      });

    // Elsewhere: refused at start, naming the setting, both namespaces and the Role.
    const moved = spawnOperator(OPERATOR, env(elsewhere.name));
    assert.equal(await moved.exited, 1, moved.stderr().slice(-2000));
    const said = moved.stderr();
    assert.match(said, new RegExp(`Lease "${NAME}" in namespace "${elsewhere.name}"`));
    assert.match(said, /--leader-elect-namespace \/ POD_NAMESPACE/);
    assert.match(said, /may not get, update, create Leases there/);
    assert.match(said, new RegExp(`"${home.name}" only \\(Role ${NAME}-leader-election\\)`));

    // At home, with the same RBAC, it leads and reconciles: the refusal was about the namespace.
    const athome = spawnOperator(OPERATOR, env(home.name));
    await athome.printed('reconciled');
    athome.child.kill('SIGTERM');
    assert.equal(await athome.exited, 0, athome.stderr().slice(-2000));
  });

  it('an operator told to keep its webhook certificates outside that namespace exits 1 saying so, and starts once granted', {
    timeout: 120_000,
  }, async () => {
    await using home = await plane.createNamespace('certs-home');
    await using elsewhere = await plane.createNamespace('certs-elsewhere');
    const kubeconfig = await serviceAccountKubeconfig(home.name);
    // No leader election: only the certificate Secret's namespace is checked.
    const env = operatorEnv(kubeconfig, home.name, {
      POD_NAMESPACE: elsewhere.name,
      OPERATOR_NAMESPACE: home.name,
      OPERON_LEADER_ELECTION: 'false',
      OPERON_METRICS_ADDRESS: '0',
      OPERON_HEALTH_ADDRESS: '0',
      OPERON_WEBHOOKS: 'true',
      OPERON_WEBHOOK_ADDRESS: '127.0.0.1:0',
      WITH_WEBHOOKS: '1',
    });
    const secret = `${NAME}-webhook-cert`;
    const refused = spawnOperator(OPERATOR, env);
    assert.equal(await refused.exited, 1, refused.stderr().slice(-2000));
    const said = refused.stderr();
    assert.match(said, new RegExp(`Secret "${secret}" in namespace "${elsewhere.name}"`));
    assert.match(said, /may not get, update, create Secrets there/);
    assert.match(said, new RegExp(`"${home.name}" only \\(Role ${NAME}-webhook-certs\\)`));
    assert.match(said, /--webhook-cert-path/);

    // Granted there (what the message says to grant), it passes the check and keeps its
    // certificates in that namespace.
    const subject = { kind: 'ServiceAccount', name: NAME, namespace: home.name };
    await admin.create(Role, {
      metadata: { name: 'certs', namespace: elsewhere.name },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: [secret], verbs: ['get', 'update'] },
      ],
    });
    await admin.create(RoleBinding, {
      metadata: { name: 'certs', namespace: elsewhere.name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'certs' },
      subjects: [subject],
    });
    const granted = spawnOperator(OPERATOR, env);
    try {
      const kept = await eventually(`the Secret ${secret} in ${elsewhere.name}`, () =>
        admin.get(Secret, secret, { namespace: elsewhere.name }).catch(() => undefined),
      );
      assert.ok(
        kept.data?.['ca.crt'] && kept.data['tls.crt'],
        'the Secret holds a CA and a serving certificate',
      );
    } finally {
      granted.child.kill('SIGTERM');
      await granted.exited;
    }
  });

  it('checks no Secret access when the webhook certificates come from files, or when the webhooks are not served', {
    timeout: 120_000,
  }, async () => {
    await using home = await plane.createNamespace('files-home');
    await using elsewhere = await plane.createNamespace('files-elsewhere');
    const kubeconfig = await serviceAccountKubeconfig(home.name);
    // cert-manager mode: a folder with tls.crt and tls.key; no Secret is read or written.
    const certDir = join(dir, 'serving-certs');
    await mkdir(certDir);
    const serving = await issueServingCert(await createSelfSignedCA(), { dnsNames: ['localhost'] });
    await writeFile(join(certDir, 'tls.crt'), serving.cert);
    await writeFile(join(certDir, 'tls.key'), serving.key);
    // The same refused identity and namespaces as above: only the certificates' source differs.
    const base = {
      POD_NAMESPACE: elsewhere.name,
      OPERATOR_NAMESPACE: home.name,
      OPERON_LEADER_ELECTION: 'false',
      OPERON_METRICS_ADDRESS: '0',
      OPERON_HEALTH_ADDRESS: '0',
      OPERON_WEBHOOK_ADDRESS: '127.0.0.1:0',
      WITH_WEBHOOKS: '1',
    };
    for (const [what, extra] of [
      ['certificates from files', { OPERON_WEBHOOKS: 'true', OPERON_WEBHOOK_CERT_DIR: certDir }],
      ['webhooks not served', { OPERON_WEBHOOKS: 'false' }],
    ] as const) {
      const started = spawnOperator(OPERATOR, operatorEnv(kubeconfig, home.name, { ...base, ...extra }));
      try {
        // Past the checks: the manager runs (its caches cannot sync, this identity may not list
        // ConfigMaps, which does not matter here).
        const waiting = new AbortController();
        const first = await Promise.race([
          eventually(
            `${what}: the manager starting`,
            () => (started.stderr().includes('"manager starting"') ? 'started' : undefined),
            { signal: waiting.signal },
          ),
          started.exited.then((code) => `exited ${code}`),
        ]).finally(() => waiting.abort());
        assert.equal(first, 'started', `${what}: ${started.stderr().slice(-2000)}`);
        assert.doesNotMatch(started.stderr(), /webhook certificates would be kept/, what);
      } finally {
        started.child.kill('SIGTERM');
        await started.exited;
      }
    }
  });
});
