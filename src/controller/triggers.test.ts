import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Priority } from '../queue/index.ts';
import { Child, fakeInformers, obj, Pointer, Tenant, WebApp } from './fakes.test.ts';
import type { Reason } from './reasons.ts';
import { keyOf, normaliseRequest, type Request } from './request.ts';
import { ownerRequest, registerTriggers, type TriggerSink, watches } from './triggers.ts';

function recordingSink() {
  const enqueued: Array<{ key: string; reason: Reason; priority: number }> = [];
  const errors: Array<{ what: string; message: string; err: unknown }> = [];
  const notices: string[] = [];
  const sink: TriggerSink = {
    enqueue: (r: Request, reason, priority) => enqueued.push({ key: keyOf(r), reason, priority }),
    handlerError: (what, message, err) => errors.push({ what, message, err }),
    notice: (m) => notices.push(m),
  };
  return { sink, enqueued, errors, notices, keys: () => enqueued.map((e) => e.key) };
}

const tenantOwner = (name: string) => ({ apiVersion: 'example.operon.dev/v1', kind: 'Tenant', name });
const webAppOwner = (name: string) => ({ apiVersion: 'example.operon.dev/v1', kind: 'WebApp', name });

describe('triggers: one object, one key', () => {
  it('maps namespaced children of a cluster-scoped owner to one key without a namespace', () => {
    const informers = fakeInformers();
    const s = recordingSink();
    registerTriggers({ for: Tenant, owns: [Child] }, informers, s.sink);
    informers.add(Child, obj('ConfigMap', 'c', 'team-a', { owner: tenantOwner('acme') }));
    informers.add(Child, obj('ConfigMap', 'c', 'team-b', { owner: tenantOwner('acme') }));
    informers.delete(Child, obj('ConfigMap', 'c', 'team-b', { owner: tenantOwner('acme') }));
    informers.add(Tenant, obj('Tenant', 'acme'));
    assert.deepEqual(s.keys(), ['acme', 'acme', 'acme', 'acme']);
  });

  it('watches a kind owned in the { resource, deletes } form like a plain one', () => {
    const informers = fakeInformers();
    const s = recordingSink();
    registerTriggers({ for: Tenant, owns: [{ resource: Child, deletes: true }] }, informers, s.sink);
    informers.add(Child, obj('ConfigMap', 'c', 'team-a', { owner: tenantOwner('acme') }));
    assert.deepEqual(s.keys(), ['acme']);
  });

  it('keeps the namespace for a namespaced owner, and ignores references to other kinds or groups', () => {
    const informers = fakeInformers();
    const s = recordingSink();
    registerTriggers({ for: WebApp, owns: [Child] }, informers, s.sink);
    informers.add(Child, obj('ConfigMap', 'c', 'ns', { owner: webAppOwner('web') }));
    informers.add(
      Child,
      obj('ConfigMap', 'd', 'ns', { owner: { apiVersion: 'other.dev/v1', kind: 'WebApp', name: 'x' } }),
    );
    informers.add(
      Child,
      obj('ConfigMap', 'e', 'ns', { owner: { apiVersion: 'v1', kind: 'WebApp', name: 'y' } }),
    );
    informers.add(Child, obj('ConfigMap', 'f', 'ns', { owner: tenantOwner('acme') }));
    // Another version of the same group is the same kind.
    informers.add(
      Child,
      obj('ConfigMap', 'g', 'ns', {
        owner: { apiVersion: 'example.operon.dev/v2', kind: 'WebApp', name: 'web2' },
      }),
    );
    assert.deepEqual(s.keys(), ['ns/web', 'ns/web2']);
  });

  it('reuses controllerOf(): only the controller reference counts', () => {
    const child = {
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        namespace: 'ns',
        ownerReferences: [
          { ...webAppOwner('not-controller'), uid: 'u1' },
          { ...webAppOwner('controller'), uid: 'u2', controller: true },
        ],
      },
    };
    assert.deepEqual(ownerRequest(WebApp, child), { name: 'controller', namespace: 'ns' });
  });

  it('normalises mapped requests: a namespace for a cluster-scoped primary is dropped, a missing one for a namespaced primary rejected', () => {
    assert.deepEqual(normaliseRequest(Tenant, { name: 'acme', namespace: 'team-a' }), {
      ok: true,
      request: { name: 'acme' },
      droppedNamespace: true,
    });
    assert.deepEqual(normaliseRequest(WebApp, { name: 'web', namespace: 'ns' }), {
      ok: true,
      request: { name: 'web', namespace: 'ns' },
      droppedNamespace: false,
    });
    for (const bad of [
      { name: 'web' },
      { name: '' },
      { name: 'a/b', namespace: 'ns' },
      { name: 3 },
      null,
      'web',
    ]) {
      assert.equal(normaliseRequest(WebApp, bad).ok, false, JSON.stringify(bad));
    }
    const trap = () => {
      throw new Error('trap');
    };
    assert.equal(normaliseRequest(WebApp, new Proxy({}, { get: trap })).ok, false);

    const informers = fakeInformers();
    const s = recordingSink();
    registerTriggers(
      {
        for: Tenant,
        watches: [
          watches(Pointer, (p) => [{ name: p.metadata!.labels!.tenant!, namespace: p.metadata!.namespace }]),
        ],
      },
      informers,
      s.sink,
    );
    informers.add(Pointer, obj('Secret', 'p1', 'team-a', { labels: { tenant: 'acme' } }));
    informers.add(Pointer, obj('Secret', 'p2', 'team-b', { labels: { tenant: 'acme' } }));
    assert.deepEqual(s.keys(), ['acme', 'acme']);
    assert.equal(s.notices.length, 2);

    const n = fakeInformers();
    const t = recordingSink();
    registerTriggers(
      { for: WebApp, watches: [watches(Pointer, () => [{ name: 'web' }, { name: 'ok', namespace: 'ns' }])] },
      n,
      t.sink,
    );
    n.add(Pointer, obj('Secret', 'p', 'ns'));
    assert.deepEqual(t.keys(), ['ns/ok']);
    assert.equal(t.errors.length, 1);
    assert.match(String((t.errors[0]!.err as Error).message), /no namespace/);
  });
});

