/**
 * Finds the control-plane binaries (etcd, kube-apiserver, ...) where envtest looks for them, and
 * otherwise builds them from Go modules into Operon's cache: `findBinaries()`, `installBinaries()`.
 */

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, OperonError } from '../errors.ts';
import { pidExists } from './process.ts';
import { findRelease, K8S_VERSION_ENV, RELEASES, type ReleasePin, requestedVersion } from './versions.ts';

/** Every binary Operon can run, in start order. */
export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;
export type Component = (typeof COMPONENTS)[number];

/** Where a binary was found, in lookup order. */
export type BinarySource =
  | 'TEST_ASSET'
  | 'KUBEBUILDER_ASSETS'
  | 'envtest-store'
  | 'kubebuilder-dir'
  | 'PATH'
  | 'operon-cache';

export interface ResolvedBinary {
  component: Component;
  path: string;
  source: BinarySource;
}

export interface FindBinariesOptions {
  /** Kubernetes minor (`1.37`) or exact version; default `OPERON_K8S_VERSION`, else the newest Operon builds. */
  version?: string;
  /** Components to find; default all. */
  components?: readonly Component[];
  /** Environment to read (`TEST_ASSET_*`, `KUBEBUILDER_ASSETS`, `XDG_*`, `PATH`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Treat a corrupt Operon cache as absent instead of throwing `CorruptCache` (install rebuilds it). */
  ignoreCorruptCache?: boolean;
}

export interface FoundBinaries {
  release: ReleasePin;
  found: Partial<Record<Component, ResolvedBinary>>;
  missing: Component[];
  /** Operon's cache directory for this release (whether or not it exists yet). */
  cacheDir: string;
}

const MANIFEST = '.operon-manifest.json';

interface CacheManifest {
  kubernetes: string;
  etcd: string;
  kwok: string;
  platform: string;
  builtAt: string;
  binaries: Record<string, { size: number; sha256: string }>;
}

/** `linux-amd64` style platform name, as envtest and Go spell it. */
export function platform(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return `${process.platform}-${arch}`;
}

/** `$XDG_CACHE_HOME/operon/k8s`, falling back to `~/.cache/operon/k8s`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'operon', 'k8s');
}

/** Checks a component name; throws a clear error for an unknown one. */
export function parseComponent(name: string): Component {
  if ((COMPONENTS as readonly string[]).includes(name)) return name as Component;
  throw new OperonError(
    ErrorCode.UnknownComponent,
    `Unknown control-plane component "${name}". Known components: ${COMPONENTS.join(', ')}.`,
  );
}

/**
 * Resolves the version asked for (`version`, else `OPERON_K8S_VERSION` in `env`, else the newest)
 * to a pin, or throws naming where the version came from and the versions that can be built.
 */
