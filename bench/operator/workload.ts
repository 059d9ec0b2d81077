/**
 * The operator benchmark's workload, the same for every contender: a Widget custom resource with
 * about 1 KB of spec, whose controller applies one ConfigMap derived from the spec (same name, a
 * controller reference to the Widget) and sets a `Ready` condition and `observedGeneration` in its
 * status. `specFor()` makes the specs; `configMapData()` and `checkConverged()` say what right is.
 *
 * The peers (Go, Python, TypeScript) each re-implement `configMapData()` in their own language.
 */

import type { Client } from 'operon/client';
import { ConfigMap } from 'operon/client';
import { defineResource, type ObjectType, Type } from 'operon/resource';

const Condition = Type.Object({
  type: Type.String(),
  status: Type.String(),
  reason: Type.String(),
  message: Type.String(),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const Widget = defineResource({
  group: 'bench.operon.dev',
  kind: 'Widget',
  description: 'The operator benchmark workload: its controller mirrors the spec into a ConfigMap.',
  versions: {
    v1: {
      spec: Type.Object({
        revision: Type.Integer({ minimum: 0 }),
        owner: Type.String(),
        tier: Type.String(),
        replicas: Type.Integer({ minimum: 0 }),
        labels: Type.Record(Type.String(), Type.String()),
        payload: Type.String({ maxLength: 4096 }),
      }),
      status: Type.Object({
        observedGeneration: Type.Optional(Type.Integer()),
        conditions: Type.Optional(Type.Array(Condition)),
      }),
    },
  },
});
export type Widget = ObjectType<typeof Widget>;
export type WidgetSpec = Widget['spec'];

/** Objects are named `w-0`, `w-1`, ... in every scenario. */
export const nameOf = (i: number): string => `w-${i}`;

const PAYLOAD_BYTES = 800;

/** The spec of object `i` at `revision`; the payload makes it about 1 KB and differs per revision. */
export function specFor(i: number, revision: number): WidgetSpec {
  return {
    revision,
    owner: `team-${i % 7}`,
    tier: ['gold', 'silver', 'bronze'][i % 3]!,
    replicas: 1 + (i % 5),
    labels: { app: `app-${i}`, env: `env-${i % 4}`, zone: `zone-${i % 3}`, shard: String(i % 16) },
    payload: `object ${i} revision ${revision} `.padEnd(PAYLOAD_BYTES, 'x'),
  };
}

/** The ConfigMap data a spec asks for. */
export function configMapData(spec: WidgetSpec): Record<string, string> {
  const labels = Object.keys(spec.labels)
    .sort()
    .map((k) => `${k}=${spec.labels[k]}`)
    .join(',');
  return {
    revision: String(spec.revision),
    owner: spec.owner,
    tier: spec.tier,
    replicas: String(spec.replicas),
    labels,
    payload: spec.payload,
  };
}

/** The Ready condition every contender sets. */
export const READY = {
  type: 'Ready',
  status: 'True',
  reason: 'Applied',
  message: 'ConfigMap applied',
} as const;

/** Whether the status shows this widget reconciled at its current generation. */
export function isReady(w: Widget): boolean {
  const generation = w.metadata?.generation;
  const ready = w.status?.conditions?.find((c) => c.type === 'Ready');
  return (
    generation !== undefined &&
    w.status?.observedGeneration === generation &&
    ready?.status === 'True' &&
    ready.observedGeneration === generation
  );
}

/**
 * Checks the end state of a namespace: `expected` widgets, each Ready at its generation, each with
 * a ConfigMap of the right data whose controller reference is the widget. Resolves to undefined
 * when right, or to what is wrong.
 */
export async function checkConverged(
  client: Client,
  namespace: string,
  expected: number,
): Promise<string | undefined> {
  const widgets: Widget[] = [];
  for await (const w of client.listAll(Widget, { namespace, limit: 500 })) widgets.push(w);
  const configMaps = new Map<string, ConfigMap>();
  for await (const cm of client.listAll(ConfigMap, { namespace, limit: 500 })) {
    configMaps.set(cm.metadata?.name ?? '', cm);
  }
  if (widgets.length !== expected) return `${widgets.length} widgets, not ${expected}`;
  let notReady = 0;
  let missing = 0;
  let wrongData = 0;
  let wrongOwner = 0;
  let example = '';
  for (const w of widgets) {
    const name = w.metadata?.name ?? '';
    if (!isReady(w)) {
      notReady++;
      example ||= `${name} not Ready at generation ${w.metadata?.generation} (status ${JSON.stringify(w.status)})`;
    }
    const cm = configMaps.get(name);
    if (!cm) {
      missing++;
      example ||= `${name} has no ConfigMap`;
      continue;
    }
    const want = configMapData(w.spec);
    const got = cm.data ?? {};
    if (
      Object.keys(got).length !== Object.keys(want).length ||
      Object.entries(want).some(([k, v]) => got[k] !== v)
    ) {
      wrongData++;
      example ||= `ConfigMap ${name} has revision ${got.revision ?? '?'} where the spec has ${want.revision}`;
    }
    const owner = cm.metadata?.ownerReferences?.find((r) => r.controller);
    if (owner?.uid !== w.metadata?.uid || owner?.kind !== 'Widget') {
      wrongOwner++;
      example ||= `ConfigMap ${name} is not controlled by its widget`;
    }
  }
  const problems = [
    notReady && `${notReady} not Ready`,
    missing && `${missing} ConfigMaps missing`,
    wrongData && `${wrongData} ConfigMaps with wrong data`,
    wrongOwner && `${wrongOwner} without the controller reference`,
  ].filter(Boolean);
  return problems.length ? `${problems.join(', ')} (e.g. ${example})` : undefined;
}
