import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCache } from '../cache/cache.ts';
import type { EventHandlers, Informer } from '../cache/informer.ts';
import { createStore } from '../cache/store.ts';
import type { Client } from '../client/client.ts';
import { type KubernetesObject, type ResourceType, resourceType } from '../client/resource.ts';
import { ConfigMap } from '../client/types/index.ts';
import { controller } from '../controller/controller.ts';
import { silentLogger } from '../log/logger.ts';
import { createControllerSet } from './controller-set.ts';
import { crdNameOf, type KindTracker } from './kinds.ts';
import { aborted } from './runnable.ts';

const WebApp = resourceType({
  group: 'example.operon.dev',
  version: 'v1',
  kind: 'WebApp',
  plural: 'webapps',
  namespaced: true,
});

async function settle(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** A kind tracker whose served CRDs a test sets. */
function fakeKinds(served: Set<string>): KindTracker & { change(): void } {
  const listeners = new Set<() => void>();
  return {
    track: async () => {},
    knows: () => true,
    missing: (types: readonly ResourceType[]) =>
      types.filter((t) => t.group === WebApp.group && !served.has(crdNameOf(t))).map(crdNameOf),
    onChange(l: () => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    change() {
      for (const l of listeners) l();
    },
  };
}

/** A real cache over informers that sync at once; records which informers were made and stopped. */
function cacheWithFakeInformers() {
  const made: string[] = [];
  const stopped: string[] = [];
  const cache = createCache(
    { onWrite: () => () => {} } as unknown as Client,
    {},
    {
      createInformer: ((_c: Client, type: ResourceType) => {
        made.push(type.kind);
        const handlers = new Set<EventHandlers<KubernetesObject>>();
        const informer = {
          type,
          store: createStore(),
          synced: true,
          async start(signal: AbortSignal) {
            await aborted(signal);
            stopped.push(type.kind);
          },
          waitForSync: async () => {},
          addHandlers(h: EventHandlers<KubernetesObject>) {
            handlers.add(h);
            return () => handlers.delete(h);
          },
          stats: () => ({ unhealthySince: 0, needsResync: false, objects: 0, events: 0, errors: 0 }),
          approximateBytes: () => 0,
        };
        return informer as unknown as Informer<KubernetesObject>;
      }) as never,
    },
  );
  return { cache, made, stopped };
}

describe('a set of controllers whose kinds come and go', () => {
  it('holds only the controller that owns a missing kind, makes no informer for it, and starts it when served', async () => {
    const served = new Set<string>();
    const kinds = fakeKinds(served);
    const { cache, made, stopped } = cacheWithFakeInformers();
    const waits: string[] = [];
    const set = createControllerSet({
      cache,
      kinds,
      log: silentLogger,
      runtime: { client: {} as Client },
      observerFor: () => ({}),
      queueMetrics: () => ({}) as never,
      onWaiting: (c, crds, waiting) => waits.push(`${c} ${crds.join()} ${waiting}`),
    });
    set.add(controller({ name: 'plain', for: ConfigMap, reconcile: async () => {} }) as never);
    set.add(
      controller({ name: 'owner', for: ConfigMap, owns: [WebApp], reconcile: async () => {} }) as never,
    );
    const ac = new AbortController();
    const caching = cache.start(ac.signal);
    const supervisor = set.supervisor();
    const supervising = supervisor.start(ac.signal);
    await supervisor.ready?.(ac.signal);
    const state = () => Object.fromEntries(set.slots.map((s) => [s.name, s.state]));
    assert.deepEqual(state(), { plain: 'ready', owner: 'waiting' });
    assert.equal(set.ready, true, 'ready: one synced, one waiting for an absent kind');
    assert.deepEqual(set.slots.find((s) => s.name === 'owner')?.waitingFor, ['webapps.example.operon.dev']);
    assert.deepEqual(made, ['ConfigMap'], 'no informer for the missing kind, so no sync timeout for it');
    assert.deepEqual(waits, ['owner webapps.example.operon.dev true']);

    // Leading: the ready one runs, the waiting one does not.
    const lead = new AbortController();
    const leaders = set.leaders({ graceMs: 1000, lost: new AbortController().signal });
    const leading = Promise.all(leaders.map((r) => r.start(lead.signal)));
    await settle();

    served.add('webapps.example.operon.dev');
    kinds.change();
    await settle();
    assert.deepEqual(state(), { plain: 'ready', owner: 'ready' });
    assert.deepEqual(made.sort(), ['ConfigMap', 'WebApp']);
    assert.deepEqual(waits, [
      'owner webapps.example.operon.dev true',
      'owner webapps.example.operon.dev false',
    ]);

    // Gone again: the owner stops, the WebApp informer is dropped, the plain one is untouched.
    served.clear();
    kinds.change();
    await settle();
    assert.deepEqual(state(), { plain: 'ready', owner: 'waiting' });
    assert.deepEqual(stopped, ['WebApp']);
    assert.ok(!cache.stats().some((s) => s.type.endsWith('/WebApp')));
    assert.equal(waits.at(-1), 'owner webapps.example.operon.dev true');

    lead.abort();
    await leading;
    ac.abort();
    await supervising;
    await caching;
    assert.deepEqual(state(), { plain: 'stopped', owner: 'stopped' });
  });
});
