/**
 * The contenders of the operator benchmark and how each is made ready: Go peers are built with the
 * machine's `go build` into their gitignored bin/, the Python peer is installed with pip into its
 * gitignored .venv, npm peers with `npm install` beside their code. `prepareContenders()` never
 * throws: a contender that cannot be made ready carries the exact reason instead.
 */

import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOperator } from '../../src/cli/build.ts';
import { NODE_FLAGS } from '../../src/cli/init-templates.ts';
import type { LaunchSpec } from './process.ts';

/** The ids `--contenders` takes, in table order (the client-go ceiling always runs). */
export const CONTENDER_IDS = ['controller-runtime', 'operon', 'kopf', 'client-node', 'dot-i'] as const;

export interface ContenderDef {
  /** Short id, for namespaces and `--contenders`. */
  id: string;
  /** Name and version, for the tables. */
  name: string;
  /** How to run it on a namespace; `expect` is the number of widgets already there (see protocol.ts). */
  launch(kubeconfig: string, namespace: string, expect: number): LaunchSpec;
  /** Set when it cannot run: the reason, shown in the tables. */
  unavailable?: string;
  /** How it is written and what it cannot do like the others, for the notes of the report. */
  note?: string;
  /** Whether it answers the `stats` line (bench/operator/protocol.ts). */
  stats?: boolean;
}

const PEERS = fileURLToPath(new URL('../peers/', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the Operon contenders are bundled to (gitignored). */
export const BENCH_DIST = join(ROOT, 'bench', 'dist');
/** The Operon contender of the operator bench (bench/operator/operon.ts), bundled. */
export const OPERON_CONTENDER = join(BENCH_DIST, 'operator', 'operon.mjs');
/** The minimal operator of the idle figures (bench/operator/minimal.ts), bundled. */
export const MINIMAL_CONTENDER = join(BENCH_DIST, 'operator', 'minimal.mjs');

/**
 * The Node options the Operon contender runs with: the generated Dockerfile's, or for experiments
 * `OPERON_BENCH_NODE_FLAGS` (space-separated; the report then names them).
 */
export const OPERON_NODE_FLAGS: readonly string[] =
  process.env.OPERON_BENCH_NODE_FLAGS === undefined
    ? NODE_FLAGS
    : process.env.OPERON_BENCH_NODE_FLAGS.split(' ').filter(Boolean);

/**
 * Compiles Operon as published (`npm run build`: dist/) and bundles the Operon contenders against it
 * with `operon build` (bench/dist/operator/*.mjs), so that they run as users' operators run in the
 * images `operon init` generates: one minified JavaScript bundle, `operon/*` taken from dist/, no
 * TypeScript loader in the process.
 */
export async function compileOperon(): Promise<void> {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  await run(tsc, ['-p', 'tsconfig.build.json'], ROOT);
  for (const [entry, outfile] of [
    ['operon.ts', OPERON_CONTENDER],
    ['minimal.ts', MINIMAL_CONTENDER],
  ] as const) {
    await bundleOperator({ entry: join(ROOT, 'bench', 'operator', entry), outfile });
  }
}
const node = process.execPath;
const goBin = (peer: string, binary: string) => join(PEERS, peer, 'bin', binary);

function log(message: string): void {
  process.stderr.write(`[bench operator] ${message}\n`);
}

/** Runs a command; resolves on exit 0, otherwise rejects with its last lines of output. */
function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('error', (err) => reject(new Error(`${command} could not start: ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      const last = output.trim().split('\n').slice(-3).join(' / ');
      reject(new Error(`\`${command} ${args.join(' ')}\` failed (${signal ?? `exit ${code}`}): ${last}`));
    });
  });
}

