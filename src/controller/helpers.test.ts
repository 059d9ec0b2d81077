import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '../client/resource.ts';
import type { conditions, Static } from '../resource/index.ts';
import { Action, isAction, isTerminal, terminal } from './action.ts';
import { findCondition, isTrue, removeCondition, setCondition } from './conditions.ts';
import { controller } from './controller.ts';
import { controllerOf, controllerReference, withControllerReference } from './owner.ts';
import { and, annotationsChanged, labelsChanged, not, onlyEvents, or } from './predicates.ts';
import { isSubset, jsonEqual } from './status.ts';

const owner = {
  apiVersion: 'example.operon.dev/v1',
  kind: 'WebApp',
  metadata: { name: 'web', namespace: 'ns', uid: 'u-1' },
};

describe('actions', () => {
  it('builds and recognises the three actions, and rejects anything else', () => {
    assert.ok(isAction(Action.done()));
    assert.ok(isAction(Action.requeue()));
    assert.ok(isAction(Action.requeueAfter(1000)));
    assert.ok(isAction(Action.requeueAfter(1000, 'next run')));
    assert.ok(isAction(Action.requeue('not ready')));
    assert.equal(isAction({ type: 'requeue', note: 7 }), false, 'a note is a string');
    assert.equal(isAction(Action.requeueAfter(-1)), true, 'a time already past means now (requeue)');
    assert.equal(isAction(Action.requeueAfter(Number.POSITIVE_INFINITY)), false);
    assert.equal(isAction(Action.requeueAfter(Number.NaN)), false);
    assert.equal(isAction({ type: 'later' }), false);
    assert.equal(isAction('done'), false);
    assert.equal(isAction(null), false);
    // Whatever a reconcile returns, recognising it never throws.
    const throwing = {
      type: 'requeue',
      get note(): string {
        throw new Error('getter');
      },
    };
    assert.equal(isAction(throwing), false);
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
      },
    );
    assert.equal(isAction(trap), false);
  });

  it('marks an error terminal once, keeping the cause', () => {
    const cause = new Error('bad spec');
    const t = terminal(cause);
    assert.ok(isTerminal(t));
    assert.equal(t.cause, cause);
    assert.equal(terminal(t), t);
    assert.equal(t.retryable, false);
    assert.equal(isTerminal(cause), false);
  });
});

describe('conditions', () => {
  it('moves lastTransitionTime only when the status changes', () => {
    let c = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'Waiting', observedGeneration: 1 },
      't1',
    );
    assert.equal(findCondition(c, 'Ready')?.lastTransitionTime, 't1');
    c = setCondition(
      c,
      { type: 'Ready', status: 'False', reason: 'StillWaiting', message: 'm', observedGeneration: 2 },
      't2',
    );
    assert.equal(
      findCondition(c, 'Ready')?.lastTransitionTime,
      't1',
      'same status keeps the transition time',
    );
    assert.equal(findCondition(c, 'Ready')?.reason, 'StillWaiting');
    assert.equal(findCondition(c, 'Ready')?.observedGeneration, 2);
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'Done' }, 't3');
    assert.equal(findCondition(c, 'Ready')?.lastTransitionTime, 't3');
    assert.ok(isTrue(c, 'Ready'));
    c = setCondition(c, { type: 'Degraded', status: 'False', reason: 'Fine' }, 't4');
    assert.deepEqual(
      c.map((x) => x.type),
      ['Ready', 'Degraded'],
    );
    assert.deepEqual(
      removeCondition(c, 'Ready').map((x) => x.type),
      ['Degraded'],
    );
  });

  it("fits a status declared with conditions(), from no list, an empty one or the object's, without casts", () => {
    // Type-level: each assignment compiles only if setCondition() returns what conditions() declares
    // (status True, False or Unknown), whatever list it started from.
    type Declared = Static<ReturnType<typeof conditions>>;
    const input = { type: 'Ready', status: 'True', reason: 'Built' } as const;
    const fromNothing: Declared = setCondition(undefined, input, 't1');
    const fromEmpty: Declared = setCondition([], input, 't1');
    const fromObject: Declared = setCondition(fromEmpty, { ...input, status: 'False' }, 't2');
    const kept: Declared = removeCondition(fromObject, 'Other');
    assert.deepEqual(fromNothing, fromEmpty);
    assert.deepEqual(kept, [
      { type: 'Ready', status: 'False', reason: 'Built', message: '', lastTransitionTime: 't2' },
    ]);
  });
});