export function resolveRelease(
  version: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ReleasePin {
  const requested = requestedVersion(version, env);
  const release = findRelease(requested?.version);
  if (release) return release;
  const from = requested?.from === K8S_VERSION_ENV ? ` (from ${K8S_VERSION_ENV})` : '';
  throw new OperonError(
    ErrorCode.UnsupportedVersion,
    `Kubernetes version "${requested?.version}"${from} cannot be built by Operon. Versions it can build: ${RELEASES.map((r) => `${r.minor} (${r.kubernetes})`).join(', ')}. ` +
      'To use another version, put its binaries in a directory and set KUBEBUILDER_ASSETS to it.',
  );
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function envName(component: Component): string {
  return `TEST_ASSET_${component.toUpperCase().replaceAll('-', '_')}`;
}

/** Directories of the setup-envtest store, newest version first, that match the release's minor. */
async function envtestStoreDirs(
  env: NodeJS.ProcessEnv,
  release: ReleasePin,
  explicit: boolean,
): Promise<string[]> {
  const base = join(
    env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'),
    'kubebuilder-envtest',
    'k8s',
  );
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return [];
  }
  const suffix = `-${platform()}`;
  return names
    .filter((n) => n.endsWith(suffix) && (!explicit || n.startsWith(`${release.minor}.`)))
    .sort((a, b) => compareVersions(b.slice(0, -suffix.length), a.slice(0, -suffix.length)))
    .map((n) => join(base, n));
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The Operon cache directory for a release. */
export function releaseCacheDir(release: ReleasePin, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `${release.kubernetes}-${platform()}`);
}

/**
 * Checks an Operon cache directory. Returns undefined when it does not exist, the manifest when it
 * is whole, and throws `CorruptCache` naming the fix when it is partial or damaged.
 */
export async function checkCacheDir(dir: string, deep = false): Promise<CacheManifest | undefined> {
  try {
    await stat(dir);
  } catch {
    return undefined;
  }
  const fix = `Run \`operon controlplane install --force\` to rebuild it, or delete ${dir}.`;
  let manifest: CacheManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as CacheManifest;
    if (typeof manifest.binaries !== 'object' || manifest.binaries === null)
      throw new Error('no binaries listed');
  } catch (cause) {
    throw new OperonError(
      ErrorCode.CorruptCache,
      `The binary cache ${dir} is incomplete: its ${MANIFEST} is missing or unreadable (an interrupted copy or a hand edit). ${fix}`,
      { cause },
    );
  }
  for (const component of COMPONENTS) {
    const entry = manifest.binaries[component];
    const path = join(dir, component);
    if (!entry) {
      throw new OperonError(
        ErrorCode.CorruptCache,
        `The binary cache ${dir} does not list ${component}. ${fix}`,
      );
    }
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (cause) {
      throw new OperonError(
        ErrorCode.CorruptCache,
        `The binary cache ${dir} is missing ${component}. ${fix}`,
        {
          cause,
        },
      );
    }
    if (size !== entry.size || !(await isExecutable(path))) {
      throw new OperonError(
        ErrorCode.CorruptCache,
        `The binary cache ${dir} has a damaged ${component} (size ${size}, expected ${entry.size}). ${fix}`,
      );
    }
    if (deep && (await sha256File(path)) !== entry.sha256) {
      throw new OperonError(
        ErrorCode.CorruptCache,
        `The binary cache ${dir} has a damaged ${component} (checksum mismatch). ${fix}`,
      );
    }
  }
  return manifest;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Finds each component in envtest's order: `TEST_ASSET_<NAME>`, `$KUBEBUILDER_ASSETS`, the
 * setup-envtest store, `/usr/local/kubebuilder/bin`, `PATH`, then Operon's cache.
 */
export async function findBinaries(options: FindBinariesOptions = {}): Promise<FoundBinaries> {
  const env = options.env ?? process.env;
  const release = resolveRelease(options.version, env);
  const explicit = requestedVersion(options.version, env) !== undefined;
  const components = options.components ?? COMPONENTS;
  const cacheDir = releaseCacheDir(release, env);
  const cacheManifest = await checkCacheDir(cacheDir).catch((err: unknown) => {
    if (options.ignoreCorruptCache && err instanceof OperonError && err.code === ErrorCode.CorruptCache)
      return undefined;
    throw err;
  });
  const storeDirs = await envtestStoreDirs(env, release, explicit);
  const found: Partial<Record<Component, ResolvedBinary>> = {};
  const missing: Component[] = [];

  for (const component of components) {
    const candidates: Array<[BinarySource, string]> = [];
    const asset = env[envName(component)];
    if (asset) {
      if (!(await isExecutable(asset))) {
        throw new OperonError(
          ErrorCode.BinariesNotFound,
          `${envName(component)} is set to ${asset}, which is not an executable file. Fix the path or unset it.`,
        );
      }
      candidates.push(['TEST_ASSET', asset]);
    }
    if (env.KUBEBUILDER_ASSETS)
      candidates.push(['KUBEBUILDER_ASSETS', join(env.KUBEBUILDER_ASSETS, component)]);
    for (const dir of storeDirs) candidates.push(['envtest-store', join(dir, component)]);
    candidates.push(['kubebuilder-dir', join('/usr/local/kubebuilder/bin', component)]);
    for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean))
      candidates.push(['PATH', join(dir, component)]);
    if (cacheManifest) candidates.push(['operon-cache', join(cacheDir, component)]);

    let resolved: ResolvedBinary | undefined;
    for (const [source, path] of candidates) {
      if (!(await isExecutable(path))) continue;
      // An etcd from PATH is often a distribution's end-of-life 3.4, below Kubernetes' minimum.
      if (source === 'PATH' && component === 'etcd' && !(await etcdIsRecent(path))) continue;
      resolved = { component, path, source };
      break;
    }
    if (resolved) found[component] = resolved;
    else missing.push(component);
  }
  return { release, found, missing, cacheDir };
}

