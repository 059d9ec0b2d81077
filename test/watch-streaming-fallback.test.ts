import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCache } from 'operon/cache';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { type ControlPlane, eventually, startControlPlane } from 'operon/testing';

// Every minor Operon builds (1.35–1.37) serves streaming lists by default (WatchList is Beta and on
// since 1.34), so the fallback is proven on a server that has it switched off, as a cluster
// admin may, and as 1.33 shipped. CI runs this file on the oldest supported version too.
describe('a streaming list on a server without WatchList', () => {
  let plane: ControlPlane;
  let client: Client;
  let serverVersion: string;

  before(async () => {
    plane = await startControlPlane({ apiServerArgs: ['--feature-gates=WatchList=false'] });
    client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
    const version = await plane.connection.request<{ gitVersion?: string }>('GET', '/version');
    serverVersion = version.body?.gitVersion ?? 'unknown';
    process.stderr.write(`[watch-streaming-fallback] kube-apiserver ${serverVersion}, WatchList=false\n`);
  });
  after(async () => {
    await client?.close();
    await plane?.stop();
  });

  it('is refused with a 4xx by the server (the premise of the fallback)', async () => {
    await using ns = await plane.createNamespace('refused');
    const ac = new AbortController();
    const stream = await client.raw.watch(ConfigMap, {
      namespace: ns.name,
      signal: ac.signal,
      query: { sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: 'true' },
    });
    try {
      assert.ok(
        stream.status === 400 || stream.status === 422,
        `kube-apiserver ${serverVersion} answered ${stream.status} to sendInitialEvents=true`,
      );
      assert.match(await stream.text(), /sendInitialEvents/);
    } finally {
      stream.close();
      ac.abort();
    }
  });

  it('falls back to a paged LIST once, keeps to it, and the cache stays whole', async () => {
    await using ns = await plane.createNamespace('fallback');
    for (let i = 0; i < 30; i++)
      await client.create(ConfigMap, { metadata: { name: `f${i}`, namespace: ns.name } });
    const requests: string[] = [];
    const watching = createClient(client.config, { onResponse: (_m, path) => requests.push(path) });
    const ac = new AbortController();
    try {
      const cache = createCache(watching, {
        namespace: ns.name,
        // Short server-side watches, so the informer opens several during the test.
        informer: { watch: { streamingList: true, timeoutSeconds: [1, 2] } },
      });
      const informer = cache.informerFor(ConfigMap);
      const running = cache.start(ac.signal);
      await cache.waitForSync();
      assert.equal(informer.store.size, 30);
      const configmaps = requests.filter((p) => p.includes(`/namespaces/${ns.name}/configmaps`));
      assert.equal(
        configmaps.filter((p) => p.includes('sendInitialEvents=true')).length,
        1,
        `one streaming list was tried: ${configmaps.join(' ')}`,
      );
      assert.ok(
        configmaps.some((p) => /configmaps\?limit=500/.test(p)),
        `a paged LIST followed: ${configmaps.join(' ')}`,
      );
      // Changes arrive through plain watches, which this server serves.
      await client.create(ConfigMap, { metadata: { name: 'later', namespace: ns.name } });
      await client.delete(ConfigMap, 'f0', { namespace: ns.name });
      await eventually(
        'the cache to see the create and the delete',
        () =>
          informer.store.get(`${ns.name}/later`) && !informer.store.get(`${ns.name}/f0`) ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      // Let the 1–2 s watches end and reopen: they resume plainly, never streaming again.
      const before = requests.length;
      await eventually(
        'the watch to reopen twice',
        () =>
          requests
            .slice(before)
            .filter((p) => p.includes(`/namespaces/${ns.name}/configmaps`) && p.includes('watch')).length >= 2
            ? true
            : undefined,
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      assert.equal(
        requests.filter((p) => p.includes('sendInitialEvents=true')).length,
        1,
        'no second streaming list after the refusal',
      );
      ac.abort();
      await running;
    } finally {
      ac.abort();
      await watching.close();
    }
  });
});