describe('owner references', () => {
  it('makes a controller reference that blocks owner deletion', () => {
    assert.deepEqual(controllerReference(owner), {
      apiVersion: 'example.operon.dev/v1',
      kind: 'WebApp',
      name: 'web',
      uid: 'u-1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it('names what an owner lacks', () => {
    assert.throws(
      () => controllerReference({ kind: 'WebApp', metadata: { name: 'x' } }),
      /lacks apiVersion, metadata\.uid/,
    );
  });

  it('refuses to take over a child another object controls, or one in another namespace', () => {
    const child = withControllerReference<KubernetesObject>(owner, {
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns' },
    });
    assert.equal(controllerOf(child)?.uid, 'u-1');
    assert.equal(withControllerReference(owner, child).metadata?.ownerReferences?.length, 1, 'idempotent');
    const other = { ...owner, metadata: { ...owner.metadata, uid: 'u-2', name: 'other' } };
    assert.throws(() => withControllerReference(other, child), /already controlled by WebApp web/);
    assert.throws(
      () =>
        withControllerReference(owner, {
          kind: 'ConfigMap',
          metadata: { name: 'c', namespace: 'elsewhere' },
        }),
      /do not cross namespaces/,
    );
  });
});

describe('predicates', () => {
  const cm = (labels: Record<string, string>, annotations: Record<string, string> = {}) => ({
    metadata: { labels, annotations },
  });
  it('pass updates that change labels or annotations, and always pass creates', () => {
    assert.equal(labelsChanged({ type: 'update', object: cm({ a: '1' }), old: cm({ a: '1' }) }), false);
    assert.equal(labelsChanged({ type: 'update', object: cm({ a: '2' }), old: cm({ a: '1' }) }), true);
    assert.equal(annotationsChanged({ type: 'update', object: cm({}, { x: 'y' }), old: cm({}) }), true);
    assert.equal(labelsChanged({ type: 'create', object: cm({}) }), true);
  });
  it('combine with and, or, not and onlyEvents', () => {
    const yes = () => true;
    const no = () => false;
    const e = { type: 'delete' as const, object: cm({}) };
    assert.equal(and(yes, no)(e), false);
    assert.equal(or(no, yes)(e), true);
    assert.equal(not(no)(e), true);
    assert.equal(onlyEvents('create')(e), false);
    assert.equal(onlyEvents('delete', 'create')(e), true);
  });
});

describe('controller definitions', () => {
  it('rejects bad options at once with every problem named', () => {
    assert.throws(
      () =>
        controller({
          name: 'Bad Name',
          for: undefined as never,
          reconcile: undefined as never,
          concurrency: 0,
        }),
      (err: Error) =>
        /name "Bad Name"/.test(err.message) &&
        /`for` must be a ResourceType/.test(err.message) &&
        /`reconcile` must be a function/.test(err.message) &&
        /concurrency must be a whole number/.test(err.message),
    );
  });

  it('rejects an owns entry that is not a kind or { resource, deletes }', () => {
    const Child = {
      group: '',
      version: 'v1',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      plural: 'configmaps',
      namespaced: true,
      subresources: [],
    };
    const def = (owns: unknown) => () =>
      controller({ name: 'o', for: Child, owns: owns as never, reconcile: async () => {} });
    assert.throws(
      def([undefined]),
      /owns\[0\] must be a ResourceType or \{ resource: ResourceType, deletes: true \}/,
    );
    assert.throws(def([Child, { resource: null }]), /owns\[1\] must be a ResourceType/);
    assert.throws(def([{ resource: Child, deletes: 'yes' }]), /owns\[0\]\.deletes must be true or false/);
    assert.doesNotThrow(def([Child, { resource: Child, deletes: true }, { resource: Child }]));
  });
});

describe('isSubset', () => {
  it('accepts extra fields the server added, and rejects any difference in a desired one', () => {
    const desired = { metadata: { name: 'a', labels: { x: '1' } }, spec: { ports: [{ port: 80 }] } };
    const actual = {
      metadata: { name: 'a', labels: { x: '1', y: '2' }, uid: 'u' },
      spec: { ports: [{ port: 80, protocol: 'TCP' }], clusterIP: '10.0.0.1' },
    };
    assert.ok(isSubset(desired, actual));
    assert.equal(isSubset({ ...desired, spec: { ports: [{ port: 81 }] } }, actual), false);
    assert.equal(
      isSubset({ spec: { ports: [{ port: 80 }, { port: 81 }] } }, actual),
      false,
      'list length matters',
    );
    assert.equal(isSubset({ metadata: { labels: { z: '3' } } }, actual), false);
    assert.ok(isSubset({ metadata: { annotations: undefined } }, actual), 'undefined fields are not set');
  });
});

describe('jsonEqual', () => {
  it('ignores key order but not values', () => {
    assert.ok(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }));
    assert.equal(jsonEqual({ a: [1, 2] }, { a: [2, 1] }), false);
  });

  it('compares as JSON does: undefined fields are absent, undefined array items null, toJSON used', () => {
    assert.ok(jsonEqual({ a: 1, b: undefined }, { a: 1 }));
    assert.ok(jsonEqual([1, undefined], [1, null]));
    assert.ok(jsonEqual({ t: new Date(0) }, { t: '1970-01-01T00:00:00.000Z' }));
    assert.equal(jsonEqual({ a: { x: 1, y: 2 } }, { a: { x: 1, y: 3 } }), false);
    assert.equal(jsonEqual({ a: 1 }, { a: '1' }), false);
    assert.equal(jsonEqual({ a: 1 }, { a: 1, b: null }), false);
  });

  it('sorts keys deep inside arrays, and keeps a "__proto__" key as data', () => {
    assert.ok(jsonEqual([{ b: 1, a: { d: 2, c: 3 } }], [{ a: { c: 3, d: 2 }, b: 1 }]));
    const parsed = JSON.parse('{"z":1,"__proto__":{"x":1}}');
    assert.ok(jsonEqual(parsed, JSON.parse('{"__proto__":{"x":1},"z":1}')));
    assert.equal(jsonEqual(parsed, JSON.parse('{"__proto__":{"x":2},"z":1}')), false);
    assert.equal(jsonEqual(parsed, { z: 1 }), false);
  });

  it('leaves its inputs as they were', () => {
    const a = { b: 2, a: [{ d: 1, c: 2 }] };
    jsonEqual(a, a);
    assert.deepEqual(Object.keys(a), ['b', 'a']);
    assert.deepEqual(Object.keys(a.a[0]!), ['d', 'c']);
  });
});
