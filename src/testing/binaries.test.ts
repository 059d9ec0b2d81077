import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isOperonError } from '../errors.ts';
import {
  checkCacheDir,
  findBinaries,
  installBinaries,
  parseComponent,
  platform,
  releaseCacheDir,
  resolveRelease,
} from './binaries.ts';
import { DEFAULT_RELEASE } from './versions.ts';

let root: string;

async function fakeBinary(path: string, size = 10): Promise<void> {
  await writeFile(path, `#!/bin/sh\n${'#'.repeat(Math.max(0, size - 10))}\n`);
  await chmod(path, 0o755);
}

/** An environment that finds nothing on this machine unless the test puts it there. */
function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: join(root, 'home'),
    XDG_CACHE_HOME: join(root, 'cache'),
    XDG_DATA_HOME: join(root, 'data'),
    PATH: join(root, 'empty-path'),
    ...extra,
  };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'operon-binaries-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('binary lookup', () => {
  it('prefers TEST_ASSET_<NAME>, then KUBEBUILDER_ASSETS, then the setup-envtest store', async () => {
    const assets = join(root, 'assets');
    const store = join(root, 'data', 'kubebuilder-envtest', 'k8s', `1.37.0-${platform()}`);
    await mkdir(assets, { recursive: true });
    await mkdir(store, { recursive: true });
    await fakeBinary(join(assets, 'etcd'));
    await fakeBinary(join(store, 'etcd'));
    await fakeBinary(join(store, 'kube-apiserver'));
    const explicit = join(root, 'my-apiserver');
    await fakeBinary(explicit);

    const found = await findBinaries({
      env: isolatedEnv({ KUBEBUILDER_ASSETS: assets, TEST_ASSET_KUBE_APISERVER: explicit }),
      components: ['etcd', 'kube-apiserver', 'kwok'],
    });
    assert.equal(found.found.etcd?.source, 'KUBEBUILDER_ASSETS');
    assert.equal(found.found.etcd?.path, join(assets, 'etcd'));
    assert.equal(found.found['kube-apiserver']?.source, 'TEST_ASSET');
    assert.deepEqual(found.missing, ['kwok']);

    const fromStore = await findBinaries({ env: isolatedEnv(), components: ['etcd'] });
    assert.equal(fromStore.found.etcd?.source, 'envtest-store');
    assert.equal(fromStore.found.etcd?.path, join(store, 'etcd'));
  });

  it('names the variable when TEST_ASSET_<NAME> points at nothing', async () => {
    await assert.rejects(
      findBinaries({ env: isolatedEnv({ TEST_ASSET_ETCD: join(root, 'nope') }), components: ['etcd'] }),
      (err: unknown) => isOperonError(err, ErrorCode.BinariesNotFound) && /TEST_ASSET_ETCD/.test(err.message),
    );
  });

  it('rejects an unknown component and lists the known ones', () => {
    assert.throws(
      () => parseComponent('kubelet'),
      (err: unknown) => isOperonError(err, ErrorCode.UnknownComponent) && /kube-apiserver/.test(err.message),
    );
  });

  it('rejects a version it cannot build and lists those it can', () => {
    assert.equal(resolveRelease(undefined), DEFAULT_RELEASE);
    assert.equal(resolveRelease(`v${DEFAULT_RELEASE.kubernetes}`), DEFAULT_RELEASE);
    assert.throws(
      () => resolveRelease('1.12'),
      (err: unknown) =>
        isOperonError(err, ErrorCode.UnsupportedVersion) &&
        err.message.includes(DEFAULT_RELEASE.minor) &&
        /KUBEBUILDER_ASSETS/.test(err.message),
    );
  });
});

describe('the Operon cache', () => {
  it('reports a partial cache directory with the fix, and install treats it as absent', async () => {
    const env = isolatedEnv({ XDG_CACHE_HOME: join(root, 'partial-cache') });
    const dir = releaseCacheDir(DEFAULT_RELEASE, env);
    await mkdir(dir, { recursive: true });
    await fakeBinary(join(dir, 'kube-apiserver'));
    await assert.rejects(
      findBinaries({ env }),
      (err: unknown) =>
        isOperonError(err, ErrorCode.CorruptCache) &&
        err.message.includes(dir) &&
        /--force/.test(err.message),
    );
    // With no Go on PATH, install cannot rebuild it and says how to get out.
    await assert.rejects(
      installBinaries({ env, go: join(root, 'no-go-here') }),
      (err: unknown) =>
        isOperonError(err, ErrorCode.BinariesNotFound) &&
        /Install Go/.test(err.message) &&
        /KUBEBUILDER_ASSETS/.test(err.message) &&
        /KUBECONFIG/.test(err.message),
    );
  });

  it('detects a binary whose size no longer matches the manifest', async () => {
    const dir = join(root, 'damaged');
    await mkdir(dir, { recursive: true });
    const binaries: Record<string, { size: number; sha256: string }> = {};
    for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']) {
      await fakeBinary(join(dir, c), 40);
      binaries[c] = { size: (await stat(join(dir, c))).size, sha256: 'x' };
    }
    await writeFile(join(dir, '.operon-manifest.json'), JSON.stringify({ binaries }));
    assert.ok(await checkCacheDir(dir));
    await writeFile(join(dir, 'kwok'), 'truncated');
    await assert.rejects(
      checkCacheDir(dir),
      (err: unknown) => isOperonError(err, ErrorCode.CorruptCache) && /damaged kwok/.test(err.message),
    );
  });

  it('returns nothing for a cache directory that does not exist', async () => {
    assert.equal(await checkCacheDir(join(root, 'never-made')), undefined);
  });
});
