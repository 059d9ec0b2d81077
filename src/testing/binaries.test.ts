import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, isOperonError } from '../errors.ts';
import {
  checkCacheDir,
  findBinaries,
  installBinaries,
  modulesDir,
  parseComponent,
  platform,
  releaseCacheDir,
  resolveRelease,
} from './binaries.ts';
import { DEFAULT_RELEASE, K8S_VERSION_ENV, RELEASES, requestedVersion } from './versions.ts';

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
    assert.equal(resolveRelease(undefined, {}), DEFAULT_RELEASE);
    assert.equal(resolveRelease(`v${DEFAULT_RELEASE.kubernetes}`, {}), DEFAULT_RELEASE);
    assert.throws(
      () => resolveRelease('1.12', {}),
      (err: unknown) =>
        isOperonError(err, ErrorCode.UnsupportedVersion) &&
        err.message.includes(DEFAULT_RELEASE.minor) &&
        /KUBEBUILDER_ASSETS/.test(err.message),
    );
  });
});

describe('choosing the Kubernetes version', () => {
  const pin = (minor: string) => {
    const r = RELEASES.find((x) => x.minor === minor);
    assert.ok(r, `a pin for ${minor}`);
    return r;
  };

  it('knows three minors, newest first, and defaults to the newest', () => {
    assert.deepEqual(
      RELEASES.map((r) => r.minor),
      ['1.37', '1.36', '1.35'],
    );
    assert.equal(DEFAULT_RELEASE, RELEASES[0]);
    assert.equal(resolveRelease(undefined, {}), DEFAULT_RELEASE);
    assert.equal(resolveRelease('', { [K8S_VERSION_ENV]: ' ' }), DEFAULT_RELEASE);
  });

  it('takes OPERON_K8S_VERSION when no version is passed, and an explicit version over it', () => {
    assert.equal(resolveRelease(undefined, { [K8S_VERSION_ENV]: '1.35' }), pin('1.35'));
    assert.equal(resolveRelease(undefined, { [K8S_VERSION_ENV]: 'v1.36.3' }), pin('1.36'));
    assert.equal(resolveRelease('1.36', { [K8S_VERSION_ENV]: '1.35' }), pin('1.36'));
    assert.deepEqual(requestedVersion(undefined, { [K8S_VERSION_ENV]: '1.35' }), {
      version: '1.35',
      from: K8S_VERSION_ENV,
    });
    assert.deepEqual(requestedVersion('1.37', { [K8S_VERSION_ENV]: '1.35' }), {
      version: '1.37',
      from: 'option',
    });
  });

  it('names OPERON_K8S_VERSION and every known version when the variable asks for an unknown one', () => {
    assert.throws(
      () => resolveRelease(undefined, { [K8S_VERSION_ENV]: '1.34' }),
      (err: unknown) =>
        isOperonError(err, ErrorCode.UnsupportedVersion) &&
        err.message.includes('"1.34" (from OPERON_K8S_VERSION)') &&
        RELEASES.every((r) => err.message.includes(`${r.minor} (${r.kubernetes})`)),
    );
    // An explicit version does not blame the variable.
    assert.throws(
      () => resolveRelease('1.38', {}),
      (err: unknown) =>
        isOperonError(err, ErrorCode.UnsupportedVersion) && !err.message.includes(K8S_VERSION_ENV),
    );
  });

  it('looks in the cache folder of the version OPERON_K8S_VERSION names', async () => {
    const env = isolatedEnv({ [K8S_VERSION_ENV]: '1.35' });
    const found = await findBinaries({ env, components: ['etcd'] });
    assert.equal(found.release, pin('1.35'));
    assert.equal(found.cacheDir, releaseCacheDir(pin('1.35'), env));
    assert.match(found.cacheDir, /1\.35\.4-/);
  });

  it('has, for every pin, wrapper modules that require exactly the pinned versions', async () => {
    for (const r of RELEASES) {
      const k8s = await readFile(join(modulesDir(), r.modules.kubernetes, 'go.mod'), 'utf8');
      assert.match(
        k8s,
        new RegExp(`^require k8s\\.io/kubernetes v${r.kubernetes.replaceAll('.', '\\.')}$`, 'm'),
      );
      const [, minor] = r.kubernetes.split('.');
      // Every staging module points at the published v0.<minor>.<patch> of this release.
      const replaced = [...k8s.matchAll(/^\t(k8s\.io\/[\w-]+) => \1 (v\S+)$/gm)];
      assert.ok(replaced.length >= 30, `${r.modules.kubernetes} replaces the staging modules`);
      for (const [, , v] of replaced) assert.equal(v, `v0.${minor}.${r.kubernetes.split('.')[2]}`);
      await stat(join(modulesDir(), r.modules.kubernetes, 'go.sum'));
      const etcd = await readFile(join(modulesDir(), r.modules.etcd, 'go.mod'), 'utf8');
      assert.match(
        etcd,
        new RegExp(`^require go\\.etcd\\.io/etcd/server/v3 v${r.etcd.replaceAll('.', '\\.')}$`, 'm'),
      );
      await stat(join(modulesDir(), r.modules.etcd, 'go.sum'));
      const kwok = await readFile(join(modulesDir(), r.modules.kwok, 'go.mod'), 'utf8');
      assert.match(kwok, new RegExp(`^require sigs\\.k8s\\.io/kwok v${r.kwok.replaceAll('.', '\\.')}$`, 'm'));
    }
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
