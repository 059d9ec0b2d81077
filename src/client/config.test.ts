import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { ErrorCode, isOperonError } from '../errors.ts';
import { toLoggable } from '../log/logger.ts';
import {
  type ClusterConfig,
  configFromKubeconfigObject,
  inClusterConfig,
  loadConfig,
  loadKubeconfig,
} from './config.ts';

const ca = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
const clientCert = '-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n';
const clientKey = '-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const execV1 = 'client.authentication.k8s.io/v1';

let root: string;
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'operon-config-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh directory for one test. */
async function scratch(): Promise<string> {
  const dir = join(root, `t${++counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

interface ConfigSpec {
  current?: string;
  clusters?: Record<string, Record<string, unknown>>;
  users?: Record<string, Record<string, unknown>>;
  contexts?: Record<string, Record<string, unknown>>;
}

/** A kubeconfig object in the v1 list shape. */
function kubeconfig(spec: ConfigSpec): Record<string, unknown> {
  const list = (key: string, entries: Record<string, Record<string, unknown>> = {}) =>
    Object.entries(entries).map(([name, value]) => ({ name, [key]: value }));
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: list('cluster', spec.clusters),
    users: list('user', spec.users),
    contexts: list('context', spec.contexts),
    ...(spec.current ? { 'current-context': spec.current } : {}),
  };
}

/** One cluster `c`, one user `u` and one current context `ctx`. */
function simple(user: Record<string, unknown> = {}, cluster: Record<string, unknown> = {}): ConfigSpec {
  return {
    current: 'ctx',
    clusters: { c: { server: 'https://example.test:6443', ...cluster } },
    users: { u: user },
    contexts: { ctx: { cluster: 'c', user: 'u' } },
  };
}

async function writeKubeconfig(path: string, spec: ConfigSpec): Promise<string> {
  await writeFile(path, stringify(kubeconfig(spec)));
  return path;
}

/** Asserts an OperonError with `code` whose message contains every `part`. */
async function assertFails(
  action: (() => unknown) | Promise<unknown>,
  code: ErrorCode,
  ...parts: Array<string | RegExp>
): Promise<Error> {
  let thrown: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, 'expected an error, but none was thrown');
  assert.ok(isOperonError(thrown, code), `expected ${code}, got: ${String(thrown)}`);
  for (const part of parts) {
    if (typeof part === 'string')
      assert.ok(thrown.message.includes(part), `"${part}" not in: ${thrown.message}`);
    else assert.match(thrown.message, part);
  }
  return thrown;
}

/** Writes an executable shell script. */
async function writeScript(path: string, body: string): Promise<string> {
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/** A plugin that records each run as a line in $RUNS and returns token `tok-<run number>`. */
async function countingPlugin(dir: string, opts: { expires?: string; delay?: string } = {}): Promise<string> {
  const status = `"token":"tok-'"$n"'"${opts.expires ? `,"expirationTimestamp":"${opts.expires}"` : ''}`;
  return writeScript(
    join(dir, 'plugin.sh'),
    [
      'echo run >> "$RUNS"',
      'n=$(wc -l < "$RUNS" | tr -d " ")',
      opts.delay ? `sleep ${opts.delay}` : '',
      `printf '%s' '{"apiVersion":"${execV1}","kind":"ExecCredential","status":{${status}}}'`,
    ].join('\n'),
  );
}

async function runs(file: string): Promise<number> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

function execUser(command: string, env: Record<string, string>, extra: Record<string, unknown> = {}) {
  return {
    exec: {
      apiVersion: execV1,
      command,
      env: Object.entries(env).map(([name, value]) => ({ name, value })),
      interactiveMode: 'Never',
      ...extra,
    },
  };
}

const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('kubeconfig files', () => {
  it('the first file in KUBECONFIG wins for a context defined twice', async () => {
    const dir = await scratch();
    const first = await writeKubeconfig(join(dir, 'first'), {
      clusters: { a: { server: 'https://first.test' } },
      users: { u: { token: 'first-token' } },
      contexts: { dev: { cluster: 'a', user: 'u', namespace: 'from-first' } },
    });
    const second = await writeKubeconfig(join(dir, 'second'), {
      current: 'dev',
      clusters: { a: { server: 'https://second.test' }, b: { server: 'https://b.test' } },
      users: { u: { token: 'second-token' } },
      contexts: { dev: { cluster: 'b', user: 'u', namespace: 'from-second' } },
    });
    const config = await loadKubeconfig({ env: { KUBECONFIG: [first, second].join(delimiter) } });
    assert.equal(config.contextName, 'dev'); // current-context from the only file that sets it
    assert.equal(config.namespace, 'from-first');
    assert.equal(config.server, 'https://first.test');
    assert.deepEqual(await config.auth.credentials(), { token: 'first-token' });
  });

  it('current-context comes from the first file that sets it', async () => {
    const dir = await scratch();
    const spec = (current: string): ConfigSpec => ({
      current,
      clusters: { [current]: { server: `https://${current}.test` } },
      contexts: { [current]: { cluster: current } },
    });
    const a = await writeKubeconfig(join(dir, 'a'), spec('one'));
    const b = await writeKubeconfig(join(dir, 'b'), spec('two'));
    const config = await loadKubeconfig({ env: { KUBECONFIG: [b, a].join(delimiter) } });
    assert.equal(config.contextName, 'two');
    assert.equal(config.server, 'https://two.test');
  });

  it('missing files in KUBECONFIG are skipped', async () => {
    const dir = await scratch();
    const real = await writeKubeconfig(join(dir, 'config'), simple({ token: 't' }));
    const config = await loadKubeconfig({
      env: { KUBECONFIG: [join(dir, 'missing'), real].join(delimiter) },
    });
    assert.equal(config.server, 'https://example.test:6443');
    assert.equal(config.source, `${real} (context "ctx")`);
  });

  it('a KUBECONFIG whose files all are missing names them', async () => {
    const dir = await scratch();
    const a = join(dir, 'nope-a');
    const b = join(dir, 'nope-b');
    await assertFails(
      loadConfig({ env: { KUBECONFIG: [a, b].join(delimiter) } }),
      ErrorCode.InvalidKubeconfig,
      a,
      b,
      'KUBECONFIG',
    );
  });

  it('the kubeconfig option overrides KUBECONFIG and must exist', async () => {
    const dir = await scratch();
    const fromEnv = await writeKubeconfig(join(dir, 'env'), simple({}, { server: 'https://env.test' }));
    const explicit = await writeKubeconfig(
      join(dir, 'explicit'),
      simple({}, { server: 'https://explicit.test' }),
    );
    const config = await loadConfig({ kubeconfig: explicit, env: { KUBECONFIG: fromEnv } });
    assert.equal(config.server, 'https://explicit.test');
    const missing = join(dir, 'missing');
    await assertFails(
      loadConfig({ kubeconfig: missing, env: { KUBECONFIG: fromEnv } }),
      ErrorCode.InvalidKubeconfig,
      missing,
      'ENOENT',
    );
  });

  it('relative certificate paths resolve against the kubeconfig that names them', async () => {
    const dir = await scratch();
    await mkdir(join(dir, 'a', 'certs'), { recursive: true });
    await mkdir(join(dir, 'b', 'pki'), { recursive: true });
    await writeFile(join(dir, 'a', 'certs', 'ca.crt'), ca);
    await writeFile(join(dir, 'b', 'pki', 'client.crt'), clientCert);
    await writeFile(join(dir, 'b', 'pki', 'client.key'), clientKey);
    const clusterFile = await writeKubeconfig(join(dir, 'a', 'config'), {
      current: 'ctx',
      clusters: { c: { server: 'https://example.test', 'certificate-authority': 'certs/ca.crt' } },
      contexts: { ctx: { cluster: 'c', user: 'u' } },
    });
    const userFile = await writeKubeconfig(join(dir, 'b', 'config'), {
      users: { u: { 'client-certificate': 'pki/client.crt', 'client-key': './pki/client.key' } },
    });
    const config = await loadKubeconfig({ env: { KUBECONFIG: [clusterFile, userFile].join(delimiter) } });
    assert.equal(config.ca, ca);
    assert.equal(config.auth.kind, 'static');
    assert.deepEqual(await config.auth.credentials(), { cert: clientCert, key: clientKey });
    assert.match(config.source, new RegExp(`user from ${userFile.replaceAll(/[/\\.]/g, '\\$&')}`));
  });

  it('malformed YAML names the file and line', async () => {
    const dir = await scratch();
    const path = join(dir, 'config');
    await writeFile(
      path,
      'apiVersion: v1\nkind: Config\nusers:\n  - name: u\n    user:\n      token: abc\n     bad: 1\n',
    );
    await assertFails(
      loadKubeconfig({ kubeconfig: path, env: {} }),
      ErrorCode.InvalidKubeconfig,
      `${path}:7:`,
      'not valid YAML',
    );
  });

  it('malformed YAML on the line of a token does not quote the token, even in the cause', async () => {
    const dir = await scratch();
    const path = join(dir, 'config');
    const token = 'sha256~secretTokenValue0123';
    await writeFile(
      path,
      `apiVersion: v1\nkind: Config\nusers:\n  - name: u\n    user:\n      token: ${token}: x: y\n`,
    );
    const err = await loadKubeconfig({ kubeconfig: path, env: {} }).then(
      () => assert.fail('loaded'),
      (e: unknown) => e,
    );
    assert.ok(isOperonError(err, ErrorCode.InvalidKubeconfig));
    const logged = JSON.stringify(toLoggable(err));
    assert.match(logged, /not valid YAML/);
    assert.ok(!logged.includes(token), logged);
  });

  it('a file that is not a kubeconfig says so', async () => {
    const dir = await scratch();
    const path = join(dir, 'deployment.yaml');
    await writeFile(path, 'apiVersion: apps/v1\nkind: Deployment\n');
    await assertFails(
      loadKubeconfig({ kubeconfig: path, env: {} }),
      ErrorCode.InvalidKubeconfig,
      path,
      'Deployment',
    );
  });
});

