/**
 * Generates `src/resource/builtin-schemas.ts`: TypeBox schemas of the built-in types operators
 * embed in their specs (PodTemplateSpec, JobTemplateSpec, Container, ...), from a real API
 * server's OpenAPI v3, as scripts/generate-types.ts does for operon/client's types. Each schema is
 * structural (refs inlined, IntOrString as x-kubernetes-int-or-string, list and map types kept,
 * descriptions kept so `kubectl explain` works) and typed with operon/client's interface.
 *
 *   node --conditions=operon:source scripts/generate-schemas.ts [--out FILE]
 */

import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { printProgress } from '../src/cli/usage.ts';
import { installBinaries, startControlPlane } from '../src/testing/index.ts';

/** What is exported, by name: the OpenAPI schema and the operon/client type it stands for. */
const ROOTS: Record<string, string> = {
  Affinity: 'io.k8s.api.core.v1.Affinity',
  Container: 'io.k8s.api.core.v1.Container',
  EnvFromSource: 'io.k8s.api.core.v1.EnvFromSource',
  EnvVar: 'io.k8s.api.core.v1.EnvVar',
  JobSpec: 'io.k8s.api.batch.v1.JobSpec',
  JobTemplateSpec: 'io.k8s.api.batch.v1.JobTemplateSpec',
  LabelSelector: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  LocalObjectReference: 'io.k8s.api.core.v1.LocalObjectReference',
  PodSecurityContext: 'io.k8s.api.core.v1.PodSecurityContext',
  PodSpec: 'io.k8s.api.core.v1.PodSpec',
  PodTemplateSpec: 'io.k8s.api.core.v1.PodTemplateSpec',
  Probe: 'io.k8s.api.core.v1.Probe',
  ResourceRequirements: 'io.k8s.api.core.v1.ResourceRequirements',
  SecurityContext: 'io.k8s.api.core.v1.SecurityContext',
  Toleration: 'io.k8s.api.core.v1.Toleration',
  TopologySpreadConstraint: 'io.k8s.api.core.v1.TopologySpreadConstraint',
  Volume: 'io.k8s.api.core.v1.Volume',
  VolumeMount: 'io.k8s.api.core.v1.VolumeMount',
};

const PATHS = ['api/v1', 'apis/batch/v1', 'apis/apps/v1'];
const REF = '#/components/schemas/';

/** Keywords of Kubernetes' OpenAPI that a CRD schema does not take (patch strategies, unions). */
const DROP = new Set([
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-unions',
  'x-kubernetes-group-version-kind',
]);

type Schema = Record<string, unknown>;

/**
 * Whether a keyword of `schema` is kept. The published defaults include Go's zero values (`{}`, and
 * `""` for enums), which mark "set by the server" and are no valid CRD defaults; real ones
 * (`protocol: TCP`, and `""` for a list map key such as `imagePullSecrets[].name`) stay.
 */
function keeper(schema: Schema) {
  return ([key, value]: [string, unknown]): boolean => {
    if (DROP.has(key)) return false;
    if (key !== 'default') return true;
    if (value !== null && typeof value === 'object') return false;
    return !(value === '' && Array.isArray(schema.enum));
  };
}

/** Schemas spelled by hand: what a CRD can hold for them. */
const SPECIAL: Record<string, () => Schema> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': () => ({ 'x-kubernetes-int-or-string': true }),
  'io.k8s.apimachinery.pkg.api.resource.Quantity': () => ({
    'x-kubernetes-int-or-string': true,
    pattern:
      '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  }),
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': () => ({ type: 'string', format: 'date-time' }),
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': () => ({ type: 'string', format: 'date-time' }),
  // An embedded ObjectMeta keeps what a template sets (controller-gen's generateEmbeddedObjectMeta).
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': () => ({
    type: 'object',
    description: 'Labels and annotations of the objects made from this template.',
    properties: {
      name: { type: 'string' },
      namespace: { type: 'string' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      annotations: { type: 'object', additionalProperties: { type: 'string' } },
      finalizers: { type: 'array', items: { type: 'string' } },
    },
  }),
};

async function fetchSchemas(): Promise<{ version: string; schemas: Map<string, Schema> }> {
  await installBinaries({ onProgress: printProgress });
  await using plane = await startControlPlane();
  const c = plane.connection;
  const { gitVersion } = await c.call<{ gitVersion: string }>('GET', '/version');
  const schemas = new Map<string, Schema>();
  for (const path of PATHS) {
    const doc = await c.call<{ components: { schemas: Record<string, Schema> } }>(
      'GET',
      `/openapi/v3/${path}`,
    );
    for (const [name, schema] of Object.entries(doc.components.schemas)) schemas.set(name, schema);
  }
  return { version: gitVersion, schemas };
}

