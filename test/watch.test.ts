import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCache, type Informer } from 'operon/cache';
import { type Client, ConfigMap, createClient, isNotFound, loadKubeconfig } from 'operon/client';
import { type ControlPlane, eventually, startControlPlane, startFaultProxy } from 'operon/testing';
import { watch } from 'operon/watch';

type CM = ConfigMap;

/** What the handlers of an informer saw, per object name. */
function recordEvents(informer: Informer<CM>) {
  const seen = new Map<string, { rv: string; deleted: boolean; missedDelete: boolean }>();
  const backwards: string[] = [];
  const track = (o: CM, deleted: boolean, missed = false) => {
    const name = o.metadata!.name!;
    const rv = o.metadata!.resourceVersion!;
    const last = seen.get(name);
    if (!deleted && last && !last.deleted && BigInt(rv) < BigInt(last.rv))
      backwards.push(`${name}: ${last.rv} -> ${rv}`);
    seen.set(name, { rv, deleted, missedDelete: missed });
  };
  informer.addHandlers({
    add: (o) => track(o, false),
    update: (_old, o) => track(o, false),
    delete: (o, info) => track(o, true, info.missed),
  });
  return { seen, backwards };
}

/** Waits until the informer's store equals a fresh LIST (names and resourceVersions). */
async function untilConsistent(
  client: Client,
  informer: Informer<CM>,
  namespace: string,
  timeoutMs = 60_000,
) {
  let diff = '';
  try {
    return await eventually(
      'the cache to match a fresh LIST',
      async () => {
        const truth = await client.list(ConfigMap, { namespace });
        const want = new Map(truth.items.map((i) => [i.metadata!.name!, i.metadata!.resourceVersion!]));
        const have = new Map(
          informer.store.list(namespace).map((i) => [i.metadata!.name!, i.metadata!.resourceVersion!]),
        );
        const problems: string[] = [];
        for (const [n, rv] of want)
          if (have.get(n) !== rv) problems.push(`${n}: cache ${have.get(n)} server ${rv}`);
        for (const n of have.keys()) if (!want.has(n)) problems.push(`${n}: in cache, gone from server`);
        diff = problems.slice(0, 5).join('; ');
        return problems.length === 0 ? want : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(`cache never matched a fresh LIST: ${diff}`, { cause: err });
  }
}

/** Checks that the handlers saw each object's final state, and every delete. */
function assertDelivered(seen: Map<string, { rv: string; deleted: boolean }>, truth: Map<string, string>) {
  for (const [name, rv] of truth) {
    assert.equal(seen.get(name)?.rv, rv, `handlers saw ${name} at its final resourceVersion`);
    assert.equal(seen.get(name)?.deleted, false);
  }
  for (const [name, s] of seen)
    if (!truth.has(name)) assert.equal(s.deleted, true, `handlers saw ${name} deleted`);
}

/** Random creates, updates and deletes over `keys` names until stopped; errors (server down) are retried. */
function churn(client: Client, namespace: string, keys: number) {
  let stop = false;
  let ops = 0;
  let failures = 0;
  const worker = async () => {
    while (!stop) {
      const name = `k${Math.floor(Math.random() * keys)}`;
      try {
        const roll = Math.random();
        if (roll < 0.2) await client.delete(ConfigMap, name, { namespace });
        else
          await client.apply(
            ConfigMap,
            { metadata: { name, namespace }, data: { v: String(Math.random()) } },
            { force: true },
          );
        ops++;
      } catch (err) {
        if (!isNotFound(err)) {
          failures++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
  };
  const workers = Array.from({ length: 4 }, worker);
  return {
    get ops() {
      return ops;
    },
    get failures() {
      return failures;
    },
    async stop() {
      stop = true;
      await Promise.all(workers);
    },
  };
}

describe('watch and informers under faults', () => {
  let plane: ControlPlane;
  let client: Client;
  const controller = new AbortController();

  before(async () => {
    plane = await startControlPlane();
    client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
      fieldManager: 'watch-test',
    });
  });
  after(async () => {
    controller.abort();
    await client?.close();
    await plane?.stop();
  });

  it('yields a list, then each change, and ends only when its signal aborts', async () => {
    await using ns = await plane.createNamespace('watch');
    await client.create(ConfigMap, { metadata: { name: 'before', namespace: ns.name } });
    const ac = new AbortController();
    const events: string[] = [];
    let listed: () => void = () => {};
    const initialList = new Promise<void>((resolve) => {
      listed = resolve;
    });
    const done = (async () => {
      for await (const e of watch(client, ConfigMap, { signal: ac.signal, namespace: ns.name })) {
        if (e.type === 'list') {
          events.push(`list:${e.objects.map((o) => o.metadata?.name).join(',')}`);
          listed();
        } else if (e.type === 'added' || e.type === 'modified' || e.type === 'deleted') {
          events.push(`${e.type}:${e.object.metadata?.name}`);
          if (e.type === 'deleted') ac.abort();
        }
      }
    })();
    // The writes come after the initial list, so each must arrive as its own event.
    await initialList;
    await client.create(ConfigMap, { metadata: { name: 'after', namespace: ns.name } });
    await client.patch(ConfigMap, 'after', { data: { x: '1' } }, { namespace: ns.name });
    await client.delete(ConfigMap, 'after', { namespace: ns.name });
    await done;
    assert.deepEqual(events, ['list:before', 'added:after', 'modified:after', 'deleted:after']);
  });

  it('loses nothing when kube-apiserver is killed and restarted mid-watch', async () => {
    await using ns = await plane.createNamespace('restart');
    const cache = createCache(client, { namespace: ns.name });
    const informer = cache.informerFor(ConfigMap);
    const log = recordEvents(informer);
    const running = cache.start(controller.signal);
    await cache.waitForSync();
    const writer = churn(client, ns.name, 40);
    // The informer is mid-stream when the server goes: it has taken some of the churn.
    await eventually('the informer to take writes', () => writer.ops > 20 && informer.stats().events > 20);
    const errorsBefore = informer.stats().errors;
    await plane.restart('kube-apiserver', { downMs: 1000 });
    // Back, and taking writes again: the outage showed as watch errors, then events flowed again.
    const opsAfter = writer.ops;
    const eventsAfter = informer.stats().events;
    await eventually(
      'the informer to take writes after the restart',
      () =>
        informer.stats().errors > errorsBefore &&
        writer.ops > opsAfter + 20 &&
        informer.stats().events > eventsAfter + 20,
    );
    await writer.stop();
    const truth = await untilConsistent(client, informer, ns.name);
    assertDelivered(log.seen, truth);
    assert.deepEqual(log.backwards, [], 'no event moved an object backwards');
    void running;
  });

  it('loses nothing when a proxy cuts its connections at random', async () => {
    await using ns = await plane.createNamespace('chaos');
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    const viaProxy = createClient({ ...client.config, server: proxy.url });
    try {
      const cache = createCache(viaProxy, {
        namespace: ns.name,
        informer: { watch: { backoff: { initialMs: 50, maxMs: 500 } } },
      });
      const informer = cache.informerFor(ConfigMap);
      const log = recordEvents(informer);
      const ac = new AbortController();
      const running = cache.start(ac.signal);
      await cache.waitForSync();
      proxy.chaos({ minMs: 100, maxMs: 600 });
      const writer = churn(client, ns.name, 30);
      // Enough cuts, with writes going on across them, that a lost event would show.
      await eventually(
        'three cuts under load',
        () => proxy.stats.cut >= 3 && writer.ops > 100 && informer.stats().events > 50,
      );
      await writer.stop();
      proxy.calm();
      const truth = await untilConsistent(client, informer, ns.name);
      assertDelivered(log.seen, truth);
      assert.deepEqual(log.backwards, []);
      ac.abort();
      await running;
    } finally {
      await viaProxy.close();
    }
  });

  it('reads its own writes through the cache at once, under load', async () => {
    await using ns = await plane.createNamespace('ryw');
    const cache = createCache(client, { namespace: ns.name });
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    cache.informerFor(ConfigMap);
    await cache.waitForSync();
    const writer = churn(client, ns.name, 200);
    let reads = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < 25; i++) {
          const name = `mine-${w}`;
          const written = await client.apply(
            ConfigMap,
            { metadata: { name, namespace: ns.name }, data: { i: String(i) } },
            { force: true },
          );
          const read = await cache.get(ConfigMap, name, { namespace: ns.name });
          assert.equal(read.data?.i, String(i), 'the cached read shows the write just made');
          assert.equal(read.metadata?.resourceVersion, written.metadata?.resourceVersion);
          reads++;
        }
      }),
    );
    await writer.stop();
    await client.delete(ConfigMap, 'mine-0', { namespace: ns.name });
    await assert.rejects(cache.get(ConfigMap, 'mine-0', { namespace: ns.name }), isNotFound);
    assert.equal(reads, 200);
    assert.ok(cache.readYourWrites.waited > 0, 'some reads had to wait for the cache');
    ac.abort();
    await running;
  });

  it('takes the initial state as a stream of events (sendInitialEvents), and from a LIST when told not to', async () => {
    await using ns = await plane.createNamespace('streaming');
    for (let i = 0; i < 30; i++)
      await client.create(ConfigMap, { metadata: { name: `s${i}`, namespace: ns.name } });
    const requests: string[] = [];
    const watching = createClient(client.config, { onResponse: (_m, path) => requests.push(path) });
    try {
      const cache = createCache(watching, {
        namespace: ns.name,
        informer: { watch: { streamingList: true } },
      });
      const informer = cache.informerFor(ConfigMap);
      const log = recordEvents(informer);
      const ac = new AbortController();
      const running = cache.start(ac.signal);
      await cache.waitForSync();
      assert.equal(informer.store.size, 30);
      assert.ok(
        requests.some((p) => p.includes('sendInitialEvents=true')),
        'the initial state came from a watch',
      );
      assert.ok(!requests.some((p) => /configmaps(\?limit|$)/.test(p)), 'no LIST was made');
      await client.create(ConfigMap, { metadata: { name: 'later', namespace: ns.name } });
      await client.delete(ConfigMap, 's0', { namespace: ns.name });
      const truth = await untilConsistent(client, informer, ns.name);
      assertDelivered(log.seen, truth);
      ac.abort();
      await running;
      // And the paged LIST, when asked for.
      requests.length = 0;
      const listed = createCache(watching, {
        namespace: ns.name,
        informer: { watch: { streamingList: false } },
      });
      listed.informerFor(ConfigMap);
      const ac2 = new AbortController();
      const running2 = listed.start(ac2.signal);
      await listed.waitForSync();
      assert.equal(listed.informerFor(ConfigMap).store.size, 30);
      assert.ok(
        requests.some((p) => /configmaps\?limit=500/.test(p)),
        'a paged LIST was made',
      );
      ac2.abort();
      await running2;
    } finally {
      await watching.close();
    }
  });

  it('shares one informer per kind and scope, strips managedFields and reports its size', async () => {
    await using ns = await plane.createNamespace('shared');
    const cache = createCache(client, { namespace: ns.name });
    assert.equal(cache.informerFor(ConfigMap), cache.informerFor(ConfigMap));
    assert.notEqual(cache.informerFor(ConfigMap), cache.informerFor(ConfigMap, { labelSelector: 'a=b' }));
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    await client.apply(ConfigMap, {
      metadata: { name: 'big', namespace: ns.name },
      data: { x: 'y'.repeat(1000) },
    });
    const got = await cache.get(ConfigMap, 'big', { namespace: ns.name });
    assert.equal(got.metadata?.managedFields, undefined, 'managedFields are stripped');
    assert.throws(() => {
      (got.data as Record<string, string>).x = 'changed';
    }, TypeError);
    const stats = cache
      .stats()
      .find((s) => s.scope.includes('|full') && s.scope.endsWith('full') && s.objects > 0);
    assert.ok(stats && stats.approxBytes > 1000, 'reports objects and approximate bytes');
    const meta = cache.informerFor(ConfigMap, { metadataOnly: true });
    await meta.waitForSync();
    const partial = meta.store.get(`${ns.name}/big`) as { kind?: string; data?: unknown } | undefined;
    assert.equal(partial?.kind, 'PartialObjectMetadata');
    assert.equal(partial?.data, undefined, 'a metadata-only informer holds no data');
    ac.abort();
    await running;
  });
});

