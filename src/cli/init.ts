/**
 * `operon init DIR`: scaffolds a new operator project (a custom resource, its controller, the
 * operator and a test against a real control plane) whose `npm test` passes once installed.
 */

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, OperonError } from '../errors.ts';
import { type ProjectOptions, projectFiles } from './init-templates.ts';
import { parse, UsageError } from './usage.ts';

const HELP = `Usage: operon init DIR [--name NAME] [--group GROUP] [--kind KIND] [--force]

Creates a new operator project in DIR: a custom resource, a controller that applies a ConfigMap
owned by it and reports Ready, the operator's entry module, a test against a local control plane,
package.json, tsconfig.json, a Dockerfile and a README. Then: cd DIR && npm install && npm test

Options:
  --name NAME     the package, operator and image name, a DNS label; default DIR's name
  --group GROUP   the resource's API group, a domain with a dot; default NAME.example.com
  --kind KIND     the resource's kind, PascalCase; default App
  --force         write into DIR even when it is not empty (replaces the files init writes,
                  leaves the others)
The files depend only on the options: the same input gives the same bytes.
`;

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
/** defineOperator's limit: the name also names the Namespace `<name>-system` and roles. */
const MAX_NAME = 50;
/** The plural (`<kind>s`, lower case) is a DNS label of at most 63 characters. */
const MAX_KIND = 62;
/**
 * PascalCase names the generated modules import, declare or call, or whose file they take (the
 * resource's module is `src/<kind lower case>.ts`).
 */
const GENERATED_NAMES = new Set([
  'AbortController',
  'Action',
  'Client',
  'Condition',
  'ConfigMap',
  'ControlPlane',
  'Controller',
  'ObjectType',
  'Operator',
  'ReconcileContext',
  'Type',
]);
/** ECMAScript's built-in globals: a kind of that name would shadow one (Biome refuses it too). */
const BUILT_INS = new Set(
  `AggregateError Array ArrayBuffer AsyncDisposableStack Atomics BigInt BigInt64Array BigUint64Array
  Boolean DataView Date DisposableStack Error EvalError FinalizationRegistry Float16Array Float32Array
  Float64Array Function Infinity Int8Array Int16Array Int32Array Intl Iterator JSON Map Math NaN
  Number Object Promise Proxy RangeError ReferenceError Reflect RegExp Set SharedArrayBuffer String
  SuppressedError Symbol SyntaxError TypeError URIError Uint8Array Uint8ClampedArray Uint16Array
  Uint32Array WeakMap WeakRef WeakSet`.split(/\s+/),
);

/** Where this package lives: `src/cli/` and `dist/cli/` are both two levels down. */
const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface OwnPackage {
  version: string;
  devDependencies?: Record<string, string>;
}

function ownPackage(): OwnPackage {
  return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as OwnPackage;
}

/**
 * How the new project depends on operon: this checkout by path when the CLI runs from one, else
 * the published version it came from.
 */
export function operonDependency(
  root: string = PACKAGE_ROOT,
  version: string = ownPackage().version,
): string {
  const installed = root.split(sep).includes('node_modules');
  return installed ? `^${version}` : `file:${root}`;
}

/** Lower-case, `-` for runs of anything else: a suggestion for a name that is not a DNS label. */
function toDnsLabel(text: string): string {
  const label = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, MAX_NAME)
    .replace(/-+$/, '');
  return label || 'my-operator';
}

function toPascalCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const pascal = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return /^[A-Z]/.test(pascal) ? pascal.slice(0, MAX_KIND) : 'App';
}

function checkName(name: string, fromDir: boolean): void {
  if (DNS_LABEL.test(name) && name.length <= MAX_NAME) return;
  const where = fromDir ? `the project name "${name}" (DIR's name)` : `--name "${name}"`;
  throw new UsageError(
    `${where} is not a DNS label: use at most ${MAX_NAME} lower-case letters, digits and "-", starting with a letter and ending with a letter or digit. Try --name ${toDnsLabel(name)}`,
  );
}

