/**
 * Generates the built-in Kubernetes types in `src/client/types/` from a real API server: starts a
 * local control plane, reads its OpenAPI v3 (`components.schemas`) and discovery (plural, scope,
 * subresources) for each group-version in `GROUP_VERSIONS`, and writes one file per group-version
 * (interfaces plus a `ResourceType` const per served kind), `meta-v1.ts` and `index.ts`.
 *
 *   node --conditions=operon:source scripts/generate-types.ts [--out DIR]
 *
 * Every `.ts` file in the output folder is replaced. The output is sorted and formatted, so a
 * rerun against the same Kubernetes release gives identical bytes.
 */

import { spawnSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printProgress } from '../src/cli/usage.ts';
import { installBinaries, startControlPlane } from '../src/testing/index.ts';

/** The group-versions generated, as `[group, version]`; `''` is the core group. */
const GROUP_VERSIONS: ReadonlyArray<readonly [string, string]> = [
  ['', 'v1'],
  ['admissionregistration.k8s.io', 'v1'],
  ['apiextensions.k8s.io', 'v1'],
  ['apps', 'v1'],
  ['authentication.k8s.io', 'v1'],
  ['authorization.k8s.io', 'v1'],
  ['autoscaling', 'v2'],
  ['batch', 'v1'],
  ['coordination.k8s.io', 'v1'],
  ['discovery.k8s.io', 'v1'],
  ['events.k8s.io', 'v1'],
  ['networking.k8s.io', 'v1'],
  ['policy', 'v1'],
  ['rbac.authorization.k8s.io', 'v1'],
  ['scheduling.k8s.io', 'v1'],
  ['storage.k8s.io', 'v1'],
];

const REF_PREFIX = '#/components/schemas/';
const APIMACHINERY = 'io.k8s.apimachinery.pkg.';
const META_FILE = 'meta-v1';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const JSON_SCHEMA_PROPS = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';

