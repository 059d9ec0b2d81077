import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type Client,
  type ClusterConfig,
  ConfigMap,
  createClient,
  loadKubeconfig,
  SelfSubjectReview,
  ServiceAccount,
} from 'operon/client';
import { attachKubeconfig, type ControlPlane, useControlPlane } from 'operon/testing';
import { parse, stringify } from 'yaml';
import { createSelfSignedCA } from '../src/certs/index.ts';
import { killAll, spawnOperator } from './support/operator-process.ts';

const KUBECTL = '/usr/bin/kubectl';
const run = promisify(execFile);

let plane: ControlPlane;
let admin: Client;
let dir: string;
let server: string;
let caPem: string;
/** A CA that signed nothing the plane serves. */
let otherCaPem: string;
let certPem: string;
let keyPem: string;
let saToken: string;
let proxy: Server;
let proxyUrl: string;
let proxied = 0;
let namespace: string;
let cleanup: () => Promise<void>;
const b64 = (s: string) => Buffer.from(s).toString('base64');

before(async () => {
  plane = await useControlPlane();
  admin = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  dir = await mkdtemp(join(tmpdir(), 'operon-kubectl-'));
  const adminConfig = parse(await readFile(plane.kubeconfig.path, 'utf8'));
  server = adminConfig.clusters[0].cluster.server;
  caPem = Buffer.from(adminConfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
  certPem = Buffer.from(adminConfig.users[0].user['client-certificate-data'], 'base64').toString();
  keyPem = Buffer.from(adminConfig.users[0].user['client-key-data'], 'base64').toString();
  otherCaPem = (await createSelfSignedCA({ commonName: 'not-the-plane-ca' })).cert;
  const ns = await plane.createNamespace('kubectl');
  namespace = ns.name;
  cleanup = async () => {
    await ns[Symbol.asyncDispose]();
  };
  await admin.apply(ServiceAccount, { metadata: { name: 'plugin-user', namespace } }, { force: true });
  const minted = await admin.transport.json<{ status: { token: string } }>({
    method: 'POST',
    path: `${admin.path(ServiceAccount, { namespace, name: 'plugin-user' })}/token`,
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }),
  });
  saToken = minted.status.token;
  // An HTTP CONNECT proxy that counts the tunnels it opens, for proxy-url.
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, socket, head) => {
    proxied++;
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host!, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
after(async () => {
  killAll();
  proxy?.closeAllConnections();
  proxy?.close();
  await cleanup?.();
  await admin?.close();
  await plane?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Case {
  name: string;
  /** Files to write, relative to the case's folder (objects become YAML). */
  files: Record<string, unknown>;
  /** The KUBECONFIG list, relative to the case's folder. */
  kubeconfig: string[];
  context?: string;
  /** Run with the case's folder as the working directory (relative KUBECONFIG entries). */
  relativeKubeconfig?: boolean;
  expect?: (config: ClusterConfig) => void;
  /** kubectl refuses to talk to the server with it (TLS): so must we. */
  refused?: boolean;
}

// Placeholders, filled in when a case's files are written (the plane is up only then).
const cluster = (extra: Record<string, unknown> = {}) => ({
  server: '$SERVER',
  'certificate-authority-data': '$CA_B64',
  ...extra,
});
const certUser = () => ({ 'client-certificate-data': '$CERT_B64', 'client-key-data': '$KEY_B64' });
const config = (parts: {
  clusters?: Record<string, unknown>;
  users?: Record<string, unknown>;
  contexts?: Record<string, unknown>;
  current?: string;
}) => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: Object.entries(parts.clusters ?? {}).map(([name, c]) => ({ name, cluster: c })),
  users: Object.entries(parts.users ?? {}).map(([name, u]) => ({ name, user: u })),
  contexts: Object.entries(parts.contexts ?? {}).map(([name, c]) => ({ name, context: c })),
  ...(parts.current ? { 'current-context': parts.current } : {}),
});

function cases(): Case[] {
  return [
    {
      name: 'one file, inline data, context namespace',
      files: {
        config: config({
          clusters: { c: cluster() },
          users: { admin: certUser() },
          contexts: { ctx: { cluster: 'c', user: 'admin', namespace: 'team-a' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['config'],
    },
    {
      name: 'merged list: first file wins a name, current-context from the first that sets it, user from the second',
      files: {
        a: config({
          clusters: { c: cluster() },
          contexts: { ctx: { cluster: 'c', user: 'admin', namespace: 'from-a' } },
        }),
        b: config({
          clusters: { c: cluster({ server: 'https://127.0.0.1:1' }) },
          users: { admin: certUser() },
          contexts: { ctx: { cluster: 'c', user: 'admin', namespace: 'from-b' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['a', 'missing', 'b'],
    },
    {
      name: 'relative certificate paths and a relative KUBECONFIG entry',
      files: {
        'pki/ca.crt': '$CA_PEM',
        'pki/admin.crt': '$CERT_PEM',
        'pki/admin.key': '$KEY_PEM',
        'kube/config': config({
          clusters: { c: { server: '$SERVER', 'certificate-authority': '../pki/ca.crt' } },
          users: { admin: { 'client-certificate': '../pki/admin.crt', 'client-key': '../pki/admin.key' } },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['kube/config'],
      relativeKubeconfig: true,
    },
    {
      name: 'a context chosen over current-context',
      files: {
        config: config({
          clusters: { c: cluster(), dead: cluster({ server: 'https://127.0.0.1:1' }) },
          users: { admin: certUser() },
          contexts: {
            broken: { cluster: 'dead', user: 'admin' },
            other: { cluster: 'c', user: 'admin', namespace: 'picked' },
          },
          current: 'broken',
        }),
      },
      kubeconfig: ['config'],
      context: 'other',
    },
    {
      name: 'TLS: tls-server-name differs from the host',
      files: {
        config: config({
          clusters: { c: cluster({ 'tls-server-name': 'kubernetes.default.svc' }) },
          users: { admin: certUser() },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['config'],
      expect: (c) => assert.equal(c.tlsServerName, 'kubernetes.default.svc'),
    },
    {
      name: 'TLS: insecure-skip-tls-verify without a CA',
      files: {
        config: config({
          clusters: { c: { server: '$SERVER', 'insecure-skip-tls-verify': true } },
          users: { admin: certUser() },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['config'],
      expect: (c) => assert.equal(c.insecureSkipTLSVerify, true),
    },
    {
      name: 'proxy-url',
      files: {
        config: config({
          clusters: { c: cluster({ 'proxy-url': '$PROXY' }) },
          users: { admin: certUser() },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['config'],
    },
    {
      // The kubeconfig sits in a subfolder of the working directory: a command resolved against the
      // working directory instead of the kubeconfig's folder would not be found.
      name: 'exec plugin with a command relative to the kubeconfig, and env',
      files: {
        'kube/bin/plugin.sh': `#!/bin/sh\nprintf '%s' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'"$(cat "$PLUGIN_TOKEN_PATH")"'"}}'\n`,
        token: '$SA_TOKEN',
        'kube/config': config({
          clusters: { c: cluster() },
          users: {
            sa: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: './bin/plugin.sh',
                env: [{ name: 'PLUGIN_TOKEN_PATH', value: '$DIR/token' }],
                interactiveMode: 'Never',
              },
            },
          },
          contexts: { ctx: { cluster: 'c', user: 'sa', namespace: '$NS' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['kube/config'],
      expect: (c) => assert.equal(c.auth.kind, 'exec'),
    },
    {
      name: 'tokenFile relative to the kubeconfig, not to the working directory',
      files: {
        'kube/secrets/token': '$SA_TOKEN',
        'kube/config': config({
          clusters: { c: cluster() },
          users: { sa: { tokenFile: 'secrets/token' } },
          contexts: { ctx: { cluster: 'c', user: 'sa' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['kube/config'],
    },
    {
      name: 'TLS: a tls-server-name the serving certificate does not hold is refused',
      files: {
        config: config({
          clusters: { c: cluster({ 'tls-server-name': 'not-the-apiserver.example' }) },
          users: { admin: certUser() },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['config'],
      refused: true,
    },
    {
      name: 'TLS: a CA that did not sign the serving certificate is refused',
      files: {
        config: config({
          clusters: { c: { server: '$SERVER', 'certificate-authority-data': '$OTHER_CA_B64' } },
          users: { admin: certUser() },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['config'],
      refused: true,
    },
    {
      name: 'impersonation: as, as-groups, as-uid, as-user-extra',
      files: {
        config: config({
          clusters: { c: cluster() },
          users: {
            admin: {
              ...certUser(),
              as: 'jane@example.com',
              'as-groups': ['devs', 'oncall'],
              'as-uid': '1234-abcd',
              'as-user-extra': { scopes: ['view', 'edit'], 'example.com/team': ['payments'] },
            },
          },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['config'],
      expect: (c) => assert.equal(c.impersonate?.user, 'jane@example.com'),
    },
    {
      name: 'impersonating a ServiceAccount',
      files: {
        config: config({
          clusters: { c: cluster() },
          users: { admin: { ...certUser(), as: 'system:serviceaccount:$NS:plugin-user' } },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      },
      kubeconfig: ['config'],
    },
  ];
}

/** Writes a case's files (placeholders filled) under its own folder; returns the folder. */
async function writeCase(c: Case, index: number): Promise<string> {
  const caseDir = join(dir, `case${index}`);
  const fill = (text: string) =>
    text
      .replaceAll('$SERVER', server)
      .replaceAll('$CA_B64', b64(caPem))
      .replaceAll('$OTHER_CA_B64', b64(otherCaPem))
      .replaceAll('$CERT_B64', b64(certPem))
      .replaceAll('$KEY_B64', b64(keyPem))
      .replaceAll('$CA_PEM', caPem)
      .replaceAll('$CERT_PEM', certPem)
      .replaceAll('$KEY_PEM', keyPem)
      .replaceAll('$PROXY', proxyUrl)
      .replaceAll('$SA_TOKEN', saToken)
      .replaceAll('$DIR', caseDir)
      .replaceAll('$NS', namespace);
  for (const [path, content] of Object.entries(c.files)) {
    const full = join(caseDir, path);
    await mkdir(join(full, '..'), { recursive: true });
    await writeFile(full, fill(typeof content === 'string' ? content : stringify(content)), { mode: 0o600 });
    if (path.endsWith('.sh')) await chmod(full, 0o755);
  }
  return caseDir;
}

async function kubectl(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<unknown> {
  const { stdout } = await run(KUBECTL, args, { env, cwd, timeout: 30_000 });
  return JSON.parse(stdout);
}

describe('the kubeconfig loader agrees with kubectl', () => {
  for (const [index, c] of cases().entries()) {
    it(`${c.name}: same server, namespace, TLS settings and identity`, async () => {
      const caseDir = await writeCase(c, index);
      const list = c.kubeconfig
        .map((p) => (c.relativeKubeconfig ? relative(caseDir, join(caseDir, p)) : join(caseDir, p)))
        .join(delimiter);
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: caseDir, KUBECONFIG: list };
      const contextArgs = c.context ? ['--context', c.context] : [];

      const view = (await kubectl(
        ['config', 'view', '--minify', '--flatten', '-o', 'json', ...contextArgs],
        env,
        caseDir,
      )) as {
        clusters: Array<{ cluster: Record<string, unknown> }>;
        contexts: Array<{ context: { namespace?: string } }>;
      };
      const beforeKubectl = proxied;
      const whoami = c.refused
        ? await assert.rejects(
            kubectl(['auth', 'whoami', '-o', 'json', ...contextArgs], env, caseDir),
            /x509|certificate/,
            'kubectl refuses this server',
          )
        : ((await kubectl(['auth', 'whoami', '-o', 'json', ...contextArgs], env, caseDir)) as {
            status: { userInfo: unknown };
          });
      const kubectlTunnels = proxied - beforeKubectl;

      // Ours, from the same files and working directory.
      const cwd = process.cwd();
      process.chdir(caseDir);
      let loaded: ClusterConfig;
      try {
        loaded = await loadKubeconfig({ env, ...(c.context ? { context: c.context } : {}) });
      } finally {
        process.chdir(cwd);
      }
      const k = view.clusters[0]!.cluster;
      assert.equal(loaded.server, k.server);
      assert.equal(loaded.namespace, view.contexts[0]!.context.namespace ?? 'default');
      assert.equal(
        loaded.ca,
        k['certificate-authority-data']
          ? Buffer.from(String(k['certificate-authority-data']), 'base64').toString()
          : undefined,
      );
      assert.equal(loaded.insecureSkipTLSVerify, k['insecure-skip-tls-verify'] === true);
      assert.equal(loaded.tlsServerName, k['tls-server-name']);
      assert.equal(loaded.proxyUrl, k['proxy-url']);
      c.expect?.(loaded);

      const client = createClient(loaded);
      const beforeOurs = proxied;
      try {
        const review = client.create(SelfSubjectReview, {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'SelfSubjectReview',
        });
        if (whoami === undefined) await assert.rejects(review, /certificate/, 'we refuse it too');
        else assert.deepEqual((await review).status?.userInfo, whoami.status.userInfo);
      } finally {
        await client.close();
      }
      const ourTunnels = proxied - beforeOurs;
      if (k['proxy-url']) {
        assert.ok(kubectlTunnels >= 1, 'kubectl went through the proxy');
        assert.ok(ourTunnels >= 1, 'Operon went through the proxy');
      } else {
        assert.equal(kubectlTunnels + ourTunnels, 0, 'no proxy without proxy-url');
      }
    });
  }
});

describe("the test plane's attachKubeconfig", () => {
  it('acts as the kubeconfig says: impersonation headers reach the API server', async () => {
    const caseDir = join(dir, 'attach');
    await mkdir(caseDir, { recursive: true });
    const path = join(caseDir, 'config');
    await writeFile(
      path,
      stringify(
        config({
          clusters: { c: cluster() },
          users: {
            admin: {
              ...certUser(),
              as: 'jane',
              'as-groups': ['devs'],
              'as-uid': '7',
              'as-user-extra': { team: ['a'] },
            },
          },
          contexts: { ctx: { cluster: 'c', user: 'admin' } },
          current: 'ctx',
        }),
      ),
    );
    await writeFile(
      path,
      (await readFile(path, 'utf8'))
        .replaceAll('$SERVER', server)
        .replaceAll('$CA_B64', b64(caPem))
        .replaceAll('$CERT_B64', b64(certPem))
        .replaceAll('$KEY_B64', b64(keyPem)),
    );
    const attached = await attachKubeconfig({ KUBECONFIG: path, HOME: caseDir });
    try {
      const review = await attached.connection.call<{ status: { userInfo: Record<string, unknown> } }>(
        'POST',
        '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      );
      assert.equal(review.status.userInfo.username, 'jane');
      assert.equal(review.status.userInfo.uid, '7');
      assert.deepEqual(review.status.userInfo.extra, { team: ['a'] });
      assert.ok((review.status.userInfo.groups as string[]).includes('devs'));
    } finally {
      await attached.stop();
    }
  });
});

describe('operator.run() with --kubeconfig', () => {
  it("sends the loader's warnings to the operator's log: unknown user fields, and what an exec plugin prints to stderr", {
    timeout: 60_000,
  }, async () => {
    const caseDir = join(dir, 'run-flag');
    await mkdir(caseDir, { recursive: true });
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { clientCertificateData: certPem, clientKeyData: keyPem },
    });
    await writeFile(join(caseDir, 'credential.json'), credential);
    const plugin = join(caseDir, 'plugin.sh');
    await writeFile(
      plugin,
      `#!/bin/sh\necho "plugin-note: refresh token rt-hunter2 renewed" >&2\ncat "${join(caseDir, 'credential.json')}"\n`,
    );
    await chmod(plugin, 0o755);
    const path = join(caseDir, 'config');
    await writeFile(
      path,
      stringify(
        config({
          clusters: { c: { server, 'certificate-authority-data': b64(caPem) } },
          users: {
            u: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: plugin,
                interactiveMode: 'Never',
              },
              tokn: 'misspelt',
            },
          },
          contexts: { ctx: { cluster: 'c', user: 'u', namespace } },
          current: 'ctx',
        }),
      ),
    );
    await admin.apply(ConfigMap, { metadata: { name: 'run-flag', namespace } }, { force: true });
    const op = spawnOperator(
      fileURLToPath(new URL('./fixtures/lease-operator.ts', import.meta.url)),
      {
        KUBECONFIG: '',
        WATCH_NAMESPACE: namespace,
        OPERATOR_NAMESPACE: namespace,
        OPERON_LEADER_ELECTION: 'false',
        OPERON_METRICS_ADDRESS: '0',
        OPERON_HEALTH_ADDRESS: '0',
      },
      { args: ['--kubeconfig', path] },
    );
    try {
      await op.printed('reconciled');
    } finally {
      op.child.kill('SIGTERM');
      await op.exited;
    }
    const warnings = op
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; msg: string; stderr?: string; fields?: string[] })
      .filter((l) => l.level === 'warn');
    assert.ok(
      warnings.some((w) => w.stderr?.includes('plugin-note')),
      `the plugin's stderr at warn level: ${op.stderr().slice(-2000)}`,
    );
    assert.ok(
      warnings.some((w) => w.fields?.includes('tokn')),
      'the unknown field at warn level',
    );
  });
});