function checkGroup(group: string, name: string): void {
  const example = `${name}.example.com`;
  if (!DNS_SUBDOMAIN.test(group) || group.length > 253) {
    throw new UsageError(
      `--group "${group}" is not a DNS subdomain with a dot: use lower-case labels of letters, digits and "-" joined by dots, in a domain you own, e.g. --group ${example}`,
    );
  }
  if (/(^|\.)(k8s\.io|kubernetes\.io)$/.test(group)) {
    throw new UsageError(
      `--group "${group}" is reserved for the Kubernetes project (its CRDs need API review): use a domain you own, e.g. --group ${example}`,
    );
  }
}

function checkKind(kind: string, group: string): void {
  if (!KIND.test(kind) || kind.length > MAX_KIND) {
    throw new UsageError(
      `--kind "${kind}" is not PascalCase: use at most ${MAX_KIND} letters and digits starting with an upper-case letter, e.g. --kind ${toPascalCase(kind)}`,
    );
  }
  if (kind.endsWith('List')) {
    throw new UsageError(
      `--kind "${kind}" ends in "List", which Kubernetes keeps for the kind of a list (${kind}List): e.g. --kind ${kind.slice(0, -4) || 'App'}`,
    );
  }
  if (GENERATED_NAMES.has(kind) || BUILT_INS.has(kind)) {
    const what = BUILT_INS.has(kind) ? `the JavaScript built-in ${kind}` : 'a name the generated code uses';
    throw new UsageError(`--kind "${kind}" clashes with ${what}: choose another kind, e.g. --kind My${kind}`);
  }
  const crdName = `${kind.toLowerCase()}s.${group}`;
  if (crdName.length > 253) {
    throw new UsageError(
      `the CRD name "${crdName}" is longer than 253 characters: choose a shorter --group or --kind`,
    );
  }
}

/** Refuses a DIR that is a file, or not empty without --force. */
async function checkDir(dir: string, force: boolean): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${dir} exists and is not a folder: choose another DIR for the new project.`,
    );
  }
  const entries = await readdir(dir);
  if (entries.length > 0 && !force) {
    const shown = entries.sort().slice(0, 5).join(', ');
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${dir} is not empty (${shown}${entries.length > 5 ? ', ...' : ''}): choose an empty or new folder, or pass --force to write the project's files into it (files of the same name are replaced).`,
    );
  }
}

/** Quotes a path for a POSIX shell when it needs it. */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

export async function initCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    name: { type: 'string' },
    group: { type: 'string' },
    kind: { type: 'string' },
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [dirArg, ...extra] = positionals;
  if (dirArg === undefined || dirArg === '')
    throw new UsageError('missing DIR: operon init DIR [--name NAME] [--group GROUP] [--kind KIND]');
  if (extra.length > 0)
    throw new UsageError(`unexpected arguments: ${extra.join(' ')} (operon init takes one DIR)`);

  const dir = resolve(dirArg);
  const name = values.name ?? basename(dir);
  checkName(name, values.name === undefined);
  const group = values.group ?? `${name}.example.com`;
  checkGroup(group, name);
  const kind = values.kind ?? 'App';
  checkKind(kind, group);
  await checkDir(dir, values.force === true);

  const own = ownPackage();
  const dev = own.devDependencies ?? {};
  const options: ProjectOptions = {
    name,
    group,
    kind,
    operon: operonDependency(PACKAGE_ROOT, own.version),
    typescript: dev.typescript ?? '^7.0.2',
    typesNode: dev['@types/node'] ?? '^24.0.0',
    esbuild: dev.esbuild ?? '0.28.2',
    node: dev.node ?? '^24.0.0',
  };
  const files = projectFiles(options);
  for (const f of files) {
    const path = join(dir, ...f.path.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, f.content);
  }

  const shown = shellQuote(dirArg);
  process.stdout.write(
    [
      `Created the operator ${name} in ${dir}:`,
      ...files.map((f) => `  ${f.path}`),
      `Its resource: kind ${kind}, group ${group}, version v1.`,
      '',
      'Next steps:',
      `  cd ${shown} && npm install && npm test`,
      '  npm start            run it against the cluster of your kubeconfig',
      '  npm run generate     write its CRD, RBAC and Deployment to config/',
      '',
    ].join('\n'),
  );
  if (!existsSync(join(PACKAGE_ROOT, 'dist')) && options.operon.startsWith('file:')) {
    process.stdout.write(
      `Note: ${PACKAGE_ROOT} has no dist/ yet: run \`npm run build\` there so the project can import operon.\n`,
    );
  }
  return 0;
}
