import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  ConfigMap,
  createClient,
  isForbidden,
  loadKubeconfig,
  Secret,
  SelfSubjectReview,
} from 'operon/client';
import { type ControlPlane, eventually, startControlPlane, useControlPlane } from 'operon/testing';
import { stringify } from 'yaml';

const exec = promisify(execFile);

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** This process' children as `pid comm` lines. Throws when `ps` fails: an empty list must mean none. */
function childPids(): string[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch (err) {
    // ps exits 1 when it lists nothing, with nothing on stdout; anything else is a failure.
    const e = err as { status?: number; stdout?: string; stderr?: string };
    if (e.status !== 1 || e.stdout || e.stderr) throw new Error(`ps failed: ${e.stderr || String(err)}`);
    out = '';
  }
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/\bps$/.test(l));
}

/** kubectl from PATH. Tests that drive it skip, printing why, when there is none (README, Requirements). */
const kubectl = process.env.PATH?.split(delimiter)
  .map((dir) => join(dir, 'kubectl'))
  .find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const NO_KUBECTL = 'kubectl is not on PATH; install it to run the kubectl tests (README, Requirements)';

const SAMPLE_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.cp-test.operon.dev
spec:
  group: cp-test.operon.dev
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
`;

describe('a temporary control plane', () => {
  it('starts every component and stops leaving no processes, listening ports or temp dirs', async () => {
    const before = childPids();
    const plane = await startControlPlane({
      components: ['kube-controller-manager', 'kube-scheduler', 'kwok'],
      nodes: 1,
    });
    const ours = (lines: string[]) => lines.map((l) => l.split(/\s+/)[0]);
    const during = ours(childPids()).filter((pid) => !ours(before).includes(pid));
    assert.ok(during.length > 0, 'while it runs, the plane has children of ours that ps lists');
    const pids = [...plane.processes.values()].map((p) => p.pid);
    const descriptor = JSON.parse(await readFile(join(plane.dir, 'plane.json'), 'utf8')) as {
      ports: Record<string, number>;
    };
    const ports = Object.values(descriptor.ports);
    assert.equal(pids.length, 5);
    assert.ok(pids.every(pidExists));
    assert.ok(await portAccepts(descriptor.ports.apiServer!));
    assert.ok(existsSync(plane.dir));

    await plane.stop();

    assert.deepEqual(pids.filter(pidExists), [], 'no component process survives stop()');
    for (const port of ports) assert.equal(await portAccepts(port), false, `port ${port} is closed`);
    assert.equal(existsSync(plane.dir), false, 'the temp dir is removed');
    // The guardian exits once it holds nothing; no child of ours is left that was not there before.
    await eventually(
      'the guardian to exit',
      async () => ours(childPids()).every((pid) => ours(before).includes(pid)),
      30_000,
    );
  });

  it('kills every component and removes its folder when the process that started it is killed with SIGKILL', async () => {
    const script = `
      import { startControlPlane } from 'operon/testing';
      const plane = await startControlPlane({ components: ['kube-controller-manager', 'kube-scheduler'] });
      console.log(JSON.stringify({ pids: [...plane.processes.values()].map((p) => p.pid), dir: plane.dir }));
      setInterval(() => {}, 1 << 30);
    `;
    const child = spawn(
      process.execPath,
      ['--conditions=operon:source', '--input-type=module', '-e', script],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const { pids, dir } = JSON.parse(line) as { pids: number[]; dir: string };
    assert.equal(pids.length, 4);
    assert.ok(pids.every(pidExists));
    child.kill('SIGKILL');
    // How fast is the guardian's business (it polls); that it happens at all is what this checks.
    await eventually('every component to die', async () => pids.every((p) => !pidExists(p)), 30_000);
    await eventually('the temp dir to be removed', async () => !existsSync(dir), 30_000);
  });

  it('refuses a port that is in use, naming it and the fix', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await assert.rejects(
        startControlPlane({ ports: { apiServer: port } }),
        (err: Error & { code?: string }) =>
          err.code === 'OPERON_PORT_IN_USE' &&
          err.message.includes(String(port)) &&
          /choose another port/.test(err.message),
      );
    } finally {
      server.close();
    }
  });

  it('refuses an unknown component', async () => {
    await assert.rejects(
      startControlPlane({ components: ['kubelet' as never] }),
      (err: Error & { code?: string }) =>
        err.code === 'OPERON_UNKNOWN_COMPONENT' && /kube-scheduler/.test(err.message),
    );
  });
});

describe('the shared control plane', () => {
  let plane: ControlPlane;
  let work: string;

  before(async () => {
    plane = await useControlPlane({ components: ['kube-controller-manager', 'kube-scheduler', 'kwok'] });
    work = await mkdtemp(join(tmpdir(), 'operon-cp-test-'));
  });
  after(async () => {
    await plane.stop();
    await rm(work, { recursive: true, force: true });
  });

  it("works with the machine's own kubectl through the returned kubeconfig", {
    skip: !kubectl && NO_KUBECTL,
  }, async () => {
    const { stdout } = await exec(kubectl!, [
      '--kubeconfig',
      plane.kubeconfig.path,
      'get',
      'namespace',
      'default',
      '-o',
      'jsonpath={.metadata.name}',
    ]);
    assert.equal(stdout, 'default');
    const nodes = await exec(kubectl!, [
      '--kubeconfig',
      plane.kubeconfig.path,
      'get',
      'nodes',
      '--no-headers',
    ]);
    assert.match(nodes.stdout, /kwok-node-\d+\s+Ready/);
  });

  it('installs a CRD from a YAML file and serves its objects for create and list', async () => {
    const file = join(work, 'gadget-crd.yaml');
    await writeFile(file, SAMPLE_CRD);
    await plane.installCRDs([file]);
    // Installing again is an update, not an error.
    await plane.installCRDs([file]);
    await using ns = await plane.createNamespace('crd');
    const base = `/apis/cp-test.operon.dev/v1/namespaces/${ns.name}/gadgets`;
    for (const name of ['one', 'two']) {
      await plane.connection.call('POST', base, {
        apiVersion: 'cp-test.operon.dev/v1',
        kind: 'Gadget',
        metadata: { name },
        spec: { size: name.length },
      });
    }
    const list = await plane.connection.call<{
      items: Array<{ metadata: { name: string }; spec: { size: number } }>;
    }>('GET', base);
    assert.deepEqual(
      list.items.map((i) => [i.metadata.name, i.spec.size]),
      [
        ['one', 3],
        ['two', 3],
      ],
    );
  });

  it('reports a CRD file that does not parse, with its name and line', async () => {
    const file = join(work, 'broken.yaml');
    await writeFile(
      file,
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: [oops\n',
    );
    await assert.rejects(
      plane.installCRDs([file]),
      (err: Error & { code?: string }) =>
        err.code === 'OPERON_INVALID_MANIFEST' && err.message.includes(`${file}:`),
    );
  });

  it('gives a user with limited RBAC 403 where not allowed and 200 where allowed', async () => {
    await using ns = await plane.createNamespace('rbac');
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns.name}`;
    await plane.connection.call('POST', `${rbac}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'read-configmaps' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    });
    await plane.connection.call('POST', `${rbac}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'limited-reads' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'readers' }],
    });
    const limited = await plane.kubeconfigFor('limited-user', ['readers']);
    assert.ok(existsSync(limited.path));
    // The minted kubeconfig works with Operon's own client, as it would with kubectl.
    const limitedClient = createClient(await loadKubeconfig({ kubeconfig: limited.path }));
    try {
      // RBAC changes take effect at once, but allow the authorizer's informer a moment.
      await eventually(
        'the role binding to apply',
        () => limitedClient.list(ConfigMap, { namespace: ns.name }),
        10_000,
      );
      await assert.rejects(limitedClient.list(Secret, { namespace: ns.name }), (err: unknown) => {
        assert.ok(isForbidden(err));
        assert.match((err as Error).message, /User "limited-user" cannot list resource "secrets"/);
        return true;
      });
      await assert.rejects(
        limitedClient.create(ConfigMap, { metadata: { name: 'nope', namespace: ns.name } }),
        isForbidden,
      );
      await assert.rejects(limitedClient.list(ConfigMap, { namespace: 'default' }), isForbidden);
    } finally {
      await limitedClient.close();
    }
  });

  it('garbage-collects an owned ConfigMap after its owner is deleted (controller-manager)', async () => {
    await using ns = await plane.createNamespace('gc');
    const base = `/api/v1/namespaces/${ns.name}/configmaps`;
    const owner = await plane.connection.call<{ metadata: { uid: string } }>('POST', base, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'owner' },
    });
    await plane.connection.call('POST', base, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'owned',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }],
      },
    });
    await plane.connection.call('DELETE', `${base}/owner`);
    await eventually('the owned ConfigMap to be collected', async () => {
      const res = await plane.connection.request('GET', `${base}/owned`);
      return res.status === 404;
    });
  });

  it("schedules a Deployment's Pods on kwok nodes and they become Ready", async () => {
    await using ns = await plane.createNamespace('deploy');
    const labels = { app: 'web' };
    await plane.connection.call('POST', `/apis/apps/v1/namespaces/${ns.name}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
      },
    });
    const pods = await eventually('two Ready Pods', async () => {
      const list = await plane.connection.call<{
        items: Array<{
          spec: { nodeName?: string };
          status: { conditions?: Array<{ type: string; status: string }> };
        }>;
      }>('GET', `/api/v1/namespaces/${ns.name}/pods?labelSelector=app%3Dweb`);
      const ready = list.items.filter((p) =>
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === 2 ? ready : undefined;
    });
    assert.ok(pods.every((p) => p.spec.nodeName?.startsWith('kwok-node-')));
    await eventually('the Deployment to report 2 available', async () => {
      const d = await plane.connection.call<{ status: { availableReplicas?: number } }>(
        'GET',
        `/apis/apps/v1/namespaces/${ns.name}/deployments/web`,
      );
      return d.status.availableReplicas === 2;
    });
  });

  it('mints kubeconfigs whose user and groups the API server sees', async () => {
    const kc = await plane.kubeconfigFor('someone', ['team-a', 'team-b']);
    const someone = createClient(await loadKubeconfig({ kubeconfig: kc.path }));
    try {
      const review = await someone.create(SelfSubjectReview, {});
      assert.equal(review.status?.userInfo?.username, 'someone');
      assert.ok(review.status?.userInfo?.groups?.includes('team-a'));
      assert.ok(review.status?.userInfo?.groups?.includes('team-b'));
    } finally {
      await someone.close();
    }
  });

  it('uses an existing cluster from KUBECONFIG when OPERON_USE_EXISTING_CLUSTER=true', async () => {
    const env = { ...process.env, OPERON_USE_EXISTING_CLUSTER: 'true', KUBECONFIG: plane.kubeconfig.path };
    const existing = await useControlPlane({ env, components: ['kwok'] });
    try {
      assert.equal(existing.server, plane.server);
      assert.deepEqual(existing.processes.size, 0);
      await using ns = await existing.createNamespace('existing');
      const got = await plane.connection.call<{ metadata: { name: string } }>(
        'GET',
        `/api/v1/namespaces/${ns.name}`,
      );
      assert.equal(got.metadata.name, ns.name);
      await assert.rejects(existing.kubeconfigFor('x'), /existing cluster whose CA key Operon does not hold/);
    } finally {
      await existing.stop();
    }
  });

  it('names the kubeconfig and the missing context when the existing cluster cannot be used', async () => {
    const file = join(work, 'bad.kubeconfig');
    await writeFile(
      file,
      stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': 'nowhere', contexts: [] }),
    );
    await assert.rejects(
      useControlPlane({ env: { ...process.env, USE_EXISTING_CLUSTER: 'true', KUBECONFIG: file } }),
      (err: Error) => err.message.includes(file) && /current-context "nowhere"/.test(err.message),
    );
  });
});