function refName(ref: unknown): string {
  if (typeof ref !== 'string' || !ref.startsWith(REF)) throw new Error(`unexpected $ref ${String(ref)}`);
  return ref.slice(REF.length);
}

/** The schema ids a schema refers to. */
function refsOf(schema: unknown, out: Set<string>): void {
  if (Array.isArray(schema)) for (const s of schema) refsOf(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      if (k === '$ref') out.add(refName(v));
      else refsOf(v, out);
    }
  }
}

function main() {
  return (async () => {
    const { values } = parseArgs({
      options: { out: { type: 'string', default: 'src/resource/builtin-schemas.ts' } },
    });
    const { version, schemas } = await fetchSchemas();
    // Every schema reachable from the roots, dependencies first.
    const order: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, via: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') throw new Error(`recursive schema: ${[...via, id].join(' -> ')}`);
      state.set(id, 'visiting');
      const schema = schemas.get(id);
      if (!schema) throw new Error(`schema ${id} is referred to but not published`);
      if (!SPECIAL[id]) {
        const refs = new Set<string>();
        refsOf(schema, refs);
        for (const r of [...refs].sort()) visit(r, [...via, id]);
      }
      state.set(id, 'done');
      order.push(id);
    };
    for (const id of Object.values(ROOTS).sort()) visit(id, []);

    const names = new Map<string, string>();
    const used = new Set<string>();
    for (const id of order) {
      const short = id.slice(id.lastIndexOf('.') + 1);
      let name = `${short}_`;
      if (used.has(name)) name = `${id.split('.').slice(-3, -1).join('_')}_${short}_`;
      used.add(name);
      names.set(id, name);
    }

    /** The schema as TypeScript source: refs become the constants they name. */
    const render = (s: unknown): string => {
      if (Array.isArray(s)) return `[${s.map(render).join(', ')}]`;
      if (!s || typeof s !== 'object') return JSON.stringify(s);
      const o = s as Schema;
      if (typeof o.$ref === 'string') return names.get(refName(o.$ref))!;
      // `allOf: [{ $ref }]` with a description or default: the referred schema with those.
      if (Array.isArray(o.allOf) && o.allOf.length === 1 && (o.allOf[0] as Schema).$ref) {
        const { allOf, ...rest } = o;
        const extra = Object.entries(rest).filter(keeper(rest));
        return `{ ...${render(allOf[0])}${extra.map(([k, v]) => `, ${JSON.stringify(k)}: ${render(v)}`).join('')} }`;
      }
      // A required field needs no default: the zero-value `""` would only hide its absence.
      const required = new Set(Array.isArray(o.required) ? (o.required as string[]) : []);
      const props = o.properties as Record<string, Schema> | undefined;
      const withoutZero =
        props && required.size > 0
          ? {
              ...o,
              properties: Object.fromEntries(
                Object.entries(props).map(([name, p]) => {
                  if (!required.has(name) || p.default !== '') return [name, p];
                  const { default: _, ...rest } = p;
                  return [name, rest];
                }),
              ),
            }
          : o;
      const entries = Object.entries(withoutZero).filter(keeper(o));
      return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${render(v)}`).join(', ')} }`;
    };

    let text = `/**\n * TypeBox schemas of the built-in types operators embed in their specs, generated from the OpenAPI\n * of Kubernetes ${version} by scripts/generate-schemas.ts: do not edit.\n */\n\n`;
    text += `import type * as k8s from '../client/types/index.ts';\nimport Type from 'typebox';\n\n`;
    for (const id of order) {
      const body = SPECIAL[id] ? JSON.stringify(SPECIAL[id]()) : render(schemas.get(id));
      text += `const ${names.get(id)} = ${body};\n`;
    }
    text += '\n';
    for (const [name, id] of Object.entries(ROOTS).sort(([a], [b]) => (a < b ? -1 : 1))) {
      text += `/** ${id.slice(id.lastIndexOf('.') + 1)}, as in the Kubernetes API (${id}). */\nexport const ${name} = Type.Unsafe<k8s.${name}>(${names.get(id)});\n`;
    }
    const out = resolve(values.out);
    await writeFile(out, text);
    const biome = spawnSync('node_modules/.bin/biome', ['check', '--write', out], { stdio: 'inherit' });
    if (biome.status !== 0) throw new Error(`biome check --write ${out} failed`);
    process.stderr.write(`[generate-schemas] wrote ${order.length} schemas to ${out} (${version})\n`);
  })();
}

await main();
