/**
 * The store's indexes against a reference model that recomputes every answer from the objects it
 * holds, under random sequences of upserts, removals, relists and late `addIndex` calls, with
 * index functions that return duplicates, many values (the Set path of `reindex`), non-strings,
 * a non-array or throw. After every step: each index value lists exactly the model's keys, once.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KubernetesObject } from '../client/resource.ts';
import { createStore, type IndexFunction, objectKey, type StoreWriter } from './store.ts';

const TAGS = ['red', 'blue', 'green', 'boom'] as const;

interface Shape {
  name: string;
  namespace: string;
  /** tag -> how many times the `tags` index repeats it (0: absent). */
  tags: Record<string, number>;
  /** How many values the `wide` index gives (0-24: the Set path needs more than 8 x 8). */
  wide: number;
  /** The wide index's values start here, so an update keeps some and replaces others. */
  offset: number;
  owner: string | undefined;
}

function object(s: Shape): KubernetesObject {
  const labels = Object.fromEntries(
    Object.entries(s.tags)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => [t, String(n)]),
  );
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: s.name,
      ...(s.namespace ? { namespace: s.namespace } : {}),
      labels,
      annotations: { wide: String(s.wide), offset: String(s.offset) },
      ...(s.owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'Deployment', name: s.owner, uid: s.owner, controller: true },
            ],
          }
        : {}),
    },
  };
}

/** The index functions under test; each is pure (the store recomputes the old values on update). */
const indexers: Record<string, IndexFunction<KubernetesObject>> = {
  // Each tag as often as its label says: duplicates.
  tags: (o) => Object.entries(o.metadata?.labels ?? {}).flatMap(([t, n]) => Array<string>(Number(n)).fill(t)),
  wide: (o) => {
    const n = Number(o.metadata?.annotations?.wide);
    const from = Number(o.metadata?.annotations?.offset);
    return Array.from({ length: n }, (_, i) => `w${from + i}`);
  },
  // Throws for objects labelled boom; strings and non-strings otherwise.
  fragile: (o) => {
    if (o.metadata?.labels?.boom) throw new Error('boom');
    return [o.metadata?.name ?? '', 7 as unknown as string, `ns:${o.metadata?.namespace ?? ''}`];
  },
  // Not an array for objects labelled red.
  odd: (o) => (o.metadata?.labels?.red ? ('red' as unknown as string[]) : ['plain']),
};
/** Every value any index above can give, for the checks. */
const EVERY_VALUE = [
  '',
  ...TAGS,
  'x',
  'y',
  'plain',
  'apps/Deployment/web',
  'apps/Deployment/db',
  ...['a', 'b', 'c', 'ab'],
  ...['', 'x', 'y'].map((ns) => `ns:${ns}`),
  ...Array.from({ length: 40 }, (_, i) => `w${i}`),
];
const LATE = 'late';
const late: IndexFunction<KubernetesObject> = (o) => [...(o.metadata?.name ?? '')].slice(0, 2);

/** What the model says an index function gives: the strings it returns, none when it throws or returns a non-array. */
function modelValues(fn: IndexFunction<KubernetesObject>, o: KubernetesObject): string[] {
  try {
    const v = fn(o);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

const shape: fc.Arbitrary<Shape> = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'ab'),
  namespace: fc.constantFrom('', 'x', 'y'),
  tags: fc.record(Object.fromEntries(TAGS.map((t) => [t, fc.integer({ min: 0, max: 2 })]))) as fc.Arbitrary<
    Record<string, number>
  >,
  wide: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 9, max: 24 })),
  offset: fc.integer({ min: 0, max: 12 }),
  owner: fc.option(fc.constantFrom('web', 'db'), { nil: undefined }),
});

type Command =
  | { op: 'upsert'; shape: Shape }
  | { op: 'remove'; name: string; namespace: string }
  | { op: 'replace'; shapes: Shape[] }
  | { op: 'addIndex' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('upsert' as const), shape }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('remove' as const),
      name: fc.constantFrom('a', 'b', 'c', 'ab'),
      namespace: fc.constantFrom('', 'x', 'y'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('replace' as const), shapes: fc.array(shape, { maxLength: 6 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'addIndex' as const }) },
) as fc.Arbitrary<Command>;

function check(commands: Command[]): void {
  const errors: string[] = [];
  const store: StoreWriter<KubernetesObject> = createStore(indexers, {
    onIndexError: (_err, name) => errors.push(name),
  });
  const model = new Map<string, KubernetesObject>();
  const functions = new Map<string, IndexFunction<KubernetesObject>>([
    ['namespace', (o) => [o.metadata?.namespace ?? '']],
    [
      'owner',
      (o) => {
        const ref = o.metadata?.ownerReferences?.find((r) => r.controller);
        return ref ? [`apps/${ref.kind}/${ref.name}`] : [];
      },
    ],
    ...Object.entries(indexers),
  ]);
  for (const [step, c] of commands.entries()) {
    if (c.op === 'upsert') {
      const o = object(c.shape);
      const key = objectKey(o);
      assert.equal(store.upsert(o), model.get(key), `step ${step}: upsert returns the previous object`);
      model.set(key, o);
    } else if (c.op === 'remove') {
      const key = c.namespace ? `${c.namespace}/${c.name}` : c.name;
      assert.equal(store.remove(key), model.get(key), `step ${step}: remove returns the object`);
      model.delete(key);
    } else if (c.op === 'replace') {
      const objects = c.shapes.map(object);
      const before = new Map(model);
      model.clear();
      for (const o of objects) model.set(objectKey(o), o);
      assert.deepEqual(store.replace(objects), before, `step ${step}: replace returns the previous contents`);
    } else {
      store.addIndex(LATE, late);
      functions.set(LATE, late);
    }
    assert.equal(store.size, model.size);
    assert.deepEqual([...store.keys()].sort(), [...model.keys()].sort());
    for (const [name, fn] of functions) {
      for (const o of model.values())
        for (const v of modelValues(fn, o))
          assert.ok(EVERY_VALUE.includes(v), `${name} gives ${v}: add it to the checks`);
      // Every value some object could have given: a stale one must list nobody.
      for (const value of EVERY_VALUE) {
        const want = [...model.entries()]
          .filter(([, o]) => modelValues(fn, o).includes(value))
          .map(([k]) => k)
          .sort();
        const got = store.byIndex(name, value).map(objectKey);
        assert.deepEqual(
          [...got].sort(),
          want,
          `step ${step} (${c.op}): byIndex(${name}, ${JSON.stringify(value)})`,
        );
      }
    }
    for (const ns of ['x', 'y', '']) {
      assert.deepEqual(
        store.list(ns).map(objectKey).sort(),
        [...model.entries()]
          .filter(([, o]) => (o.metadata?.namespace ?? '') === ns)
          .map(([k]) => k)
          .sort(),
      );
    }
  }
  // Only the functions that can throw or return a non-array are reported.
  assert.ok(
    errors.every((n) => n === 'fragile' || n === 'odd'),
    errors.join(','),
  );
}

describe('store indexes: property', () => {
  it('each index value holds exactly the keys whose objects give it, through updates, removals and relists', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), (commands) => check(commands)),
      { numRuns: 200 },
    );
  });
});