/** A schema as the API server publishes it (the subset of OpenAPI v3 Kubernetes uses). */
interface Schema {
  description?: string;
  type?: string;
  format?: string;
  $ref?: string;
  allOf?: Schema[];
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  required?: string[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: Gvk[];
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** A served kind: what its `ResourceType` const says. */
interface Resource {
  schema: string;
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  subresources: string[];
}

/**
 * Types OpenAPI cannot express (no `type`, or `oneOf`), written by hand. Each is a function of a
 * resolver that turns a schema name into the name usable in the file being written.
 */
const OVERRIDES: Record<string, (ref: (name: string) => string) => string> = {
  [INT_OR_STRING]: () => 'number | string',
  'io.k8s.apimachinery.pkg.api.resource.Quantity': () => 'string',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': () => 'Record<string, unknown>',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': () => 'Record<string, unknown>',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': () => 'unknown',
  [`${JSON_SCHEMA_PROPS}OrArray`]: (ref) => `${ref(JSON_SCHEMA_PROPS)} | ${ref(JSON_SCHEMA_PROPS)}[]`,
  [`${JSON_SCHEMA_PROPS}OrBool`]: (ref) => `${ref(JSON_SCHEMA_PROPS)} | boolean`,
  [`${JSON_SCHEMA_PROPS}OrStringArray`]: (ref) => `${ref(JSON_SCHEMA_PROPS)} | string[]`,
};

// ---- naming -------------------------------------------------------------------------------------

/** `io.k8s.api.apps.v1.Deployment` -> `io.k8s.api.apps.v1`. */
function packageOf(schema: string): string {
  return schema.slice(0, schema.lastIndexOf('.'));
}

function shortName(schema: string): string {
  return schema.slice(schema.lastIndexOf('.') + 1);
}

/** The file (without `.ts`) a schema is written to: `meta-v1` for apimachinery, else `<group>-<version>`. */
function fileOf(schema: string): string {
  if (schema.startsWith(APIMACHINERY)) return META_FILE;
  const parts = packageOf(schema).split('.');
  return `${parts.at(-2)}-${parts.at(-1)}`;
}

/** The file for a group-version: the group's first label (`core` for the core group) and the version. */
function fileOfGroupVersion(group: string, version: string): string {
  return `${group === '' ? 'core' : group.split('.')[0]}-${version}`;
}

function pascal(s: string): string {
  return s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** `apps-v1` -> `AppsV1`, the prefix for names that clash. */
function filePrefix(file: string): string {
  return pascal(file);
}

/** `apps-v1` -> `appsV1`, the namespace `index.ts` exports the file as. */
function fileNamespace(file: string): string {
  const p = filePrefix(file);
  return p[0]!.toLowerCase() + p.slice(1);
}

/**
 * The exported name of every schema: its last segment, or on a clash inside its file, that
 * segment prefixed with its package's group (`Runtime…`).
 */
function assignNames(schemas: Iterable<string>): Map<string, string> {
  const byFile = new Map<string, Map<string, string[]>>();
  for (const s of schemas) {
    const file = fileOf(s);
    const names = byFile.get(file) ?? new Map<string, string[]>();
    byFile.set(file, names);
    const list = names.get(shortName(s)) ?? [];
    list.push(s);
    names.set(shortName(s), list);
  }
  const out = new Map<string, string>();
  for (const names of byFile.values()) {
    for (const [name, list] of names) {
      for (const s of list) {
        out.set(s, list.length === 1 ? name : pascal(packageOf(s).split('.').at(-2)!) + name);
      }
    }
  }
  return out;
}

// ---- text ---------------------------------------------------------------------------------------

/** Words whose trailing period does not end a sentence (`etc.` does before a capital). */
const ABBREVIATION = /(?:^|[\s(])(?:e\.g|i\.e|vs|ex|Ex|cf|approx)\.$/;

/**
 * The first sentence of a description, on one line. Kubernetes starts sentences with lower-case
 * field names, so any `.` before a space ends one, except after an abbreviation; a list after the
 * lead-in (`either: * a * b`, `constraint. - A ...`) is cut off.
 */
function firstSentence(description: string): string {
  const lead = description.trim().split(/\n\s*\n|\n\s*[-*] /)[0] ?? '';
  const paragraph = (
    lead
      .replace(/\s+/g, ' ')
      .trim()
      .split(/(?<=[.:]) [-*] /)[0] ?? ''
  ).trim();
  for (const m of paragraph.matchAll(/[.!?](?= |$)/g)) {
    const sentence = paragraph.slice(0, m.index + 1);
    const next = paragraph[m.index + 2] ?? '';
    if (ABBREVIATION.test(sentence) || (/\betc\.$/.test(sentence) && !/[A-Z]/.test(next))) continue;
    return sentence;
  }
  return paragraph;
}

function docComment(description: string | undefined, indent = ''): string {
  if (!description) return '';
  const text = firstSentence(description).replaceAll('*/', '*\\/');
  return text ? `${indent}/** ${text} */\n` : '';
}

/** Breaks text into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return JSON.stringify(value);
}

function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : literal(name);
}

/** Compares like Biome's import sorting: letters case-insensitively, upper before lower on a tie. */
function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const lx = x.toLowerCase();
    const ly = y.toLowerCase();
    if (lx !== ly) return lx < ly ? -1 : 1;
    return x === x.toUpperCase() ? -1 : 1;
  }
  return a.length - b.length;
}

function sortedStrings(values: Iterable<string>): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---- types --------------------------------------------------------------------------------------

function refTarget(schema: Schema): string | undefined {
  const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0]?.$ref : undefined);
  return typeof ref === 'string' && ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
}

/** Every schema a schema refers to, directly. */
function references(schema: Schema, out: Set<string>): void {
  const target = refTarget(schema);
  if (target) out.add(target);
  for (const s of schema.allOf ?? []) references(s, out);
  if (schema.items) references(schema.items, out);
  for (const s of Object.values(schema.properties ?? {})) references(s, out);
  if (typeof schema.additionalProperties === 'object') references(schema.additionalProperties, out);
}

