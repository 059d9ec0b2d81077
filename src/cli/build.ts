/**
 * `operon build [ENTRY]`: bundles an operator, its own modules and Operon into one minified ES
 * module for Node, with a source map, so that its image starts without resolving, reading and
 * compiling some hundred modules one by one (bench/idle.ts measures the difference).
 */

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import { ErrorCode, OperonError } from '../errors.ts';
import { defaultEntry } from './generate.ts';
import { parse, UsageError } from './usage.ts';

const HELP = `Usage: operon build [ENTRY] [--outfile FILE] [--external PKG]... [--condition NAME]...

Bundles the operator's entry module, the modules it imports and Operon into one minified ES module
for Node 22.18 or later, with a source map beside it (FILE.map): what the image runs, with no
TypeScript loader and no module-by-module loading at start. Modules loaded with import(), only
when used, are not read at start: Operon's own (the webhook server, certificates, its YAML parser
for kubeconfig files) become chunks beside FILE (<name>-<part>-<hash>.mjs: ship them with FILE), packages stay external (below).

Arguments and options:
  ENTRY             the entry module; default "operon.entry" in package.json, else src/operator.ts
  --outfile FILE    the bundle, ending in .mjs (or .js in a "type": "module" package);
                    default dist/operator.mjs
  --external PKG    leave PKG and its subpaths out of the bundle, to be loaded from node_modules at
                    run time (a package with a native addon, or one that reads its own files);
                    repeatable
  --condition NAME  also resolve package exports under condition NAME, as node --conditions does;
                    repeatable

What stays external, loaded from node_modules at run time: Node's built-in modules; packages loaded
with import() (@peculiar/x509 and reflect-metadata for certificates; not Operon's YAML parser for
kubeconfig files, a chunk), from the file the build resolved; what undici requires only when a request needs it (its HTTP/1.1 parser's
WebAssembly, FormData bodies) and all of undici for a proxy, from where Operon is installed
(node_modules/operon, so the version Operon depends on); and each --external. So the image runs FILE
beside the production dependencies of the lockfile it was built with (npm ci --omit=dev), as the
Dockerfile of \`operon init\` has it.
Stack traces name the bundle's lines; run node --enable-source-maps to see the sources' lines.
esbuild does the bundling: an optional peer dependency of operon, needed at build time only (a
devDependency of the projects operon init makes, so not in the image).
`;

/**
 * Makes `require` work in the bundle: CommonJS modules bundled into an ES module call it for
 * Node's built-ins, and an ES module has none.
 */
const BANNER =
  "import { createRequire as __operonRequire } from 'node:module'; const require = __operonRequire(import.meta.url);";

/** Node 22.18 is the oldest Node Operon supports (package.json engines). */
const TARGET = 'node22.18';

/** The esbuild versions operon build works with: operon's own peerDependencies entry. */
const ESBUILD_RANGE: string =
  (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      peerDependencies?: Record<string, string>;
    }
  ).peerDependencies?.esbuild ?? '0.28';

export interface BundleOptions {
  /** The operator's entry module. */
  entry: string;
  /** The bundle to write (.mjs, or .js in an ES module package). */
  outfile: string;
  /** Packages left out of the bundle, loaded from node_modules at run time. */
  external?: readonly string[];
  /** Extra package exports conditions to resolve with. */
  conditions?: readonly string[];
}

export interface BundleResult {
  outfile: string;
  bytes: number;
  /** The lazily loaded chunks written beside it, paths relative to its folder. */
  chunks: string[];
  warnings: string[];
}

/**
 * The folder of the `operon` package as the operator's project sees it: `node_modules/operon` in
 * the entry's folder or a parent (a link is kept as a link), or the project itself when it is
 * Operon (its examples and benchmarks import themselves by name).
 */
function findOperon(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'operon', 'package.json')))
      return join(dir, 'node_modules', 'operon');
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'operon') return dir;
      } catch {}
    }
    if (dirname(dir) === dir) return undefined;
  }
}

const toPosix = (path: string) => path.split(sep).join('/');

/**
 * What keeps the bundle's modules working as they do unbundled, where the project installs them.
 * `operon` is Operon's folder as the project sees it (see findOperon), if the project has one.
 * - A package loaded with `import()` (Operon's certificate library, for instance; not those in
 *   CHUNKED) stays out of the bundle: Node loads it when first used, from the file the build resolved, named
 *   relative to the bundle. So it is not parsed at start, and a CommonJS package gets its named
 *   exports from Node as unbundled (a bundled CommonJS module in a chunk would have only a default).
 * - `import.meta.url` in Operon's modules names their file under node_modules/operon, relative to
 *   the bundle, so the `createRequire(import.meta.url)` of src/client/undici.ts (undici's index,
 *   for a proxy) loads undici from Operon's own dependencies, whether npm hoisted it, nested it or
 *   linked Operon.
 * - What undici's bundled agent requires only when a request needs it (UNDICI_LAZY) is required at
 *   run time from the file the build resolved, named relative to the bundle, as import() is.
 * - The built-in types' schemas (the `k8s` export of operon/resource, 200 KB minified) are declared
 *   free of side effects, so an operator that does not use them leaves them out.
 * The image runs the bundle beside the node_modules of the lockfile it was built with, so the
 * relative paths hold there.
 */
