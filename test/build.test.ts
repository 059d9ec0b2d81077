import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { useControlPlane } from 'operon/testing';
import { NODE_FLAGS } from '../src/cli/init-templates.ts';
import { operatorEnv } from './support/operator-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

/** A small operator: for each ConfigMap labelled role=source, a `<name>-copy` with its data, owned by it. */
const OPERATOR = `import { ConfigMap } from 'operon/client';
import { Action, applyOwned, controller } from 'operon/controller';
import { defineOperator } from 'operon/manager';

const copies = controller({
  name: 'copy',
  for: ConfigMap,
  async reconcile(_request, ctx) {
    const source = await ctx.get();
    if (source?.metadata?.labels?.role !== 'source') return Action.done();
    const copy: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: \`\${source.metadata.name}-copy\` },
      data: source.data ?? {},
    };
    await applyOwned(ctx.client, source, ConfigMap, copy, ctx);
    return Action.done();
  },
});

const operator = defineOperator({ name: 'bundled', controllers: [copies] });
export default operator;

if (import.meta.main) process.exitCode = await operator.run();
`;

function operon(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=operon:source', MAIN, ...args],
      { cwd, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

/** Polls `read` until it returns a value; fails after `ms`. */
async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let project: string;
before(async () => {
  // A project that depends on this checkout, as `operon init` makes one: node_modules/operon is a link.
  project = await mkdtemp(join(tmpdir(), 'operon-build-'));
  await mkdir(join(project, 'src'));
  await mkdir(join(project, 'node_modules'));
  await symlink(ROOT, join(project, 'node_modules', 'operon'));
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'bundled', type: 'module', private: true, operon: { entry: 'src/operator.ts' } })}\n`,
  );
  await writeFile(join(project, 'src', 'operator.ts'), OPERATOR);
});
after(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('operon build', () => {
  it('bundles an operator into one file that starts, syncs and reconciles against a real API server', {
    timeout: 180_000,
  }, async () => {
    // The source condition takes Operon from src/ (a checkout has no dist/ until it is built).
    const build = await operon(['build', '--condition', 'operon:source'], project);
    assert.equal(build.code, 0, build.stderr);
    assert.match(build.stdout, /^dist\/operator\.mjs \(\d+ KiB, \d+ chunks beside it\)\n$/);
    const bundle = await readFile(join(project, 'dist', 'operator.mjs'), 'utf8');
    assert.match(bundle, /\/\/# sourceMappingURL=operator\.mjs\.map\n$/);
    assert.ok(existsSync(join(project, 'dist', 'operator.mjs.map')));
    // Operon is in the bundle, not imported; what it loads when first used is named by path.
    assert.doesNotMatch(bundle, /from\s*"operon\//);
    const files = await readdir(join(project, 'dist'));
    const chunks = await Promise.all(
      files.filter((f) => f.endsWith('.mjs')).map((f) => readFile(join(project, 'dist', f), 'utf8')),
    );
    assert.match(
      chunks.join('\n'),
      /import\("\.\.\/node_modules\/operon\/node_modules\/@peculiar\/x509\/[^"]+"\)/,
    );
    // The YAML parser (for the kubeconfig file the operator below reads) is a chunk, not node_modules' files.
    assert.doesNotMatch(chunks.join('\n'), /node_modules\/[^"]*yaml\//);
    // undici's agent and prom-client's classes are bundled; what undici requires only for HTTP/1.1
    // (its parser's WebAssembly) or FormData bodies is named by path.
    assert.doesNotMatch(bundle, /"(undici\/lib\/(dispatcher|api)|prom-client\/lib)\//);
    assert.match(bundle, /"\.\.\/node_modules\/operon\/node_modules\/undici\/lib\/llhttp\/llhttp-wasm\.js"/);
    assert.ok(
      files.some((f) => /^operator-certs-[A-Z0-9]{8}\.mjs$/.test(f)),
      `the certificates are a chunk of their own: ${files.join(', ')}`,
    );

    // Rebuilt, it leaves no chunk of the first build behind.
    assert.equal((await operon(['build', '--condition', 'operon:source'], project)).code, 0);
    assert.deepEqual((await readdir(join(project, 'dist'))).sort(), files.sort());

    await using plane = await useControlPlane();
    await using ns = await plane.createNamespace('build');
    const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
    try {
      const { NODE_OPTIONS: _, ...env } = process.env;
      // As the image runs it: node with the Dockerfile's flags, the bundle, no source condition.
      const child = spawn(process.execPath, [...NODE_FLAGS, join('dist', 'operator.mjs')], {
        cwd: project,
        env: { ...env, ...operatorEnv(plane.kubeconfig.path, ns.name) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      try {
        await client.create(ConfigMap, {
          metadata: { name: 'greeting', namespace: ns.name, labels: { role: 'source' } },
          data: { message: 'hello' },
        });
        const copy = await until(`the copy (operator output: ${output.slice(-2000)})`, () =>
          client.get(ConfigMap, 'greeting-copy', { namespace: ns.name }),
        );
        assert.deepEqual(copy.data, { message: 'hello' });
        assert.equal(copy.metadata?.ownerReferences?.[0]?.name, 'greeting');
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0, output);
      // The metrics endpoint's self-signed certificate: @peculiar/x509, loaded when first used.
      assert.match(output, /serving a self-signed certificate/);
      assert.match(output, /"signal received; shutting down"/);
    } finally {
      await client.close();
    }
  });

  it('refuses a missing or broken entry and a bad --outfile, saying what to do, with no stack trace', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'operon-build-empty-'));
    try {
      const missing = await operon(['build'], empty);
      assert.equal(missing.code, 1);
      assert.match(
        missing.stderr,
        /The entry module .*src\/operator\.ts does not exist\. Pass it as `operon build ENTRY`, or set "operon": \{ "entry": "\.\.\." \} in package\.json\./,
      );
      assert.doesNotMatch(missing.stderr, /\n\s+at /);

      await writeFile(
        join(empty, 'broken.ts'),
        "import { nothing } from './nowhere.ts';\nconsole.log(nothing);\n",
      );
      const broken = await operon(['build', 'broken.ts'], empty);
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /Could not bundle broken\.ts:/);
      assert.match(broken.stderr, /\[ERROR\] Could not resolve "\.\/nowhere\.ts"\n\n\s+broken\.ts:1:24:/);
      assert.doesNotMatch(broken.stderr, /\n\s+at /);

      const badOut = await operon(['build', 'broken.ts', '--outfile', 'operator.cjs'], empty);
      assert.equal(badOut.code, 2);
      assert.match(badOut.stderr, /--outfile operator\.cjs must end in \.mjs/);
      const extra = await operon(['build', 'a.ts', 'b.ts'], empty);
      assert.equal(extra.code, 2);
      assert.match(extra.stderr, /unexpected arguments: b\.ts/);
      assert.equal(existsSync(join(empty, 'dist')), false, 'nothing was written');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