/** The single group-version-kind of a top-level kind; meta types served by every group have several. */
function kindOf(schema: Schema): Gvk | undefined {
  const gvks = schema['x-kubernetes-group-version-kind'];
  return gvks?.length === 1 ? gvks[0] : undefined;
}

function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Writes the TypeScript type of a schema; `ref` names a referenced schema in the current file. */
function typeOf(schema: Schema, ref: (name: string) => string): string {
  if (schema['x-kubernetes-int-or-string']) return ref(INT_OR_STRING);
  const target = refTarget(schema);
  if (target) return ref(target);
  if (schema.allOf && schema.allOf.length > 0) return schema.allOf.map((s) => typeOf(s, ref)).join(' & ');
  if (schema.enum && schema.enum.length > 0) return schema.enum.map(literal).join(' | ');
  switch (schema.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const item = typeOf(schema.items ?? {}, ref);
      return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
    }
  }
  if (schema.properties && Object.keys(schema.properties).length > 0) {
    return `{\n${members(schema, ref, undefined)}}`;
  }
  if (typeof schema.additionalProperties === 'object') {
    return `Record<string, ${typeOf(schema.additionalProperties, ref)}>`;
  }
  if (
    schema.type === 'object' ||
    schema.additionalProperties ||
    schema['x-kubernetes-preserve-unknown-fields']
  ) {
    return 'Record<string, unknown>';
  }
  return 'unknown';
}

/** The members of an object type; a kind's `apiVersion` and `kind` become literals and `metadata` optional. */
function members(schema: Schema, ref: (name: string) => string, gvk: Gvk | undefined): string {
  const required = new Set(schema.required ?? []);
  let out = '';
  for (const name of sortedStrings(Object.keys(schema.properties ?? {}))) {
    const prop = schema.properties![name]!;
    let type = typeOf(prop, ref);
    let optional = !required.has(name);
    if (gvk) {
      if (name === 'apiVersion') type = literal(apiVersionOf(gvk.group, gvk.version));
      if (name === 'kind') type = literal(gvk.kind);
      if (name === 'apiVersion' || name === 'kind' || name === 'metadata') optional = true;
    }
    // A kind's apiVersion and kind are literals that say all there is to say: no comment.
    const doc = gvk && (name === 'apiVersion' || name === 'kind') ? '' : docComment(prop.description, '  ');
    out += `${doc}  ${propertyKey(name)}${optional ? '?' : ''}: ${type};\n`;
  }
  return out;
}

// ---- files --------------------------------------------------------------------------------------

interface FileContext {
  file: string;
  /** Names declared in the file. */
  local: Set<string>;
  /** Imported: file -> (exported name -> local name). */
  imports: Map<string, Map<string, string>>;
}

function resolver(ctx: FileContext, names: Map<string, string>): (schema: string) => string {
  return (schema) => {
    const name = names.get(schema);
    if (!name) throw new Error(`${ctx.file}: reference to ${schema}, which is not generated`);
    const file = fileOf(schema);
    if (file === ctx.file) return name;
    const fromFile = ctx.imports.get(file) ?? new Map<string, string>();
    ctx.imports.set(file, fromFile);
    const known = fromFile.get(name);
    if (known) return known;
    const taken = new Set([...ctx.local, ...[...ctx.imports.values()].flatMap((m) => [...m.values()])]);
    const local = taken.has(name) ? `${filePrefix(file)}${name}` : name;
    fromFile.set(name, local);
    return local;
  };
}

function header(kubernetesVersion: string, about: string): string {
  return (
    `// ${about}\n` +
    `// Generated by scripts/generate-types.ts from Kubernetes ${kubernetesVersion} OpenAPI; do not edit.\n\n`
  );
}

