import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function operon(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=operon:source', MAIN, ...args],
      { env: { ...process.env, ...env }, timeout: 300_000 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('operon (the command)', () => {
  it('prints usage for help and exits 2 with a hint on an unknown command', async () => {
    const help = await operon(['help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /operon controlplane install/);
    const bad = await operon(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown command "frobnicate"/);
    assert.match(bad.stderr, /operon help/);
  });

  it('controlplane install prints where each binary comes from and the directory on the last line', async () => {
    const res = await operon(['controlplane', 'install']);
    assert.equal(res.code, 0, res.stderr);
    const last = res.stdout.trim().split('\n').at(-1)!;
    assert.ok(existsSync(join(last, 'kube-apiserver')), `${last} holds kube-apiserver`);
    assert.match(
      res.stderr,
      /^kube-apiserver\s+\S+\s+\((TEST_ASSET|KUBEBUILDER_ASSETS|envtest-store|kubebuilder-dir|PATH|operon-cache)\)$/m,
    );
  });

  it('controlplane install refuses a version it cannot build, listing those it can', async () => {
    const res = await operon(['controlplane', 'install', '--version', '1.2']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Kubernetes version "1\.2" cannot be built/);
    assert.match(res.stderr, /1\.37/);
  });

  it('controlplane install takes its version from OPERON_K8S_VERSION, and --version over it', async () => {
    const bad = await operon(['controlplane', 'install'], { OPERON_K8S_VERSION: '1.9' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Kubernetes version "1\.9" \(from OPERON_K8S_VERSION\) cannot be built/);
    assert.match(bad.stderr, /1\.37 \(1\.37\.\d+\), 1\.36 \(1\.36\.\d+\), 1\.35 \(1\.35\.\d+\)/);
    // The flag wins over the variable (1.37, the newest, is built for the suite already).
    const good = await operon(['controlplane', 'install', '--version', '1.37'], {
      OPERON_K8S_VERSION: '1.9',
    });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout.trim().split('\n').at(-1)!, /1\.37\.\d+-/);
  });

  it('controlplane install with no Go and no binaries names the three ways out', async () => {
    const home = await mkdtemp(join(tmpdir(), 'operon-nogo-'));
    try {
      const res = await operon(['controlplane', 'install'], {
        HOME: home,
        XDG_CACHE_HOME: join(home, 'cache'),
        XDG_DATA_HOME: join(home, 'data'),
        KUBEBUILDER_ASSETS: '',
        PATH: join(home, 'bin'),
      });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /Install Go/);
      assert.match(res.stderr, /KUBEBUILDER_ASSETS/);
      assert.match(res.stderr, /KUBECONFIG/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe('operon cluster', () => {
  let state: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    state = await mkdtemp(join(tmpdir(), 'operon-cluster-test-'));
    env = { XDG_STATE_HOME: state };
  });
  after(async () => {
    await operon(['cluster', 'down'], env);
    await rm(state, { recursive: true, force: true });
  });

  it('comes up with Ready nodes, keeps its objects across down and up, and is idempotent', async () => {
    const none = await operon(['cluster', 'status'], env);
    assert.equal(none.code, 3);
    assert.match(none.stdout, /no cluster/);

    const up = await operon(['cluster', 'up', '--nodes', '2'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /nodes:\s+2 Ready/);
    const kubeconfig = (await operon(['cluster', 'kubeconfig'], env)).stdout.trim();
    assert.ok(existsSync(kubeconfig));

    const { attachControlPlane } = await import('operon/testing');
    const plane = await attachControlPlane(join(state, 'operon', 'cluster'));
    try {
      await plane.connection.call('POST', '/api/v1/namespaces/default/configmaps', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'survives-restart' },
        data: { answer: '42' },
      });
    } finally {
      await plane.stop();
    }

    const again = await operon(['cluster', 'up'], env);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /already running/);

    const pids = [...(await operon(['cluster', 'status'], env)).stdout.matchAll(/pid (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    assert.equal(pids.length, 5);
    const down = await operon(['cluster', 'down'], env);
    assert.equal(down.code, 0);
    assert.match(down.stdout, /stopped kwok, kube-scheduler, kube-controller-manager, kube-apiserver, etcd/);
    assert.deepEqual(pids.filter(pidExists), []);
    assert.equal((await operon(['cluster', 'status'], env)).code, 3);

    const up2 = await operon(['cluster', 'up'], env);
    assert.equal(up2.code, 0, up2.stderr);
    const plane2 = await attachControlPlane(join(state, 'operon', 'cluster'));
    try {
      const cm = await plane2.connection.call<{ data: Record<string, string> }>(
        'GET',
        '/api/v1/namespaces/default/configmaps/survives-restart',
      );
      assert.deepEqual(cm.data, { answer: '42' });
    } finally {
      await plane2.stop();
    }
  });

  it('rejects a bad --nodes value with the allowed range', async () => {
    const res = await operon(['cluster', 'up', '--nodes', 'many'], env);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--nodes must be a whole number from 0 to 100/);
  });
});