describe('finding configuration', () => {
  it('no kubeconfig anywhere names the three ways out', async () => {
    const home = await scratch();
    const saRoot = join(home, 'no-service-account');
    const err = await assertFails(
      loadConfig({ env: { HOME: home, KUBERNETES_SERVICE_HOST: '10.0.0.1' }, inClusterRoot: saRoot }),
      ErrorCode.InvalidKubeconfig,
      'KUBECONFIG: not set',
      join(saRoot, 'token'),
      join(home, '.kube', 'config'),
      'set KUBECONFIG',
      'create ~/.kube/config',
      'run inside a Kubernetes cluster',
    );
    assert.equal((err as { retryable?: boolean }).retryable, false);
  });

  it('loadConfig uses ~/.kube/config from HOME when nothing else applies', async () => {
    const home = await scratch();
    await mkdir(join(home, '.kube'));
    const path = await writeKubeconfig(
      join(home, '.kube', 'config'),
      simple({}, { server: 'https://home.test' }),
    );
    const config = await loadConfig({ env: { HOME: home }, inClusterRoot: join(home, 'none') });
    assert.equal(config.server, 'https://home.test');
    assert.equal(config.source, `${path} (context "ctx")`);
  });

  it('loadConfig prefers a mounted service account to ~/.kube/config, and KUBECONFIG to both', async () => {
    const home = await scratch();
    await mkdir(join(home, '.kube'));
    await writeKubeconfig(join(home, '.kube', 'config'), simple({}, { server: 'https://home.test' }));
    const sa = join(home, 'sa');
    await mkdir(sa);
    await writeFile(join(sa, 'token'), 'sa-token\n');
    const env = { HOME: home, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const inCluster = await loadConfig({ env, inClusterRoot: sa });
    assert.equal(inCluster.server, 'https://10.96.0.1:443');
    assert.equal(inCluster.contextName, undefined);

    const viaEnv = await writeKubeconfig(join(home, 'kc'), simple({}, { server: 'https://env.test' }));
    const fromEnv = await loadConfig({ env: { ...env, KUBECONFIG: viaEnv }, inClusterRoot: sa });
    assert.equal(fromEnv.server, 'https://env.test');

    const withContext = await loadConfig({ env, inClusterRoot: sa, context: 'ctx' });
    assert.equal(withContext.server, 'https://home.test', 'a context only exists in a kubeconfig');
  });
});

describe('contexts', () => {
  const spec: ConfigSpec = {
    current: 'dev',
    clusters: { dev: { server: 'https://dev.test' }, prod: { server: 'https://prod.test/' } },
    contexts: { dev: { cluster: 'dev', namespace: 'team-a' }, prod: { cluster: 'prod' } },
  };

  it('the context option overrides current-context', () => {
    const config = configFromKubeconfigObject(kubeconfig(spec), { context: 'prod' });
    assert.equal(config.contextName, 'prod');
    assert.equal(config.server, 'https://prod.test', 'the trailing slash is dropped');
  });

  it("the namespace is the context's, else default", () => {
    assert.equal(configFromKubeconfigObject(kubeconfig(spec)).namespace, 'team-a');
    assert.equal(configFromKubeconfigObject(kubeconfig(spec), { context: 'prod' }).namespace, 'default');
  });

  it('an unknown context lists the contexts that exist', async () => {
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(spec), { context: 'staging', source: '/k/config' }),
      ErrorCode.InvalidKubeconfig,
      'Context "staging" (from the context option)',
      '/k/config',
      '"dev", "prod"',
    );
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig({ ...spec, current: 'gone' }), { source: '/k/config' }),
      ErrorCode.InvalidKubeconfig,
      'current-context "gone"',
      '"dev", "prod"',
      'kubectl config use-context',
    );
  });

  it('a kubeconfig without current-context asks for one', async () => {
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig({ ...spec, current: '' }), { source: '/k/config' }),
      ErrorCode.InvalidKubeconfig,
      '/k/config sets no current-context',
      '"dev", "prod"',
    );
  });

  it('a context naming a missing cluster or user says which, and where', async () => {
    const broken: ConfigSpec = {
      current: 'ctx',
      clusters: { real: { server: 'https://real.test' } },
      users: { someone: { token: 't' } },
      contexts: { ctx: { cluster: 'ghost', user: 'someone' }, ctx2: { cluster: 'real', user: 'nobody' } },
    };
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(broken), { source: '/k/config' }),
      ErrorCode.InvalidKubeconfig,
      '/k/config, context "ctx"',
      'cluster "ghost"',
      '"real"',
    );
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(broken), { source: '/k/config', context: 'ctx2' }),
      ErrorCode.InvalidKubeconfig,
      'context "ctx2"',
      'user "nobody"',
      '"someone"',
    );
  });

  it('a context without a user authenticates with nothing', async () => {
    const config = configFromKubeconfigObject(kubeconfig(spec));
    assert.equal(config.auth.kind, 'none');
    assert.deepEqual(await config.auth.credentials(), {});
  });
});