function groupFileTitle(file: string, groupVersion: string | undefined): string {
  if (file === META_FILE) {
    return 'Kubernetes object metadata and API machinery types (meta/v1, IntOrString, Quantity, RawExtension).';
  }
  if (groupVersion) {
    const name = groupVersion.includes('/') ? groupVersion : `core ${groupVersion}`;
    return `Kubernetes ${name} types, and a ResourceType for each served kind.`;
  }
  return `Kubernetes ${file.replace('-', ' ')} types that the generated types refer to (no kinds served here).`;
}

function renderFile(
  file: string,
  schemaNames: string[],
  all: Map<string, Schema>,
  names: Map<string, string>,
  resources: Resource[],
  title: string,
  kubernetesVersion: string,
): string {
  const ctx: FileContext = {
    file,
    local: new Set(schemaNames.map((s) => names.get(s)!)),
    imports: new Map(),
  };
  if (resources.length > 0) {
    for (const reserved of ['ResourceType', 'resourceType']) {
      if (ctx.local.has(reserved)) throw new Error(`${file}: a schema is named ${reserved}`);
    }
  }
  const ref = resolver(ctx, names);
  const sorted = [...schemaNames].sort((a, b) => compareNames(names.get(a)!, names.get(b)!));
  let body = '';
  for (const s of sorted) {
    const schema = all.get(s)!;
    const name = names.get(s)!;
    const doc = docComment(schema.description);
    const override = OVERRIDES[s];
    if (override) {
      body += `${doc}export type ${name} = ${override(ref)};\n\n`;
    } else if (schema.properties && Object.keys(schema.properties).length > 0) {
      body += `${doc}export interface ${name} {\n${members(schema, ref, kindOf(schema))}}\n\n`;
    } else {
      body += `${doc}export type ${name} = ${typeOf(schema, ref)};\n\n`;
    }
  }
  if (resources.length > 0) {
    body += '// ---- resource types ----\n\n';
    for (const r of [...resources].sort((a, b) => compareNames(names.get(a.schema)!, names.get(b.schema)!))) {
      const name = names.get(r.schema)!;
      const subresources =
        r.subresources.length > 0 ? `, subresources: [${r.subresources.map(literal).join(', ')}]` : '';
      body +=
        `export const ${name}: ResourceType<${name}> = resourceType<${name}>({ ` +
        `group: ${literal(r.group)}, version: ${literal(r.version)}, kind: ${literal(r.kind)}, ` +
        `plural: ${literal(r.plural)}, namespaced: ${r.namespaced}${subresources} });\n\n`;
    }
  }
  let imports = '';
  if (resources.length > 0) imports += "import { type ResourceType, resourceType } from '../resource.ts';\n";
  for (const from of sortedStrings(ctx.imports.keys())) {
    const specifiers = [...ctx.imports.get(from)!]
      .sort(([a], [b]) => compareNames(a, b))
      .map(([exported, local]) => (exported === local ? exported : `${exported} as ${local}`));
    imports += `import type { ${specifiers.join(', ')} } from './${from}.ts';\n`;
  }
  return `${header(kubernetesVersion, title)}${imports}${imports ? '\n' : ''}${body}`;
}

/** What a file exports, for `index.ts`: names with a value (resource consts) and type-only names. */
interface Exports {
  values: Set<string>;
  types: Set<string>;
}