describe('relisting after 410 Gone', () => {
  let plane: ControlPlane;
  let client: Client;

  before(async () => {
    // Without the watch cache, watches go to etcd, so compaction makes an old resourceVersion 410.
    plane = await startControlPlane({ apiServerArgs: ['--watch-cache=false'] });
    client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  });
  after(async () => {
    await client?.close();
    await plane?.stop();
  });

  it('relists after etcd compaction and delivers the deletes it missed', async () => {
    await using ns = await plane.createNamespace('gone');
    for (const name of ['keep', 'drop-1', 'drop-2', 'change']) {
      await client.create(ConfigMap, { metadata: { name, namespace: ns.name } });
    }
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    const viaProxy = createClient({ ...client.config, server: proxy.url });
    const cache = createCache(viaProxy, {
      namespace: ns.name,
      informer: { watch: { backoff: { initialMs: 50 } } },
    });
    const informer = cache.informerFor(ConfigMap);
    const log = recordEvents(informer);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    try {
      await cache.waitForSync();
      const listsBefore = informer.stats().lists;
      // A control: connections cut while the history is still there resume without a relist.
      proxy.cutAll();
      await client.create(ConfigMap, { metadata: { name: 'during-cut', namespace: ns.name } });
      await eventually('the watch to resume after the cut', () =>
        informer.store.get(`${ns.name}/during-cut`),
      );
      assert.equal(informer.stats().lists, listsBefore, 'a resumable watch does not relist');
      const lastSeen = informer.stats().resourceVersion;
      // The network goes silent; meanwhile objects change and etcd forgets the history.
      proxy.pause();
      await client.delete(ConfigMap, 'drop-1', { namespace: ns.name });
      await client.delete(ConfigMap, 'drop-2', { namespace: ns.name });
      await client.patch(ConfigMap, 'change', { data: { v: '2' } }, { namespace: ns.name });
      await client.create(ConfigMap, { metadata: { name: 'new', namespace: ns.name } });
      await plane.compactEtcd();
      // The informer's last resourceVersion is now answered with 410 Gone.
      const probe = await plane.connection.request(
        'GET',
        `/api/v1/namespaces/${ns.name}/configmaps?watch=1&resourceVersion=${lastSeen}&timeoutSeconds=5`,
      );
      assert.ok(
        probe.status === 410 || /"code":410/.test(probe.text),
        `410 Gone: ${probe.status} ${probe.text}`,
      );
      proxy.resume();
      proxy.cutAll();
      const truth = await untilConsistent(client, informer, ns.name);
      assert.equal(informer.stats().lists, listsBefore + 1, 'the 410 made it relist, once');
      assertDelivered(log.seen, truth);
      assert.equal(
        log.seen.get('drop-1')?.missedDelete,
        true,
        'a delete missed while away is delivered as missed',
      );
      assert.equal(log.seen.get('drop-2')?.missedDelete, true);
      assert.deepEqual([...truth.keys()].sort(), ['change', 'during-cut', 'keep', 'new']);
    } finally {
      ac.abort();
      await running;
      await viaProxy.close();
    }
  });
});
