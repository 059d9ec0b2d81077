import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { BASE_IMAGE, projectFiles } from '../src/cli/init-templates.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function operon(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=operon:source', join(ROOT, 'src/cli/main.ts'), ...args],
      { cwd: ROOT, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const scaffold = projectFiles({
  name: 'my-operator',
  group: 'my-operator.example.com',
  kind: 'App',
  operon: '^0.1.0',
  typescript: '^7.0.2',
  typesNode: '^24.0.0',
  esbuild: '0.28.2',
  node: '^24.21.0',
});
const file = (path: string) => scaffold.find((f) => f.path === path)!.content;

describe('the scaffolded image', () => {
  const dockerfile = file('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds every stage from the official node:24 image pinned by digest', () => {
    assert.match(BASE_IMAGE, /^node:24\.\d+\.\d+-slim@sha256:[a-f0-9]{64}$/);
    assert.ok(dockerfile.includes(`ARG BASE_IMAGE=${BASE_IMAGE}\n`));
    assert.equal(stages.length, 3);
    for (const stage of stages) assert.match(stage, /^\$\{BASE_IMAGE\}( AS \w+)?\n/);
  });

  it('runs no package manager at runtime, as a numeric non-root user, from files it cannot change', () => {
    const runtime = stages.at(-1)!;
    const run = runtime.match(/^RUN [\s\S]*?[^\\]\n/m)![0];
    for (const tool of ['npm', 'npx', 'corepack', 'yarn']) {
      assert.match(run, new RegExp(`/usr/local/bin/${tool}\\b`), `${tool} is removed`);
    }
    assert.doesNotMatch(runtime, /^(RUN|CMD|ENTRYPOINT).*\bnpm (ci|install|start|run)\b/m);
    // node itself, with only V8/Node options (NODE_FLAGS) before the entry module.
    assert.match(runtime, /^ENTRYPOINT \["node", ("--[a-z-]+(=[\w.-]+)?", )*"dist\/operator\.mjs"\]$/m);
    // It runs the bundle made in the build stage, never the TypeScript sources.
    assert.match(runtime, /^COPY --from=build --chown=0:0 \/app\/dist \.\/dist$/m);
    assert.doesNotMatch(runtime, /^COPY .*\bsrc\b/m);
    assert.match(runtime, /^USER 65532:65532$/m);
    for (const copy of runtime.match(/^COPY .*$/gm)!) assert.match(copy, /--chown=0:0/);
    // The dependencies come from the lockfile, with no install scripts run.
    assert.match(stages[0]!, /npm ci --omit=dev --ignore-scripts/);
    // The build stage installs the devDependencies (esbuild) from the lockfile too, with no
    // scripts, and bundles with operon build.
    assert.match(stages[1]!, /^\$\{BASE_IMAGE\} AS build\n/);
    assert.match(stages[1]!, /^RUN npm ci --ignore-scripts /m);
    assert.match(stages[1]!, /^RUN node node_modules\/operon\/dist\/cli\/main\.js build$/m);
  });

  it('matches the generated Deployment: the same UID, non-root, read-only root filesystem', async () => {
    const { defineOperator } = await import('operon/manager');
    const { generateFiles } = await import('operon/generate');
    const { Action, controller } = await import('operon/controller');
    const { ConfigMap } = await import('operon/client');
    const op = defineOperator({
      name: 'my-operator',
      image: 'registry.example.com/my-operator:0.1.0',
      controllers: [controller({ name: 'c', for: ConfigMap, reconcile: async () => Action.done() })],
    });
    const deployment = parse(
      generateFiles(op, 'manifests').find((f) => f.path === 'manager/deployment.yaml')!.content,
    );
    const security = deployment.spec.template.spec.containers[0].securityContext;
    assert.equal(security.runAsUser, 65532);
    assert.equal(security.runAsNonRoot, true);
    assert.equal(security.readOnlyRootFilesystem, true);
    assert.equal(security.allowPrivilegeEscalation, false);
  });
});

describe('install scripts', () => {
  it('the scaffold pins Node exactly and approves its install script for that version only', () => {
    const pkg = JSON.parse(file('package.json'));
    assert.equal(pkg.devDependencies.node, '24.21.0');
    // esbuild's script only checks its platform binary, which npm installs anyway: declined.
    assert.deepEqual(pkg.allowScripts, { 'esbuild@0.28.2': false, 'node@24.21.0': true });
    // Pinned approvals match only when the lockfile records where packages came from.
    assert.match(file('.npmrc'), /^omit-lockfile-registry-resolved=false$/m);
  });

  it('this repository approves exactly the locked packages that have install scripts, pinned wherever the lockfile allows', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8'));
    const withScripts = Object.entries(lock.packages as Record<string, Record<string, unknown>>)
      .filter(([path, entry]) => path && entry.hasInstallScript)
      .map(([path, entry]) => ({
        name: path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
        version: entry.version as string,
        // npm pins (name@version) only packages whose lock entry says where they were resolved from.
        pinnable: typeof entry.resolved === 'string',
      }));
    // Declined: esbuild's script only checks for its platform binary, an optional dependency npm
    // installs anyway (operon build runs without it; test/build.test.ts).
    const declined = new Set(['esbuild']);
    const expected = Object.fromEntries(
      withScripts.map((p) => [p.pinnable ? `${p.name}@${p.version}` : p.name, !declined.has(p.name)]),
    );
    assert.deepEqual(pkg.allowScripts, expected);
  });
});

describe('operon generate manifests sets a real image', () => {
  let dir: string;
  let entry: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'operon-generate-image-'));
    entry = join(dir, 'operator.ts');
    const src = (p: string) => JSON.stringify(join(ROOT, p));
    await writeFile(
      entry,
      `import { defineOperator } from ${src('src/manager/index.ts')};
import { webAppController } from ${src('examples/webapp/src/controller.ts')};
import { WebApp } from ${src('examples/webapp/src/webapp.ts')};
export default defineOperator({
  name: 'no-image-operator',
  resources: [WebApp],
  controllers: [webAppController({ registryNamespace: 'no-image-operator-system' })],
});
`,
    );
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses to write a Deployment without an image, or with :latest, and says how to set one', async () => {
    const none = await operon(['generate', 'manifests', '--entry', entry, '--out', join(dir, 'a')]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /has no image for its Deployment\. Pass --image/);
    const latest = await operon([
      'generate',
      'manifests',
      '--entry',
      entry,
      '--out',
      join(dir, 'b'),
      '--image',
      'ghcr.io/acme/op:latest',
    ]);
    assert.notEqual(latest.code, 0);
    assert.match(latest.stderr, /is :latest/);
    const rbacOnly = await operon(['generate', 'rbac', '--entry', entry, '--out', join(dir, 'c')]);
    assert.equal(rbacOnly.code, 0, 'RBAC needs no image');
  });

  it('uses --image for the Deployment', async () => {
    const image = `ghcr.io/acme/op@sha256:${'b'.repeat(64)}`;
    const out = join(dir, 'd');
    const res = await operon(['generate', 'manifests', '--entry', entry, '--out', out, '--image', image]);
    assert.equal(res.code, 0, res.stderr);
    const deployment = parse(await readFile(join(out, 'manager/deployment.yaml'), 'utf8'));
    assert.equal(deployment.spec.template.spec.containers[0].image, image);
  });
});