/** Newest modification time of the files in `dir` (not descending into bin/ or dot folders). */
async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(dir, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds a Go peer into bin/ unless the binary is newer than its sources. */
export async function buildGo(peer: string, binary: string): Promise<string> {
  const dir = join(PEERS, peer);
  const out = goBin(peer, binary);
  if (existsSync(out) && statSync(out).mtimeMs >= (await newestSource(dir))) return out;
  log(`building ${peer} with go build (the first build takes minutes)`);
  await run('go', ['build', '-trimpath', '-o', out, '.'], dir, { ...process.env, CGO_ENABLED: '0' });
  return out;
}

/** The version of `module` in a Go peer's go.mod. */
async function goModVersion(peer: string, module: string): Promise<string> {
  const mod = await readFile(join(PEERS, peer, 'go.mod'), 'utf8');
  return new RegExp(`^\\s*${module.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(mod)?.[1] ?? '?';
}

/** Installs an npm peer's dependencies unless `probe` (a path in it) exists. */
async function installNpm(peer: string, probe: string): Promise<void> {
  const dir = join(PEERS, peer);
  if (existsSync(join(dir, probe))) return;
  log(`installing ${peer} with npm install (once)`);
  // npm's own `node` is the pinned one, so engines checks and install scripts match the bench.
  const env = { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` };
  await run('npm', ['install', '--no-audit', '--no-fund'], dir, env);
  if (!existsSync(join(dir, probe))) throw new Error(`npm install left no ${probe} in ${dir}`);
}

async function npmVersion(peer: string, pkg: string): Promise<string> {
  const file = join(PEERS, peer, 'node_modules', pkg, 'package.json');
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
}

const KOPF_DIR = join(PEERS, 'kopf');

/** Makes bench/peers/kopf/.venv from requirements.txt unless it holds exactly those already. */
async function installKopf(): Promise<{ kopf: string; python: string }> {
  const requirements = await readFile(join(KOPF_DIR, 'requirements.txt'), 'utf8');
  const marker = join(KOPF_DIR, '.venv', 'installed-requirements.txt');
  const python = join(KOPF_DIR, '.venv', 'bin', 'python');
  if (!existsSync(marker) || (await readFile(marker, 'utf8')) !== requirements) {
    log('installing kopf with pip into bench/peers/kopf/.venv (once)');
    await run('python3', ['-m', 'venv', '.venv'], KOPF_DIR);
    await run(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', 'requirements.txt'],
      KOPF_DIR,
    );
    await writeFile(marker, requirements);
  }
  const kopf = /^kopf==(\S+)/m.exec(requirements)?.[1] ?? '?';
  const version = await new Promise<string>((resolve) => {
    const child = spawn(python, ['-c', 'import platform; print(platform.python_version())']);
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', () => resolve('?'));
    child.on('exit', () => resolve(out.trim() || '?'));
  });
  return { kopf, python: version };
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Every contender, in table order; the first is the baseline of the ratios. */
export async function prepareContenders(only?: readonly string[]): Promise<ContenderDef[]> {
  const wanted = (id: string) => !only || only.includes(id);
  const defs: ContenderDef[] = [];

  if (wanted('controller-runtime')) {
    const version = await goModVersion('controller-runtime', 'sigs.k8s.io/controller-runtime').catch(
      () => '?',
    );
    const def: ContenderDef = {
      id: 'controller-runtime',
      name: `controller-runtime ${version} (Go)`,
      launch: (kubeconfig, namespace) => ({
        command: goBin('controller-runtime', 'widget-operator'),
        args: [kubeconfig, namespace],
      }),
      stats: true,
      note:
        'For(Widget).Owns(ConfigMap), MaxConcurrentReconciles 4, QPS and burst 1e6, caches stripped of ' +
        'managedFields; CreateOrUpdate with SetControllerReference (a read from the cache, a write only when the ' +
        'ConfigMap differs), a status update only when the status changed. A typed Widget, deep copies by hand.',
    };
    try {
      await buildGo('controller-runtime', 'widget-operator');
    } catch (err) {
      def.unavailable = reason(err);
    }
    defs.push(def);
  }

  if (wanted('operon')) {
    const version = (
      JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version: string;
      }
    ).version;
    const def: ContenderDef = {
      id: 'operon',
      name: `Operon ${version}`,
      launch: (kubeconfig, namespace) => ({
        command: node,
        args: [...OPERON_NODE_FLAGS, '--expose-gc', OPERON_CONTENDER, kubeconfig, namespace],
      }),
      stats: true,
      note:
        'controller({ for: Widget, owns: [ConfigMap], concurrency: 4 }) under a manager (caches strip ' +
        'managedFields by default, no client-side limit); applyOwned (server-side apply of the ConfigMap, ' +
        'skipped when this controller last applied the same configuration to this object and the cache still ' +
        'shows it), setCondition and updateStatus (a write only when the status changed). Run as users run it ' +
        `in production: bundled by \`operon build\` (one minified file, from dist/), \`node ${OPERON_NODE_FLAGS.join(' ')}\` ` +
        (process.env.OPERON_BENCH_NODE_FLAGS === undefined
          ? 'as the generated Dockerfile has it'
          : '(OPERON_BENCH_NODE_FLAGS, not the generated Dockerfile’s)') +
        ', plus --expose-gc for the memory readings.',
    };
    try {
      await compileOperon();
    } catch (err) {
      def.unavailable = reason(err);
    }
    defs.push(def);
  }

  if (wanted('kopf')) {
    const def: ContenderDef = {
      id: 'kopf',
      name: 'kopf (Python)',
      launch: (kubeconfig, namespace, expect) => ({
        command: join(KOPF_DIR, '.venv', 'bin', 'kopf'),
        args: ['run', '--standalone', '--quiet', '--namespace', namespace, 'handler.py'],
        cwd: KOPF_DIR,
        // No __pycache__ beside handler.py in the work tree.
        env: { KUBECONFIG: kubeconfig, BENCH_EXPECT: String(expect), PYTHONDONTWRITEBYTECODE: '1' },
      }),
      note:
        'sync handlers in 4 threads (`settings.execution.max_workers = 4`), the ConfigMap by the `kubernetes` ' +
        'client (create on create, patch on update), status through kopf’s own patch; Kubernetes Events off. ' +
        'kopf keeps no cache: its *sync* is the time until its handler has run for every widget (which includes ' +
        'the handler’s writes), and it does not watch ConfigMaps.',
    };
    try {
      const versions = await installKopf();
      def.name = `kopf ${versions.kopf} (Python ${versions.python})`;
    } catch (err) {
      def.unavailable = reason(err);
    }
    defs.push(def);
  }

  const nodePeer = (peer: string, id: string, note: string): ContenderDef => ({
    id,
    name: '',
    launch: (kubeconfig, namespace, expect) => ({
      command: node,
      args: ['--expose-gc', join(PEERS, peer, 'operator.ts'), kubeconfig, namespace],
      env: { BENCH_EXPECT: String(expect) },
    }),
    note,
  });

  if (wanted('client-node')) {
    const def = nodePeer(
      'client-node',
      'client-node',
      'makeInformer on widgets and ConfigMaps, a hand-written dedup queue with backoff, 4 workers; create or ' +
        'replace the ConfigMap when the cached one differs, replace the status when it differs. client-node ' +
        'informers have no transform, so managedFields stay in the cache, and client-node 2 opens a new TLS ' +
        'connection for every request (its `https.Agent` has keep-alive off).',
    );
    try {
      await installNpm('client-node', 'node_modules/@kubernetes/client-node/package.json');
      def.name = `@kubernetes/client-node ${await npmVersion('client-node', '@kubernetes/client-node')} informers + hand-written queue`;
    } catch (err) {
      def.name = '@kubernetes/client-node informers + hand-written queue';
      def.unavailable = reason(err);
    }
    defs.push(def);
  }

  if (wanted('dot-i')) {
    const def = nodePeer(
      'dot-i',
      'dot-i',
      'one event at a time (its queue’s concurrency is 1 and not configurable: the 4 concurrent reconciles ' +
        'cannot be set), every watch event handled (no dedup; events it caused itself are skipped by the ' +
        'handler), no cache and no ConfigMap watch; every request opens a new TLS connection (client-node 0.20 ' +
        'for the ConfigMap, a new `https.Agent` per status write). *sync* is the time until its handler has ' +
        'seen every widget.',
    );
    try {
      await installNpm('dot-i', 'node_modules/@dot-i/k8s-operator/package.json');
      const version = await npmVersion('dot-i', '@dot-i/k8s-operator');
      const clientNode = await npmVersion('dot-i', '@kubernetes/client-node');
      def.name = `@dot-i/k8s-operator ${version} (client-node ${clientNode})`;
    } catch (err) {
      def.name = '@dot-i/k8s-operator';
      def.unavailable = reason(err);
    }
    defs.push(def);
  }
  return defs;
}

/** Builds the ceiling program; resolves to its path, or rejects with why not. */
export async function prepareCeiling(): Promise<{ path: string; clientGo: string }> {
  const path = await buildGo('ceiling', 'ceiling');
  return { path, clientGo: await goModVersion('ceiling', 'k8s.io/client-go') };
}