describe('clusters', () => {
  it('a cluster without server says how to set it', async () => {
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({}, { server: '' })), { source: '/k/config' }),
      ErrorCode.InvalidKubeconfig,
      '/k/config, cluster "c" (used by context "ctx")',
      '"server" is not set',
      'kubectl config set-cluster c --server=',
    );
  });

  it('a server without a scheme is refused with the fix', async () => {
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({}, { server: '10.0.0.1:6443' }))),
      ErrorCode.InvalidKubeconfig,
      'has no scheme',
      'https://10.0.0.1:6443',
    );
  });

  it('inline CA data is decoded and TLS settings are kept', () => {
    const config = configFromKubeconfigObject(
      kubeconfig(
        simple(
          {},
          {
            'certificate-authority-data': b64(ca),
            'tls-server-name': 'kubernetes',
            'proxy-url': 'http://proxy.test:3128',
          },
        ),
      ),
    );
    assert.equal(config.ca, ca);
    assert.equal(config.tlsServerName, 'kubernetes');
    assert.equal(config.proxyUrl, 'http://proxy.test:3128');
    assert.equal(config.insecureSkipTLSVerify, false);
  });

  it('a CA together with insecure-skip-tls-verify is refused', async () => {
    await assertFails(
      () =>
        configFromKubeconfigObject(
          kubeconfig(simple({}, { 'certificate-authority-data': b64(ca), 'insecure-skip-tls-verify': true })),
        ),
      ErrorCode.InvalidKubeconfig,
      'insecure-skip-tls-verify',
    );
  });

  it('an unreadable certificate-authority file is named with its path', async () => {
    const dir = await scratch();
    await assertFails(
      () =>
        configFromKubeconfigObject(kubeconfig(simple({}, { 'certificate-authority': 'missing/ca.crt' })), {
          baseDir: dir,
          source: join(dir, 'config'),
        }),
      ErrorCode.InvalidKubeconfig,
      join(dir, 'missing', 'ca.crt'),
      '"certificate-authority"',
      'cluster "c"',
      'context "ctx"',
    );
  });
});