function renderIndex(exports: Map<string, Exports>, kubernetesVersion: string): string {
  const owners = new Map<string, string[]>();
  for (const [file, e] of exports) {
    for (const name of [...e.values, ...e.types]) owners.set(name, [...(owners.get(name) ?? []), file]);
  }
  const clashing = sortedStrings([...owners].filter(([, files]) => files.length > 1).map(([n]) => n));
  const doc = [
    '/**',
    ' * The built-in Kubernetes types: an interface per OpenAPI schema and, for each served kind, a',
    ' * `ResourceType` const of the same name (`import { Deployment }` gives both the type and the',
    ' * descriptor, so `client.get(Deployment, ...)` returns a `Deployment`).',
    ' *',
    ' * Names are exported two ways:',
    ' * - flat, for every name defined by exactly one group-version (`Deployment`, `ConfigMap`, `ObjectMeta`);',
    ' * - per group-version as a namespace (`appsV1.Deployment`, `coreV1.Event`, `eventsV1.Event`).',
    ' *',
    ' * A name defined by several group-versions is never exported bare, because neither meaning is',
    ' * the obvious one: it is exported flat only with its group-version prefix. For `Event`, use',
    " * `EventsV1Event` (events.k8s.io/v1: what client-go's `tools/events` recorder writes and what new",
    ' * code should use) or `CoreV1Event` (core v1: what `kubectl get events` lists); both read and',
    ' * write the same stored events.',
    ...wrap(`Prefixed names: ${clashing.join(', ')}.`, 96).map((line) => ` * ${line}`),
    ' */',
  ].join('\n');
  let out = `${header(kubernetesVersion, 'Index of the generated Kubernetes types; see the note below.')}${doc}\n\n`;
  const files = sortedStrings(exports.keys());
  for (const file of files) out += `export * as ${fileNamespace(file)} from './${file}.ts';\n`;
  out += '\n';
  for (const file of files) {
    const e = exports.get(file)!;
    const spec = (name: string) => (clashing.includes(name) ? `${name} as ${filePrefix(file)}${name}` : name);
    const sortKey = (name: string) => (clashing.includes(name) ? `${filePrefix(file)}${name}` : name);
    const list = (names: Set<string>) =>
      [...names]
        .sort((a, b) => compareNames(sortKey(a), sortKey(b)))
        .map(spec)
        .join(', ');
    if (e.values.size > 0) out += `export { ${list(e.values)} } from './${file}.ts';\n`;
    if (e.types.size > 0) out += `export type { ${list(e.types)} } from './${file}.ts';\n`;
  }
  return out;
}

// ---- fetch --------------------------------------------------------------------------------------

interface Fetched {
  kubernetesVersion: string;
  schemas: Map<string, Schema>;
  discovery: Map<string, ApiResource[]>;
}

