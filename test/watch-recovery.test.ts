import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCache } from 'operon/cache';
import {
  type Client,
  ConfigMap,
  createClient,
  loadKubeconfig,
  type RawApi,
  resourceType,
} from 'operon/client';
import {
  type ControlPlane,
  eventually,
  startControlPlane,
  startFaultProxy,
  useControlPlane,
} from 'operon/testing';
import { type WatchEvent, watch } from 'operon/watch';

type CM = ConfigMap;

/** `promise`, or a rejection after `ms` (a bound on the test, not a timing assertion). */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never settled`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('watch recovery against a real API server', () => {
  let plane: ControlPlane;
  let client: Client;

  before(async () => {
    plane = await useControlPlane();
    client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
      fieldManager: 'watch-recovery-test',
    });
  });
  after(async () => {
    await client?.close();
    await plane?.stop();
  });

  for (const streamingList of [false, true]) {
    it(`relists from the latest state when its resourceVersion is ahead of storage, as after an etcd restore (${streamingList ? 'streaming list' : 'LIST'})`, async () => {
      await using ns = await plane.createNamespace('toolarge');
      await client.create(ConfigMap, { metadata: { name: 'there', namespace: ns.name } });
      const now = (await client.list(ConfigMap, { namespace: ns.name })).metadata.resourceVersion!;
      // As after an etcd restore: the watch remembers a revision the storage has not reached. A
      // plain watch from there is accepted and silent (the server waits for that revision), so
      // the first one is cut at once, and the watch must relist.
      const ahead = String(BigInt(now) + 1_000_000n);
      const answers: string[] = [];
      let watches = 0;
      const raw: RawApi = {
        async list(type, o) {
          const res = await client.raw.list(type, o);
          answers.push(`list ${o.query?.resourceVersion ?? 'latest'} ${res.status}`);
          return res;
        },
        async watch(type, o) {
          const res = await client.raw.watch(type, o);
          answers.push(`watch ${o.query?.resourceVersion ?? 'latest'} ${res.status}`);
          if (watches++ > 0) return res;
          res.close();
          return { ...res, lines: async function* () {} };
        },
      };
      const ac = new AbortController();
      const events: WatchEvent<CM>[] = [];
      const done = (async () => {
        for await (const e of watch({ raw }, ConfigMap, {
          signal: ac.signal,
          namespace: ns.name,
          resourceVersion: ahead,
          streamingList,
          backoff: { initialMs: 50, maxMs: 200 },
        })) {
          events.push(e);
          if (e.type === 'list') ac.abort();
        }
      })();
      try {
        await eventually('a relist', () => events.some((e) => e.type === 'list'), 40_000);
      } finally {
        ac.abort();
        await done;
      }
      const list = events.find((e) => e.type === 'list')!;
      assert.deepEqual(
        list.objects.map((o) => o.metadata?.name),
        ['there'],
      );
      assert.ok(
        BigInt(list.resourceVersion) < BigInt(ahead),
        'listed at the storage revision, not the one asked',
      );
      assert.ok(answers.includes(`list latest 200`), `a fresh list: ${answers.join(', ')}`);
      if (!streamingList)
        assert.ok(
          answers.includes(`list ${ahead} 504`),
          `the list from the last revision was 504: ${answers.join(', ')}`,
        );
    });
  }

  it('goes on with other objects when the transform throws on one', async () => {
    await using ns = await plane.createNamespace('poison');
    const reported: string[] = [];
    const cache = createCache(client, {
      namespace: ns.name,
      informer: {
        transform: (o) => {
          if (o.metadata?.name?.startsWith('poison')) throw new Error('cannot handle this one');
          return o;
        },
      },
      onInformerError: (type, _error, info) => reported.push(`${type.kind} ${info.stage} ${info.key}`),
    });
    const informer = cache.informerFor(ConfigMap);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    try {
      await cache.waitForSync();
      await client.create(ConfigMap, { metadata: { name: 'before', namespace: ns.name } });
      await client.create(ConfigMap, { metadata: { name: 'poison', namespace: ns.name } });
      await client.create(ConfigMap, { metadata: { name: 'after', namespace: ns.name } });
      await client.patch(ConfigMap, 'before', { data: { v: '2' } }, { namespace: ns.name });
      await eventually(
        'the objects after the poisoned one',
        () =>
          informer.store.has(`${ns.name}/after`) && informer.store.get(`${ns.name}/before`)?.data?.v === '2',
        20_000,
      );
      assert.equal(informer.store.has(`${ns.name}/poison`), false, 'the poisoned object is skipped');
      assert.deepEqual(reported, [`ConfigMap transform ${ns.name}/poison`]);
      assert.equal(informer.stats().skipped, 1);
      assert.equal(cache.healthy, true, 'a skipped object does not make the cache unhealthy');
    } finally {
      ac.abort();
      await running;
    }
  });

  it('fails waitForSync after its timeout, naming a kind whose CRD is not installed', async () => {
    const Missing = resourceType({
      group: 'nothing.operon.dev',
      version: 'v1',
      kind: 'Missing',
      plural: 'missings',
      namespaced: true,
    });
    const cache = createCache(client, {
      syncTimeoutMs: 3000,
      informer: { watch: { backoff: { initialMs: 100 } } },
    });
    cache.informerFor(Missing);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    try {
      await assert.rejects(bounded(cache.waitForSync(), 30_000, 'waitForSync'), (err: Error) => {
        assert.match(err.message, /did not sync within 3 s/);
        assert.match(err.message, /Missing \(nothing\.operon\.dev\/v1, all namespaces\)/);
        assert.match(err.message, /is its CustomResourceDefinition installed/);
        return true;
      });
    } finally {
      ac.abort();
      await running;
    }
  });

  it('fails waitForSync after its timeout, naming a kind the identity may not list (RBAC)', async () => {
    const nobody = createClient({ ...client.config, impersonate: { user: 'operon-test-nobody' } });
    const cache = createCache(nobody, {
      syncTimeoutMs: 3000,
      informer: { watch: { backoff: { initialMs: 100 } } },
    });
    cache.informerFor(ConfigMap);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    try {
      await assert.rejects(bounded(cache.waitForSync(), 30_000, 'waitForSync'), (err: Error) => {
        assert.match(
          err.message,
          /ConfigMap \(v1, all namespaces\): forbidden: grant this identity list and watch on configmaps/,
        );
        return true;
      });
    } finally {
      ac.abort();
      await running;
      await nobody.close();
    }
  });
});

describe('health on a server without bookmarks', () => {
  let plane: ControlPlane;
  let client: Client;

  before(async () => {
    // Without the watch cache the server sends no bookmarks: a quiet watch says nothing at all.
    plane = await startControlPlane({ apiServerArgs: ['--watch-cache=false'] });
    client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  });
  after(async () => {
    await client?.close();
    await plane?.stop();
  });

  it('turns unhealthy while its watch keeps failing, and healthy again once a quiet watch is accepted', async () => {
    await using ns = await plane.createNamespace('quiet');
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    const viaProxy = createClient({ ...client.config, server: proxy.url });
    const cache = createCache(viaProxy, {
      namespace: ns.name,
      unhealthyAfterMs: 300,
      informer: { watch: { backoff: { initialMs: 50, maxMs: 200 } } },
    });
    cache.informerFor(ConfigMap);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    try {
      await cache.waitForSync();
      // Every connection is cut at once: the watch keeps failing.
      proxy.chaos({ minMs: 0, maxMs: 1 });
      proxy.cutAll();
      await eventually('unhealthy while failing', () => !cache.healthy, 20_000);
      proxy.calm();
      // Nothing changes in the namespace and the server sends no bookmarks: only the accepted watch says it works.
      await eventually('healthy again', () => cache.healthy, 20_000);
      assert.equal(cache.informerFor(ConfigMap).stats().healthy, true);
    } finally {
      ac.abort();
      await running;
      await viaProxy.close();
    }
  });
});