describe('users', () => {
  it('as, as-groups, as-uid and as-user-extra become the impersonation', () => {
    const config = configFromKubeconfigObject(
      kubeconfig(
        simple({
          token: 't',
          as: 'system:serviceaccount:ops:operator',
          'as-groups': ['system:serviceaccounts', 'ops'],
          'as-uid': '1234',
          'as-user-extra': { scopes: ['view', 'edit'], 'example.com/team': ['a'] },
        }),
      ),
    );
    assert.deepEqual(config.impersonate, {
      user: 'system:serviceaccount:ops:operator',
      groups: ['system:serviceaccounts', 'ops'],
      uid: '1234',
      extra: { scopes: ['view', 'edit'], 'example.com/team': ['a'] },
    });
  });

  it('no "as" means no impersonation, and groups without a user are refused', async () => {
    assert.equal(configFromKubeconfigObject(kubeconfig(simple({ token: 't' }))).impersonate, undefined);
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({ token: 't', 'as-groups': ['g'] }))),
      ErrorCode.InvalidKubeconfig,
      'without "as"',
    );
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({ token: 't', as: 'u', 'as-groups': 'g' }))),
      ErrorCode.InvalidKubeconfig,
      '"as-groups" must be a list of strings, not a string',
    );
  });

  it('unknown fields in a user entry are warned about by name, never by value', () => {
    const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const config = configFromKubeconfigObject(
      kubeconfig(simple({ token: 't', 'as-user': 'sa', tokn: 'hunter2' })),
      {
        source: '/k/config',
        warn: (message, fields) => warnings.push({ message, ...(fields ? { fields } : {}) }),
      },
    );
    assert.equal(config.impersonate, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /\/k\/config, user "u": unknown fields "as-user", "tokn" ignored/);
    assert.ok(!JSON.stringify(warnings).includes('hunter2'));
    assert.deepEqual(warnings[0]!.fields?.fields, ['as-user', 'tokn']);
  });

  it('a field of the wrong type is named with its type, never its value', async () => {
    const err = await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({ token: { secret: 'hunter2' } }))),
      ErrorCode.InvalidKubeconfig,
      '"token" must be a string, not a mapping',
    );
    assert.ok(!err.message.includes('hunter2'), err.message);
    const list = await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({ password: ['hunter2'], username: 'a' }))),
      ErrorCode.InvalidKubeconfig,
      '"password" must be a string, not a list',
    );
    assert.ok(!list.message.includes('hunter2'), list.message);
  });

  it('a bad proxy-url or server is shown without its user:password', async () => {
    const proxy = await assertFails(
      () =>
        configFromKubeconfigObject(kubeconfig(simple({}, { 'proxy-url': 'ftp://bob:hunter2@proxy.test' }))),
      ErrorCode.InvalidKubeconfig,
      'proxy-url',
    );
    assert.ok(!proxy.message.includes('hunter2'), proxy.message);
    const server = await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({}, { server: 'bob:hunter2@api.test' }))),
      ErrorCode.InvalidKubeconfig,
      'has no scheme',
    );
    assert.ok(!server.message.includes('hunter2'), server.message);
  });

  it('basic auth yields the username and password', async () => {
    const config = configFromKubeconfigObject(kubeconfig(simple({ username: 'admin', password: 's3cret' })));
    assert.equal(config.auth.kind, 'static');
    assert.deepEqual(await config.auth.credentials(), { username: 'admin', password: 's3cret' });
  });

  it('a token together with basic auth is refused', async () => {
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({ username: 'a', password: 'b', token: 't' }))),
      ErrorCode.InvalidKubeconfig,
      'only one authentication method',
    );
  });

  it('a client certificate without a key names the user, the context and the fix', async () => {
    await assertFails(
      () =>
        configFromKubeconfigObject(kubeconfig(simple({ 'client-certificate-data': b64(clientCert) })), {
          source: '/k/config',
        }),
      ErrorCode.InvalidKubeconfig,
      '/k/config, user "u" (used by context "ctx")',
      'client-key',
    );
  });

  it('an unreadable client-certificate file is named with its path', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'client.key'), clientKey);
    await assertFails(
      () =>
        configFromKubeconfigObject(
          kubeconfig(simple({ 'client-certificate': 'client.crt', 'client-key': 'client.key' })),
          { baseDir: dir },
        ),
      ErrorCode.InvalidKubeconfig,
      join(dir, 'client.crt'),
      'ENOENT',
    );
  });

  it('inline client certificate data is decoded from base64', async () => {
    const config = configFromKubeconfigObject(
      kubeconfig(simple({ 'client-certificate-data': b64(clientCert), 'client-key-data': b64(clientKey) })),
    );
    assert.deepEqual(await config.auth.credentials(), { cert: clientCert, key: clientKey });
  });

  it('a tokenFile is read relative to its kubeconfig and reread once a minute old', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'token'), 'first\n');
    let now = 1_000_000;
    const config = configFromKubeconfigObject(kubeconfig(simple({ tokenFile: 'token' })), {
      baseDir: dir,
      now: () => now,
    });
    assert.equal(config.auth.kind, 'token-file');
    assert.deepEqual(await config.auth.credentials(), { token: 'first' });
    await writeFile(join(dir, 'token'), 'second\n');
    now += 59_000;
    assert.deepEqual(await config.auth.credentials(), { token: 'first' });
    now += 2_000;
    assert.deepEqual(await config.auth.credentials(), { token: 'second' });
    await writeFile(join(dir, 'token'), 'third\n');
    config.auth.invalidate();
    assert.deepEqual(await config.auth.credentials(), { token: 'third' });
  });

  it('a missing tokenFile is named when there is no token to fall back to', async () => {
    const dir = await scratch();
    await assertFails(
      () => configFromKubeconfigObject(kubeconfig(simple({ tokenFile: 'nope' })), { baseDir: dir }),
      ErrorCode.InvalidKubeconfig,
      join(dir, 'nope'),
      '"tokenFile"',
    );
  });

  it('auth-provider is refused with a pointer to exec plugins', async () => {
    await assertFails(
      () =>
        configFromKubeconfigObject(kubeconfig(simple({ 'auth-provider': { name: 'gcp', config: {} } })), {
          source: '/k/config',
        }),
      ErrorCode.InvalidKubeconfig,
      '/k/config, user "u"',
      'auth-provider "gcp"',
      'gke-gcloud-auth-plugin',
      'kubelogin',
    );
  });
});