function bundlePlugin(outdir: string, operon: string | undefined): Esbuild.Plugin {
  const real = operon === undefined ? undefined : realpathSync(operon);
  const inOperon = (path: string) =>
    real !== undefined &&
    path.startsWith(real + sep) &&
    !relative(real, path).split(sep).includes('node_modules');
  /** A path as the project sees it: under node_modules/operon when it is in Operon's real folder. */
  const seen = (path: string) =>
    operon !== undefined && real !== undefined && path.startsWith(real + sep)
      ? join(operon, relative(real, path))
      : path;
  const fromBundle = (path: string) => {
    const rel = toPosix(relative(outdir, seen(path)));
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  return {
    name: 'operon-build',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || isBuiltin(args.path) || args.pluginData === SELF)
          return undefined;
        if (CHUNKED.has(args.path) && inOperon(args.importer)) return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: SELF,
        });
        if (found.errors.length > 0 || found.external || !isAbsolute(found.path)) return undefined;
        return { path: fromBundle(found.path), external: true };
      });
      build.onResolve({ filter: UNDICI_LAZY }, async (args) => {
        if (args.kind !== 'require-call' || args.pluginData === SELF || !UNDICI_LIB.test(args.importer))
          return undefined;
        const found = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: SELF,
        });
        if (found.errors.length > 0 || !isAbsolute(found.path)) return undefined;
        return { path: fromBundle(found.path), external: true };
      });
      build.onResolve({ filter: /[/\\]builtin-schemas\.(ts|js)$/ }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        return inOperon(path) ? { path, sideEffects: false } : undefined;
      });
      build.onLoad({ filter: /\.(ts|js|mjs)$/ }, async (args) => {
        if (!inOperon(args.path)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const url = `new URL(${JSON.stringify(fromBundle(args.path))}, import.meta.url).href`;
        return {
          contents: source.replaceAll('import.meta.url', url),
          loader: args.path.endsWith('.ts') ? 'ts' : 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/**
 * Packages Operon's own modules load with import() that are bundled into a lazily loaded chunk
 * all the same: yaml, for kubeconfig files, which Operon takes from the chunk's default export.
 * As 72 CommonJS modules read from node_modules, it cost a start with a kubeconfig file 95 ms of
 * CPU; as a chunk, 45 ms.
 */
const CHUNKED = new Set(['yaml']);

/** A module of undici's own files (lib/), whichever copy of undici it is. */
const UNDICI_LIB = /[/\\]node_modules[/\\]undici[/\\]lib[/\\]/;

/**
 * What undici's agent requires only when a request needs it, and Operon's requests never or rarely
 * do, so that it stays out of the bundle: its HTTP/1.1 parsers' WebAssembly (llhttp and milo, 300 KB
 * of base64 that an HTTP/2 connection never reads) and the fetch API's FormData bodies (`web/`).
 */
const UNDICI_LAZY = /^\.\.\/(llhttp\/llhttp(_simd)?-wasm|milo\/|web\/)/;

/** Marks the plugin's own resolve calls, so that it does not answer them itself. */
const SELF = Symbol('operon-build');

/**
 * esbuild, which operon build needs at build time only: an optional peer dependency of operon (a
 * devDependency of the projects operon init makes), so that an operator's image does not carry it.
 * Resolved from each of `from` in turn: the entry first, so that the project's own devDependency
 * is found (and the npm install the error names helps) even when Operon is linked from elsewhere
 * (`file:`, a global install); then beside Operon, as `import('esbuild')` here would.
 */
export async function loadEsbuild(
  from: readonly (string | URL)[] = [import.meta.url],
): Promise<typeof Esbuild> {
  for (const base of from) {
    let path: string;
    try {
      path = createRequire(base).resolve('esbuild');
    } catch (err) {
      if ((err as { code?: string }).code === 'MODULE_NOT_FOUND') continue;
      throw err;
    }
    return (await import(pathToFileURL(path).href)) as typeof Esbuild;
  }
  throw new UsageError(
    `operon build needs esbuild, which is not installed here: npm install --save-dev esbuild@${ESBUILD_RANGE}`,
  );
}

/** Formats esbuild's messages as `file:line:column: error: text`, without colours. */
async function format(
  esbuild: typeof Esbuild,
  messages: Esbuild.Message[],
  kind: 'error' | 'warning',
): Promise<string[]> {
  return (await esbuild.formatMessages(messages, { kind, color: false })).map((m) => m.trimEnd());
}

/** Bundles an operator; an entry that is missing or does not build is an OperonError saying why. */
export async function bundleOperator(options: BundleOptions): Promise<BundleResult> {
  const entry = resolve(options.entry);
  if (!existsSync(entry)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `The entry module ${entry} does not exist. Pass it as \`operon build ENTRY\`, or set "operon": { "entry": "..." } in package.json.`,
    );
  }
  const outfile = resolve(options.outfile);
  const ext = extname(outfile);
  if (ext !== '.mjs' && ext !== '.js') {
    throw new UsageError(`--outfile ${options.outfile} must end in .mjs: the bundle is an ES module`);
  }
  const outdir = dirname(outfile);
  if (ext === '.js' && !isModulePackage(outdir)) {
    throw new UsageError(
      `--outfile ${options.outfile}: Node would load a .js file there as CommonJS (no "type": "module" in the package.json above it); name it .mjs`,
    );
  }
  const name = basename(outfile, ext);
  const esbuild = await loadEsbuild([pathToFileURL(entry), import.meta.url]);
  const operon = findOperon(dirname(entry));
  await removeOldChunks(outdir, name, ext);
  let result: Esbuild.BuildResult<{ metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: { [name]: entry },
      outdir,
      outExtension: { '.js': ext },
      // Beside the bundle, not in a folder: \`import.meta.url\` has to name the same folder in every output.
      chunkNames: `${name}-[name]-[hash]`,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: TARGET,
      minify: true,
      // Minified names, not esbuild's keepNames: that wraps every function and class as it is created
      // in a call that sets its name, which cost 10% more allocation per reconcile (281 vs 256 KB, quick
      // operator bench). Errors keep their \`name\` (set as a field); the source map has the rest.
      sourcemap: 'linked',
      banner: { js: BANNER },
      external: [...(options.external ?? [])],
      conditions: [...(options.conditions ?? [])],
      plugins: [bundlePlugin(outdir, operon)],
      metafile: true,
      logLevel: 'silent',
    });
  } catch (err) {
    const failure = err as Partial<Esbuild.BuildFailure>;
    if (!Array.isArray(failure.errors)) throw err;
    const lines = await format(esbuild, failure.errors, 'error');
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `Could not bundle ${relative(process.cwd(), entry) || entry}:\n${lines.join('\n')}`,
      { cause: err },
    );
  }
  const outputs = Object.entries(result.metafile.outputs);
  const main = outputs.find(([, o]) => o.entryPoint !== undefined);
  return {
    outfile,
    bytes: main?.[1].bytes ?? 0,
    chunks: outputs
      .map(([path]) => toPosix(relative(outdir, resolve(path))))
      .filter((p) => p !== basename(outfile) && p.endsWith(ext)),
    warnings: await format(esbuild, result.warnings, 'warning'),
  };
}

