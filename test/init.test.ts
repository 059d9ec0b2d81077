import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useControlPlane } from 'operon/testing';
import { operonDependency } from '../src/cli/init.ts';
import { imageEntrypoint } from '../src/cli/init-templates.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { maxBuffer: 64 * 1024 * 1024, timeout: 600_000, ...options },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

/**
 * Runs a command until its output matches `ready`, then sends it SIGTERM and waits for its exit;
 * kills it if it has not matched or exited within `timeout`.
 */
function runUntil(
  command: string,
  args: string[],
  ready: RegExp,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeout?: number },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!signalled && ready.test(output)) {
        signalled = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: signalled ? code : -1, output });
    });
  });
}

function operon(args: string[], cwd?: string): Promise<Result> {
  return run(process.execPath, ['--conditions=operon:source', MAIN, ...args], cwd ? { cwd } : {});
}

/**
 * The environment of a fresh shell on this machine: PATH, HOME (npm's cache, the control-plane
 * binaries' cache), proxies and where binaries live; nothing of this test run (its shared control
 * plane, NODE_OPTIONS with the operon:source condition, the variables npm sets for scripts).
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep =
    /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LC_ALL|TERM|TMPDIR|XDG_(CACHE|DATA|CONFIG)_HOME|KUBEBUILDER_ASSETS|TEST_ASSET_\w+|(HTTPS?|NO)_PROXY|NODE_EXTRA_CA_CERTS|npm_config_(registry|cache|userconfig))$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => keep.test(k)));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'operon-init-'));
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('operon init', () => {
  it('scaffolds a project whose own npm install and npm test pass from a fresh folder', {
    timeout: 900_000,
  }, async () => {
    const dir = join(tmp, 'my-operator');
    const init = await operon(['init', dir, '--kind', 'Greeting']);
    assert.equal(init.code, 0, init.stderr);
    assert.ok(init.stdout.includes(`cd ${dir} && npm install && npm test`), init.stdout);
    const files = await listFiles(dir);
    assert.deepEqual(files, [
      '.gitignore',
      '.npmrc',
      'Dockerfile',
      'README.md',
      'package.json',
      'src/controller.ts',
      'src/greeting.ts',
      'src/operator.ts',
      'test/operator.test.ts',
      'tsconfig.json',
    ]);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    assert.equal(pkg.dependencies.operon, `file:${ROOT.replace(/\/$/, '')}`);
    assert.equal(pkg.operon.entry, 'src/operator.ts');
    assert.equal(pkg.private, true);
    // Node pinned exactly, and its install script approved for that version only.
    assert.match(pkg.devDependencies.node, /^24\.\d+\.\d+$/);
    // esbuild (for operon build) at build time only, its install script declined for that version.
    assert.match(pkg.devDependencies.esbuild, /^\d+\.\d+\.\d+$/);
    assert.equal(pkg.dependencies.esbuild, undefined);
    assert.deepEqual(pkg.allowScripts, {
      [`esbuild@${pkg.devDependencies.esbuild}`]: false,
      [`node@${pkg.devDependencies.node}`]: true,
      [pkg.dependencies.operon]: true,
    });

    // Stable: the same input gives the same bytes.
    const again = join(tmp, 'again', 'my-operator');
    assert.equal((await operon(['init', again, '--kind', 'Greeting'])).code, 0);
    assert.deepEqual(await listFiles(again), files);
    for (const f of files) {
      assert.equal(await readFile(join(again, f), 'utf8'), await readFile(join(dir, f), 'utf8'), f);
    }

    // Lint-clean under this project's Biome settings (the TypeScript and the JSON).
    const biome = await run(
      join(ROOT, 'node_modules/.bin/biome'),
      ['check', '--config-path', join(ROOT, 'biome.json'), '--error-on-warnings', '.'],
      { cwd: dir },
    );
    assert.equal(biome.code, 0, biome.stdout + biome.stderr);

    const install = await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, env: cleanEnv() });
    assert.equal(install.code, 0, install.stdout + install.stderr);
    assert.doesNotMatch(
      install.stderr,
      /not yet covered by allowScripts/,
      'its install scripts are approved',
    );
    assert.ok(existsSync(join(dir, 'node_modules/.bin/node')), 'the project pins its own Node');

    const test = await run('npm', ['test'], { cwd: dir, env: cleanEnv() });
    const output = test.stdout + test.stderr;
    assert.equal(test.code, 0, output);
    assert.match(output, /✔ applies a ConfigMap with the message and reports Ready/);
    assert.match(output, /ℹ pass 1\n/);
    assert.match(output, /ℹ fail 0\n/);

    // The image's build stage bundles src/ and Operon (from its dist/) with operon build, and its
    // ENTRYPOINT runs the bundle: the same command here, against a real API server, starts the
    // operator, syncs and stops on SIGTERM.
    const build = await run('npm', ['run', 'build'], { cwd: dir, env: cleanEnv() });
    assert.equal(build.code, 0, build.stdout + build.stderr);
    assert.match(build.stdout, /dist\/operator\.mjs \(\d+ KiB, \d+ chunks beside it\)/);
    const bundle = await readFile(join(dir, 'dist/operator.mjs'), 'utf8');
    assert.doesNotMatch(
      bundle,
      /from\s*"(operon\/|\.\/greeting)/,
      'Operon and the sources are in the bundle',
    );
    const dockerfile = await readFile(join(dir, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /^RUN node node_modules\/operon\/dist\/cli\/main\.js build$/m);
    const entrypoint: string[] = JSON.parse(dockerfile.match(/^ENTRYPOINT (\[.*\])$/m)![1]!);
    assert.deepEqual(entrypoint, imageEntrypoint());
    await using plane = await useControlPlane();
    const { Greeting } = await import(join(dir, 'src/greeting.ts'));
    await plane.installCRDs([Greeting.crd()]);
    await using ns = await plane.createNamespace('init-image');
    const [node, ...args] = entrypoint;
    assert.equal(node, 'node');
    const started = await runUntil(process.execPath, args, /"controller started"/, {
      cwd: dir,
      env: {
        ...cleanEnv(),
        NODE_OPTIONS: '',
        KUBECONFIG: plane.kubeconfig.path,
        WATCH_NAMESPACE: ns.name,
        OPERON_METRICS_ADDRESS: '0',
        OPERON_HEALTH_ADDRESS: '0',
      },
    });
    assert.equal(started.code, 0, started.output);
    assert.match(started.output, /"signal received; shutting down"/);
  });

  it('refuses a kind, group or name it cannot use, saying what to pass instead, and writes nothing', async () => {
    const dir = join(tmp, 'refused');
    const cases: Array<[string[], RegExp]> = [
      [['--kind', 'greeting'], /--kind "greeting" is not PascalCase.*e\.g\. --kind Greeting/],
      [['--kind', 'web-app'], /--kind "web-app" is not PascalCase.*e\.g\. --kind WebApp/],
      [['--kind', 'GreetingList'], /ends in "List".*--kind Greeting/],
      [['--kind', 'ConfigMap'], /clashes with a name the generated code uses/],
      [['--kind', 'Operator'], /clashes with a name the generated code uses/],
      [['--kind', 'Map'], /clashes with the JavaScript built-in Map.*--kind MyMap/],
      [
        ['--group', 'example'],
        /--group "example" is not a DNS subdomain with a dot.*--group refused\.example\.com/,
      ],
      [['--group', 'Example.COM'], /is not a DNS subdomain/],
      [['--group', 'apps.k8s.io'], /reserved for the Kubernetes project.*a domain you own/],
      [['--name', 'My_Operator'], /--name "My_Operator" is not a DNS label.*Try --name my-operator/],
    ];
    for (const [args, message] of cases) {
      const res = await operon(['init', dir, ...args]);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.match(res.stderr, /operon help/);
    }
    assert.equal(existsSync(dir), false, 'nothing was written');

    const badBase = await operon(['init', join(tmp, 'My_Operator')]);
    assert.equal(badBase.code, 2);
    assert.match(
      badBase.stderr,
      /the project name "My_Operator" \(DIR's name\) is not a DNS label.*--name my-operator/,
    );

    const missing = await operon(['init']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing DIR/);
  });

  it('depends on this checkout by path, or on the published version when installed from the registry', () => {
    assert.equal(operonDependency('/home/me/src/operon', '0.1.0'), 'file:/home/me/src/operon');
    assert.equal(operonDependency('/home/me/app/node_modules/operon', '0.1.0'), '^0.1.0');
  });

  it('refuses a folder that is not empty unless --force, and a file', async () => {
    const dir = join(tmp, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine\n');
    const refused = await operon(['init', dir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /busy is not empty \(notes\.txt\).*or pass --force/);
    assert.deepEqual(await readdir(dir), ['notes.txt']);

    const forced = await operon(['init', dir, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(await readFile(join(dir, 'notes.txt'), 'utf8'), 'mine\n', 'other files stay');
    assert.ok(existsSync(join(dir, 'src/app.ts')), 'the default kind is App');
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    assert.equal(pkg.name, 'busy');
    assert.match(await readFile(join(dir, 'src/app.ts'), 'utf8'), /group: 'busy\.example\.com'/);

    const file = join(tmp, 'a-file');
    await writeFile(file, '');
    const notDir = await operon(['init', file]);
    assert.equal(notDir.code, 1);
    assert.match(notDir.stderr, /exists and is not a folder/);
  });
});