describe('exec plugins', () => {
  const start = Date.parse('2030-01-01T00:00:00Z');

  it("an exec plugin's token is cached until it expires and rerun after invalidate", async () => {
    const dir = await scratch();
    const runsFile = join(dir, 'runs');
    const plugin = await countingPlugin(dir, { expires: '2030-01-01T00:10:00Z' });
    let now = start;
    const config = configFromKubeconfigObject(kubeconfig(simple(execUser(plugin, { RUNS: runsFile }))), {
      env: baseEnv,
      now: () => now,
    });
    assert.equal(config.auth.kind, 'exec');
    assert.equal(await runs(runsFile), 0, 'the plugin runs lazily');
    assert.deepEqual(await config.auth.credentials(), { token: 'tok-1' });
    now = start + 9 * 60_000;
    assert.deepEqual(await config.auth.credentials(), { token: 'tok-1' });
    assert.equal(await runs(runsFile), 1);
    now = start + 10 * 60_000 - 1_000; // inside the refresh leeway
    assert.deepEqual(await config.auth.credentials(), { token: 'tok-2' });
    config.auth.invalidate();
    assert.deepEqual(await config.auth.credentials(), { token: 'tok-3' });
    assert.equal(await runs(runsFile), 3);
  });

  it('a token without expiry is kept until invalidated', async () => {
    const dir = await scratch();
    const runsFile = join(dir, 'runs');
    const plugin = await countingPlugin(dir);
    let now = start;
    const config = configFromKubeconfigObject(kubeconfig(simple(execUser(plugin, { RUNS: runsFile }))), {
      env: baseEnv,
      now: () => now,
    });
    await config.auth.credentials();
    now += 365 * 24 * 3600_000;
    assert.deepEqual(await config.auth.credentials(), { token: 'tok-1' });
    config.auth.invalidate();
    assert.deepEqual(await config.auth.credentials(), { token: 'tok-2' });
  });

  it('concurrent callers share one exec plugin run', async () => {
    const dir = await scratch();
    const runsFile = join(dir, 'runs');
    const plugin = await countingPlugin(dir, { delay: '0.2' });
    const config = configFromKubeconfigObject(kubeconfig(simple(execUser(plugin, { RUNS: runsFile }))), {
      env: baseEnv,
    });
    const all = await Promise.all(Array.from({ length: 8 }, () => config.auth.credentials()));
    assert.equal(await runs(runsFile), 1);
    for (const creds of all) assert.deepEqual(creds, { token: 'tok-1' });
  });

  it('a relative exec command resolves against the kubeconfig directory', async () => {
    const dir = await scratch();
    await mkdir(join(dir, 'bin'));
    const runsFile = join(dir, 'runs');
    await countingPlugin(dir);
    await writeScript(join(dir, 'bin', 'plugin'), `exec "${join(dir, 'plugin.sh')}"`);
    const path = await writeKubeconfig(
      join(dir, 'config'),
      simple(execUser('./bin/plugin', { RUNS: runsFile })),
    );
    const config = await loadKubeconfig({ kubeconfig: path, env: baseEnv });
    assert.deepEqual(await config.auth.credentials(), { token: 'tok-1' });
  });

  it('a failing exec plugin names its command and exit code; its stderr goes to warn, never into the error', async () => {
    const dir = await scratch();
    const plugin = await writeScript(
      join(dir, 'failing.sh'),
      'echo "starting" >&2\necho "error: refresh token rt-hunter2 expired, run login" >&2\nexit 3',
    );
    const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const config = configFromKubeconfigObject(
      kubeconfig(simple(execUser(plugin, {}, { installHint: 'Install failing.sh from example.test' }))),
      {
        env: baseEnv,
        source: '/k/config',
        warn: (message, fields) => warnings.push({ message, ...(fields ? { fields } : {}) }),
      },
    );
    const err = await assertFails(
      config.auth.credentials(),
      ErrorCode.AuthFailed,
      plugin,
      'exit code 3',
      'its stderr is in the log',
      'user "u" in /k/config (context "ctx")',
    );
    assert.ok(!err.message.includes('rt-hunter2'), `stderr leaked into the error: ${err.message}`);
    assert.ok(!err.message.includes('Install failing.sh'), 'the install hint is for a missing command only');
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]!.fields?.stderr), /refresh token rt-hunter2 expired/);
  });

  it('a succeeding exec plugin that writes to stderr warns with it', async () => {
    const dir = await scratch();
    const plugin = await writeScript(
      join(dir, 'chatty.sh'),
      `echo "opening browser for login" >&2\nprintf '%s' '{"apiVersion":"${execV1}","kind":"ExecCredential","status":{"token":"t"}}'`,
    );
    const warnings: unknown[] = [];
    const config = configFromKubeconfigObject(kubeconfig(simple(execUser(plugin, {}))), {
      env: baseEnv,
      warn: (_message, fields) => warnings.push(fields?.stderr),
    });
    assert.deepEqual(await config.auth.credentials(), { token: 't' });
    assert.deepEqual(warnings, ['  opening browser for login']);
  });

  it('a missing exec plugin shows the install hint', async () => {
    const config = configFromKubeconfigObject(
      kubeconfig(
        simple(
          execUser(
            'operon-no-such-plugin',
            {},
            { installHint: 'Install it with: brew install no-such-plugin' },
          ),
        ),
      ),
      { env: baseEnv },
    );
    const err = await assertFails(
      config.auth.credentials(),
      ErrorCode.AuthFailed,
      'operon-no-such-plugin',
      'was not found',
      'brew install no-such-plugin',
    );
    assert.equal((err as { retryable?: boolean }).retryable, false);
  });

  it('an exec plugin gets KUBERNETES_EXEC_INFO with cluster info, and its env on top of ours', async () => {
    const dir = await scratch();
    const infoFile = join(dir, 'info.json');
    const plugin = await writeScript(
      join(dir, 'plugin.sh'),
      [
        `printf '%s' "$KUBERNETES_EXEC_INFO" > "${infoFile}"`,
        `printf '%s' "$FROM_KUBECONFIG $FROM_PROCESS" > "${infoFile}.env"`,
        `printf '%s' '{"apiVersion":"${execV1}","kind":"ExecCredential","status":{"token":"t"}}'`,
      ].join('\n'),
    );
    const spec = simple(execUser(plugin, { FROM_KUBECONFIG: 'kc' }, { provideClusterInfo: true }), {
      'certificate-authority-data': b64(ca),
      extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'operon' } }],
    });
    const config = configFromKubeconfigObject(kubeconfig(spec), {
      env: { ...baseEnv, FROM_PROCESS: 'proc' },
    });
    await config.auth.credentials();
    assert.deepEqual(JSON.parse(await readFile(infoFile, 'utf8')), {
      apiVersion: execV1,
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        cluster: {
          server: 'https://example.test:6443',
          'certificate-authority-data': b64(ca),
          config: { audience: 'operon' },
        },
      },
    });
    assert.equal(await readFile(`${infoFile}.env`, 'utf8'), 'kc proc');
  });

  it("an exec plugin's client certificate and key are returned as PEM", async () => {
    const dir = await scratch();
    const status = JSON.stringify({ clientCertificateData: clientCert, clientKeyData: clientKey });
    const plugin = await writeScript(
      join(dir, 'plugin.sh'),
      `cat <<'EOF'\n{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":${status}}\nEOF`,
    );
    const user = execUser(plugin, {}, { apiVersion: 'client.authentication.k8s.io/v1beta1' });
    const config = configFromKubeconfigObject(kubeconfig(simple(user)), { env: baseEnv });
    assert.deepEqual(await config.auth.credentials(), { cert: clientCert, key: clientKey });
  });

  it('an exec plugin answering in another API version is refused', async () => {
    const dir = await scratch();
    const plugin = await writeScript(
      join(dir, 'plugin.sh'),
      `echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'`,
    );
    const config = configFromKubeconfigObject(kubeconfig(simple(execUser(plugin, {}))), { env: baseEnv });
    await assertFails(
      config.auth.credentials(),
      ErrorCode.AuthFailed,
      'client.authentication.k8s.io/v1beta1',
      'exec.apiVersion',
    );
  });

  it('an unsupported exec apiVersion is refused when loading', async () => {
    await assertFails(
      () =>
        configFromKubeconfigObject(
          kubeconfig(simple(execUser('x', {}, { apiVersion: 'client.authentication.k8s.io/v1alpha1' }))),
        ),
      ErrorCode.InvalidKubeconfig,
      'v1alpha1',
      'user "u", exec',
    );
  });

  it('aborting the only caller kills the exec plugin', async () => {
    const dir = await scratch();
    const pidFile = join(dir, 'pid');
    const plugin = await writeScript(join(dir, 'plugin.sh'), `echo $$ > "${pidFile}"\nexec sleep 30`);
    const config = configFromKubeconfigObject(kubeconfig(simple(execUser(plugin, {}))), { env: baseEnv });
    const controller = new AbortController();
    const pending = config.auth.credentials(controller.signal);
    let pid = 0;
    for (let i = 0; i < 200 && !pid; i++) {
      await sleep(10);
      pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    }
    assert.ok(pid > 0, 'the plugin started');
    const reason = new Error('shutting down');
    controller.abort(reason);
    await assert.rejects(pending, (err) => err === reason);
    let alive = true;
    for (let i = 0; i < 200 && alive; i++) {
      try {
        process.kill(pid, 0);
        await sleep(10);
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'the plugin process was killed');
  });

  it('one caller aborting does not cancel the run another caller waits for', async () => {
    const dir = await scratch();
    const runsFile = join(dir, 'runs');
    const plugin = await countingPlugin(dir, { delay: '0.3' });
    const config = configFromKubeconfigObject(kubeconfig(simple(execUser(plugin, { RUNS: runsFile }))), {
      env: baseEnv,
    });
    const controller = new AbortController();
    const impatient = config.auth.credentials(controller.signal);
    const patient = config.auth.credentials();
    await sleep(50);
    controller.abort();
    await assert.rejects(impatient, { name: 'AbortError' });
    assert.deepEqual(await patient, { token: 'tok-1' });
    assert.equal(await runs(runsFile), 1);
  });

  it('credentials written in the kubeconfig take precedence over an exec plugin, as in client-go', async () => {
    const config = configFromKubeconfigObject(
      kubeconfig(simple({ token: 'static', ...execUser('nope', {}) })),
    );
    assert.equal(config.auth.kind, 'static');
    assert.deepEqual(await config.auth.credentials(), { token: 'static' });
  });
});