/**
 * Removes the chunks of an earlier build of the same bundle (`<name>-<chunk>-<hash>.mjs` and their
 * maps): their names carry a hash of their content, so a rebuild would leave them behind.
 */
async function removeOldChunks(outdir: string, name: string, ext: string): Promise<void> {
  const entries = await readdir(outdir).catch(() => [] as string[]);
  const prefix = `${name}-`;
  const chunk = /-[A-Z0-9]{8}$/;
  for (const file of entries) {
    const stem = file.endsWith('.map') ? file.slice(0, -4) : file;
    if (file.startsWith(prefix) && stem.endsWith(ext) && chunk.test(stem.slice(0, -ext.length))) {
      await rm(join(outdir, file), { force: true });
    }
  }
}

/** Whether the nearest package.json above `dir` says "type": "module". */
function isModulePackage(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    if (dirname(d) === d) return false;
  }
}

export async function buildCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    outfile: { type: 'string' },
    external: { type: 'string', multiple: true },
    condition: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [entryArg, ...extra] = positionals;
  if (extra.length > 0)
    throw new UsageError(`unexpected arguments: ${extra.join(' ')} (operon build takes one ENTRY)`);
  if (values.outfile === '')
    throw new UsageError('--outfile needs a file name, e.g. --outfile dist/operator.mjs');
  const result = await bundleOperator({
    entry: entryArg || (await defaultEntry()),
    outfile: values.outfile ?? join('dist', 'operator.mjs'),
    external: values.external ?? [],
    conditions: values.condition ?? [],
  });
  for (const w of result.warnings) process.stderr.write(`${w}\n`);
  const shown = relative(process.cwd(), result.outfile) || result.outfile;
  process.stdout.write(
    `${shown} (${(result.bytes / 1024).toFixed(0)} KiB, ${result.chunks.length} chunk${result.chunks.length === 1 ? '' : 's'} beside it)\n`,
  );
  return 0;
}