async function etcdIsRecent(path: string): Promise<boolean> {
  const out = await run(path, ['--version'], {}).catch(() => '');
  const m = /etcd Version: (\d+)\.(\d+)/.exec(out);
  return m !== null && (Number(m[1]) > 3 || (Number(m[1]) === 3 && Number(m[2]) >= 5));
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}: ${out}`)),
    );
  });
}

/** A progress report from `installBinaries`. */
export interface InstallProgress {
  phase: string;
  /** `start`, `tick` (still running), `done`. */
  state: 'start' | 'tick' | 'done';
  /** Milliseconds since the phase started. */
  elapsedMs: number;
  /** Milliseconds since the install started. */
  totalMs: number;
  detail?: string;
}

export interface InstallBinariesOptions extends FindBinariesOptions {
  /** Rebuild Operon's cache even if it is whole. */
  force?: boolean;
  onProgress?: (p: InstallProgress) => void;
  /** How often `tick` progress is reported, ms. Default 15 s. */
  tickMs?: number;
  signal?: AbortSignal;
  /** The `go` command; default `go` from PATH. */
  go?: string;
}

export interface InstalledBinaries {
  release: ReleasePin;
  binaries: Record<Component, ResolvedBinary>;
  /** The directory where the binaries not found elsewhere were built; the cache dir. */
  dir: string;
  /** Whether this call built anything. */
  built: boolean;
}

/** The folder that holds the wrapper Go modules, shipped with the package. */
export function modulesDir(): string {
  return fileURLToPath(new URL('../../controlplane/', import.meta.url));
}

async function goAvailable(go: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    return (await run(go, ['version'], { env })).trim();
  } catch {
    return undefined;
  }
}

/** The error for "no binaries and nothing to build them with", naming the three ways out. */
export function noBinariesError(missing: readonly Component[], release: ReleasePin): OperonError {
  return new OperonError(
    ErrorCode.BinariesNotFound,
    `The control-plane binaries ${missing.join(', ')} were not found and cannot be built here (no Go on PATH). Three ways out:\n` +
      `  1. Install Go 1.26 or newer and run \`operon controlplane install --version ${release.minor}\` (it builds them from Go modules);\n` +
      '  2. set KUBEBUILDER_ASSETS to a directory that holds them (for example one made by setup-envtest);\n' +
      '  3. point KUBECONFIG at an existing cluster and set OPERON_USE_EXISTING_CLUSTER=true.',
  );
}

/**
 * Makes every component available: those found elsewhere are used as they are; when any is missing
 * (or `force`), all are built from Go modules into Operon's cache, written atomically.
 */
export async function installBinaries(options: InstallBinariesOptions = {}): Promise<InstalledBinaries> {
  const env = options.env ?? process.env;
  const started = Date.now();
  let current = await findBinariesTolerant(options);
  const needBuild = options.force || current.missing.length > 0;
  if (!needBuild) {
    return {
      release: current.release,
      binaries: current.found as Record<Component, ResolvedBinary>,
      dir: current.cacheDir,
      built: false,
    };
  }
  const go = options.go ?? 'go';
  const goVersion = await goAvailable(go, env);
  if (!goVersion)
    throw noBinariesError(current.missing.length ? current.missing : COMPONENTS, current.release);

  await buildRelease(current.release, { ...options, go, env, started, goVersion });
  current = await findBinariesTolerant(options);
  if (current.missing.length > 0) {
    throw new OperonError(
      ErrorCode.BuildFailed,
      `After building, still missing: ${current.missing.join(', ')}.`,
    );
  }
  return {
    release: current.release,
    binaries: current.found as Record<Component, ResolvedBinary>,
    dir: current.cacheDir,
    built: true,
  };
}