describe('triggers: watches', () => {
  it('maps both the old and the new object on update, de-duplicated', () => {
    const informers = fakeInformers();
    const s = recordingSink();
    const calls: string[] = [];
    registerTriggers(
      {
        for: WebApp,
        watches: [
          watches(Pointer, (p) => {
            calls.push(p.metadata!.labels!.app!);
            return [{ name: p.metadata!.labels!.app!, namespace: 'ns' }];
          }),
        ],
      },
      informers,
      s.sink,
    );
    const before = obj('Secret', 'p', 'ns', { labels: { app: 'old-app' } });
    const after = obj('Secret', 'p', 'ns', { labels: { app: 'new-app' } });
    informers.update(Pointer, before, after);
    assert.deepEqual(calls, ['old-app', 'new-app']);
    assert.deepEqual(s.keys().sort(), ['ns/new-app', 'ns/old-app']);
    assert.ok(s.enqueued.every((e) => e.reason.kind === 'mapped' && e.reason.source?.name === 'p'));

    s.enqueued.length = 0;
    informers.update(Pointer, after, obj('Secret', 'p', 'ns', { labels: { app: 'new-app' } }));
    assert.deepEqual(s.keys(), ['ns/new-app'], 'the same primary from old and new is queued once');
  });

  it('queues the first list at low priority and live events at normal priority', () => {
    const informers = fakeInformers();
    const s = recordingSink();
    registerTriggers(
      { for: WebApp, watches: [watches(Pointer, () => [{ name: 'w', namespace: 'ns' }])] },
      informers,
      s.sink,
    );
    informers.add(WebApp, obj('WebApp', 'a', 'ns'), true);
    informers.add(Pointer, obj('Secret', 'p', 'ns'), true);
    informers.add(WebApp, obj('WebApp', 'b', 'ns'));
    assert.deepEqual(
      s.enqueued.map((e) => [e.key, e.reason.kind, e.priority]),
      [
        ['ns/a', 'initial', Priority.low],
        ['ns/w', 'mapped', Priority.low],
        ['ns/b', 'create', Priority.normal],
      ],
    );
  });

  it('contains broken predicates and map functions: nothing throws out of a handler', () => {
    const informers = fakeInformers();
    const s = recordingSink();
    const trap = () => {
      throw new Error('trap');
    };
    const revoked = Proxy.revocable([], {});
    revoked.revoke();
    const maps = [
      () => {
        throw 'not an error';
      },
      () => null,
      () => new Proxy([], { get: trap, ownKeys: trap, getPrototypeOf: trap }),
      () => revoked.proxy,
      () => Promise.reject(new Error('async map')),
      () => [null, 7, { name: 'good', namespace: 'ns' }],
    ];
    registerTriggers(
      {
        for: WebApp,
        predicates: [
          () => {
            throw Symbol('predicate');
          },
          (async () => false) as never,
        ],
        watches: maps.map((m) => watches(Pointer, m as never)),
      },
      informers,
      s.sink,
    );
    assert.doesNotThrow(() => informers.add(WebApp, obj('WebApp', 'a', 'ns')));
    assert.doesNotThrow(() => informers.add(Pointer, obj('Secret', 'p', 'ns')));
    assert.deepEqual(
      s.keys(),
      ['ns/a', 'ns/good'],
      'broken predicates let the event through; broken maps drop theirs',
    );
    assert.ok(s.errors.some((e) => e.what === 'predicate' && /predicate threw/.test(e.message)));
    assert.ok(s.errors.some((e) => e.what === 'predicate' && /Promise/.test(e.message)));
    assert.ok(s.errors.filter((e) => e.what === 'map').length >= 5);
  });

  it('unhooks every handler', () => {
    const informers = fakeInformers();
    const unhook = registerTriggers(
      { for: WebApp, owns: [Child], watches: [watches(Pointer, () => [])] },
      informers,
      recordingSink().sink,
    );
    assert.equal(
      informers.handlerCount(WebApp) + informers.handlerCount(Child) + informers.handlerCount(Pointer),
      3,
    );
    unhook();
    assert.equal(
      informers.handlerCount(WebApp) + informers.handlerCount(Child) + informers.handlerCount(Pointer),
      0,
    );
  });
});