async function fetchApi(): Promise<Fetched> {
  await installBinaries({ onProgress: printProgress });
  await using plane = await startControlPlane();
  const c = plane.connection;
  const { gitVersion } = await c.call<{ gitVersion: string }>('GET', '/version');
  const index = await c.call<{ paths: Record<string, unknown> }>('GET', '/openapi/v3');
  const schemas = new Map<string, Schema>();
  const discovery = new Map<string, ApiResource[]>();
  for (const [group, version] of GROUP_VERSIONS) {
    const path = group === '' ? `api/${version}` : `apis/${group}/${version}`;
    if (!(path in index.paths)) throw new Error(`the API server does not serve ${path} (not in /openapi/v3)`);
    const doc = await c.call<{ components: { schemas: Record<string, Schema> } }>(
      'GET',
      `/openapi/v3/${path}`,
    );
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      const seen = schemas.get(name);
      if (!seen) {
        schemas.set(name, schema);
        continue;
      }
      // Meta types appear in every document, each listing its own group-version-kinds: merge them.
      const gvks = [
        ...(seen['x-kubernetes-group-version-kind'] ?? []),
        ...(schema['x-kubernetes-group-version-kind'] ?? []),
      ];
      const unique = new Map(gvks.map((g) => [`${g.group}/${g.version}/${g.kind}`, g]));
      if (unique.size > 0) {
        seen['x-kubernetes-group-version-kind'] = sortedStrings(unique.keys()).map((k) => unique.get(k)!);
      }
    }
    const list = await c.call<{ resources: ApiResource[] }>('GET', `/${path}`);
    discovery.set(apiVersionOf(group, version), list.resources);
  }
  return { kubernetesVersion: gitVersion, schemas, discovery };
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'src/client/types' } } });
  const outDir = resolve(values.out);
  const { kubernetesVersion, schemas, discovery } = await fetchApi();

  // The schemas generated: every one in a listed group-version or in apimachinery, plus whatever
  // they refer to (alpha types a stable field points at get a file of their own).
  const wantedFiles = new Set([META_FILE, ...GROUP_VERSIONS.map(([g, v]) => fileOfGroupVersion(g, v))]);
  const generated = new Set<string>();
  const pending = sortedStrings(schemas.keys()).filter((s) => wantedFiles.has(fileOf(s)));
  while (pending.length > 0) {
    const s = pending.pop()!;
    if (generated.has(s)) continue;
    const schema = schemas.get(s);
    if (!schema) throw new Error(`schema ${s} is referred to but not published`);
    generated.add(s);
    const refs = new Set<string>();
    if (!OVERRIDES[s]) references(schema, refs);
    pending.push(...refs);
  }
  const names = assignNames(sortedStrings(generated));

  // The served kinds: discovery entries without a `/` whose kind has a generated schema.
  const resources = new Map<string, Resource[]>();
  for (const [group, version] of GROUP_VERSIONS) {
    const apiResources = discovery.get(apiVersionOf(group, version)) ?? [];
    const out: Resource[] = [];
    for (const r of apiResources) {
      if (r.name.includes('/') || r.kind.endsWith('List')) continue;
      const schema = [...generated].find((s) => {
        const gvk = kindOf(schemas.get(s)!);
        return gvk?.group === group && gvk.version === version && gvk.kind === r.kind;
      });
      if (!schema) continue;
      const subresources = apiResources
        .filter((x) => x.name.startsWith(`${r.name}/`))
        .map((x) => x.name.slice(r.name.length + 1));
      out.push({
        schema,
        group,
        version,
        kind: r.kind,
        plural: r.name,
        namespaced: r.namespaced,
        subresources: sortedStrings(subresources),
      });
    }
    const file = fileOfGroupVersion(group, version);
    const kinds = out.map((r) => r.schema);
    if (new Set(kinds).size !== kinds.length) throw new Error(`${file}: a kind is served by two resources`);
    resources.set(file, out);
  }

  const byFile = new Map<string, string[]>();
  for (const s of sortedStrings(generated)) byFile.set(fileOf(s), [...(byFile.get(fileOf(s)) ?? []), s]);
  const groupVersionOfFile = new Map(
    GROUP_VERSIONS.map(([g, v]) => [fileOfGroupVersion(g, v), apiVersionOf(g, v)]),
  );

  await mkdir(outDir, { recursive: true });
  for (const entry of await readdir(outDir)) {
    if (entry.endsWith('.ts')) await rm(join(outDir, entry));
  }
  const exports = new Map<string, Exports>();
  for (const file of sortedStrings(byFile.keys())) {
    const schemaNames = byFile.get(file)!;
    const fileResources = resources.get(file) ?? [];
    const title = groupFileTitle(file, groupVersionOfFile.get(file));
    const text = renderFile(file, schemaNames, schemas, names, fileResources, title, kubernetesVersion);
    await writeFile(join(outDir, `${file}.ts`), text);
    const values = new Set(fileResources.map((r) => names.get(r.schema)!));
    const types = new Set(schemaNames.map((s) => names.get(s)!).filter((n) => !values.has(n)));
    exports.set(file, { values, types });
  }
  await writeFile(join(outDir, 'index.ts'), renderIndex(exports, kubernetesVersion));

  // Biome sorts imports and formats; `check --write` is `format --write` plus import sorting.
  const biome = spawnSync('node_modules/.bin/biome', ['check', '--write', outDir], { stdio: 'inherit' });
  if (biome.status !== 0) throw new Error(`biome check --write ${outDir} failed (exit ${biome.status})`);
  process.stderr.write(
    `[generate-types] wrote ${byFile.size + 1} files to ${outDir} (${kubernetesVersion})\n`,
  );
}

await main();