describe('in-cluster', () => {
  async function serviceAccount(files: Record<string, string>): Promise<string> {
    const dir = await scratch();
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return dir;
  }

  it('in-cluster config rereads a rotated token after a minute', async () => {
    const sa = await serviceAccount({ token: 'token-1\n', 'ca.crt': ca, namespace: 'operators\n' });
    let now = 5_000_000;
    const config: ClusterConfig = await inClusterConfig({
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      inClusterRoot: sa,
      now: () => now,
    });
    assert.equal(config.server, 'https://10.96.0.1:443');
    assert.equal(config.ca, ca);
    assert.equal(config.namespace, 'operators');
    assert.equal(config.auth.kind, 'token-file');
    assert.match(config.source, /^in-cluster service account/);
    assert.deepEqual(await config.auth.credentials(), { token: 'token-1' });
    await writeFile(join(sa, 'token'), 'token-2\n');
    now += 30_000;
    assert.deepEqual(await config.auth.credentials(), { token: 'token-1' });
    now += 31_000;
    assert.deepEqual(await config.auth.credentials(), { token: 'token-2' });
  });

  it('keeps the last token while a rotation cannot be read, but not after invalidate', async () => {
    const sa = await serviceAccount({ token: 'token-1' });
    let now = 0;
    const config = await inClusterConfig({
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      inClusterRoot: sa,
      now: () => now,
    });
    await rm(join(sa, 'token'));
    now += 120_000;
    assert.deepEqual(await config.auth.credentials(), { token: 'token-1' });
    config.auth.invalidate();
    await assertFails(config.auth.credentials(), ErrorCode.AuthFailed, join(sa, 'token'));
  });

  it('brackets an IPv6 service host and defaults the namespace', async () => {
    const sa = await serviceAccount({ token: 't' });
    const config = await inClusterConfig({
      env: { KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '443' },
      inClusterRoot: sa,
    });
    assert.equal(config.server, 'https://[fd00:10:96::1]:443');
    assert.equal(config.namespace, 'default');
    assert.equal(config.ca, undefined);
  });

  it('POD_NAMESPACE overrides the namespace file, as in client-go', async () => {
    const sa = await serviceAccount({ token: 't', namespace: 'from-file' });
    const config = await inClusterConfig({
      env: { KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '1', POD_NAMESPACE: 'from-env' },
      inClusterRoot: sa,
    });
    assert.equal(config.namespace, 'from-env');
  });

  it('outside a cluster, in-cluster config says which variables are missing', async () => {
    await assertFails(
      inClusterConfig({ env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } }),
      ErrorCode.InvalidKubeconfig,
      'KUBERNETES_SERVICE_PORT is not set',
      'loadConfig()',
    );
  });
});