function findBinariesTolerant(options: FindBinariesOptions): Promise<FoundBinaries> {
  return findBinaries({ ...options, ignoreCorruptCache: true });
}

interface BuildContext extends InstallBinariesOptions {
  go: string;
  env: NodeJS.ProcessEnv;
  started: number;
  goVersion: string;
}

async function buildRelease(release: ReleasePin, ctx: BuildContext): Promise<void> {
  const root = cacheRoot(ctx.env);
  const finalDir = releaseCacheDir(release, ctx.env);
  await mkdir(root, { recursive: true });
  const unlock = await acquireLock(join(root, `.${release.kubernetes}.lock`), ctx);
  try {
    // Another process may have finished the same build while we waited for the lock.
    if (!ctx.force) {
      const existing = await checkCacheDir(finalDir).catch(() => undefined);
      if (existing) return;
    }
    const work = join(root, `.build-${release.kubernetes}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(work, { recursive: true });
    try {
      await buildInto(work, release, ctx);
      const old = `${finalDir}.old-${randomBytes(4).toString('hex')}`;
      await rename(finalDir, old).catch(() => undefined);
      await rename(work, finalDir);
      await rm(old, { recursive: true, force: true });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } finally {
    await unlock();
  }
}

async function acquireLock(path: string, ctx: BuildContext): Promise<() => Promise<void>> {
  let reported = false;
  for (;;) {
    ctx.signal?.throwIfAborted();
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (!Number.isFinite(owner) || !pidExists(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (!reported) {
      ctx.onProgress?.({
        phase: `waiting for another build (pid ${owner})`,
        state: 'start',
        elapsedMs: 0,
        totalMs: Date.now() - ctx.started,
      });
      reported = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function buildInto(dir: string, release: ReleasePin, ctx: BuildContext): Promise<void> {
  const modules = modulesDir();
  const goEnv: NodeJS.ProcessEnv = {
    ...ctx.env,
    CGO_ENABLED: '0',
    GOWORK: 'off',
    GOFLAGS: '-mod=readonly -buildvcs=false',
  };
  const [major, minor] = release.kubernetes.split('.');
  const k8sLdflags = [
    '-s',
    '-w',
    `-X k8s.io/component-base/version.gitVersion=v${release.kubernetes}`,
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ].join(' ');
  // `output` is a file for one package (etcd's main package would be named "server"), else a folder.
  const steps: Array<{ phase: string; module: string; packages: string[]; ldflags: string; output: string }> =
    [
      {
        phase: `etcd ${release.etcd}`,
        output: join(dir, 'etcd'),
        module: release.modules.etcd,
        packages: ['go.etcd.io/etcd/server/v3'],
        ldflags: '-s -w',
      },
      {
        phase: `kube-apiserver, kube-controller-manager, kube-scheduler ${release.kubernetes}`,
        module: release.modules.kubernetes,
        output: `${dir}/`,
        packages: [
          'k8s.io/kubernetes/cmd/kube-apiserver',
          'k8s.io/kubernetes/cmd/kube-controller-manager',
          'k8s.io/kubernetes/cmd/kube-scheduler',
        ],
        ldflags: k8sLdflags,
      },
      {
        phase: `kwok ${release.kwok}`,
        module: release.modules.kwok,
        output: join(dir, 'kwok'),
        packages: ['sigs.k8s.io/kwok/cmd/kwok'],
        ldflags: `-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v${release.kwok}`,
      },
    ];
  ctx.onProgress?.({
    phase: `using ${ctx.goVersion}`,
    state: 'done',
    elapsedMs: 0,
    totalMs: Date.now() - ctx.started,
  });
  for (const step of steps) {
    const cwd = join(modules, step.module);
    await phase(ctx, `downloading modules for ${step.phase}`, () =>
      runGo(ctx, ['mod', 'download'], cwd, goEnv, () => undefined),
    );
    const total = (await runGo(ctx, ['list', '-deps', ...step.packages], cwd, goEnv, () => undefined))
      .split('\n')
      .filter(Boolean).length;
    let compiled = 0;
    await phase(
      ctx,
      `building ${step.phase}`,
      () =>
        runGo(
          ctx,
          ['build', '-v', '-trimpath', '-ldflags', step.ldflags, '-o', step.output, ...step.packages],
          cwd,
          goEnv,
          (line) => {
            if (line && !line.startsWith('#')) compiled++;
          },
        ),
      () => `${compiled} of at most ${total} packages compiled (the rest come from Go's build cache)`,
    );
  }
  await phase(ctx, 'copying kwok stage definitions', () => copyKwokStages(dir, release, goEnv, ctx));
  const binaries: CacheManifest['binaries'] = {};
  for (const component of COMPONENTS) {
    const path = join(dir, component);
    binaries[component] = { size: (await stat(path)).size, sha256: await sha256File(path) };
  }
  const manifest: CacheManifest = {
    kubernetes: release.kubernetes,
    etcd: release.etcd,
    kwok: release.kwok,
    platform: platform(),
    builtAt: new Date().toISOString(),
    binaries,
  };
  // The manifest is written last: a directory without it never counts as a cache.
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** kwok needs Stage definitions; they ship inside its module, so they come with the binary. */
async function copyKwokStages(
  dir: string,
  release: ReleasePin,
  goEnv: NodeJS.ProcessEnv,
  ctx: BuildContext,
): Promise<void> {
  const cwd = join(modulesDir(), release.modules.kwok);
  const moduleDir = (
    await runGo(ctx, ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'], cwd, goEnv, () => undefined)
  ).trim();
  const parts: string[] = [];
  for (const sub of ['node/fast', 'node/heartbeat', 'pod/fast']) {
    const stageDir = join(moduleDir, 'kustomize', 'stage', sub);
    for (const name of (await readdir(stageDir)).sort()) {
      if (!name.endsWith('.yaml') || name === 'kustomization.yaml') continue;
      parts.push((await readFile(join(stageDir, name), 'utf8')).trim());
    }
  }
  await writeFile(join(dir, 'kwok-stages.yaml'), `${parts.join('\n---\n')}\n`);
}

async function phase(
  ctx: BuildContext,
  name: string,
  fn: () => Promise<unknown>,
  detail?: () => string,
): Promise<void> {
  const start = Date.now();
  const report = (state: InstallProgress['state']) => {
    const p: InstallProgress = {
      phase: name,
      state,
      elapsedMs: Date.now() - start,
      totalMs: Date.now() - ctx.started,
    };
    const d = detail?.();
    if (d) p.detail = d;
    ctx.onProgress?.(p);
  };
  report('start');
  const timer = setInterval(() => report('tick'), ctx.tickMs ?? 15_000);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  report('done');
}

function runGo(
  ctx: BuildContext,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  onStderrLine: (line: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(ctx.go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onStderrLine(line);
      err += d;
      if (err.length > 200_000) err = err.slice(-100_000);
    });
    child.on('error', (cause) =>
      reject(
        ctx.signal?.aborted
          ? ctx.signal.reason
          : new OperonError(
              ErrorCode.BuildFailed,
              `Could not run \`${ctx.go} ${args[0]}\`: ${cause.message}`,
              {
                cause,
              },
            ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve(out);
      const tail = err
        .split('\n')
        .filter((l) => l && !/^[\w./-]+$/.test(l))
        .slice(-25)
        .join('\n');
      reject(
        new OperonError(
          ErrorCode.BuildFailed,
          `\`go ${args.join(' ')}\` failed in ${cwd} (exit ${code}):\n${tail}\n` +
            'Check that the Go module proxy is reachable (GOPROXY) and that there is free disk and memory (links need 2–4 GB); then run the install again.',
          { retryable: true },
        ),
      );
    });
  });
}
