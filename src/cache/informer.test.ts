import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Client, resourcePath } from '../client/client.ts';
import { ConfigMap } from '../client/types/core-v1.ts';
import { ErrorCode, isOperonError, OperonError } from '../errors.ts';
import { createFakeClock } from '../queue/clock.ts';
import { createFakeRaw, type FakeRaw, type FakeRequest, type FakeStream } from '../watch/fake-raw.ts';
import type { WatchEvent } from '../watch/watch.ts';
import { createCache } from './cache.ts';
import { createInformer, type InformerErrorInfo, type InformerOptions } from './informer.ts';

type CM = ConfigMap;

const cm = (name: string, rv: string, data?: Record<string, string>): CM => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  ...(data ? { data } : {}),
});

async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

async function next(fake: FakeRaw, kind: 'list' | 'watch'): Promise<FakeRequest> {
  const r = await fake.request();
  assert.equal(r.kind, kind, `a ${kind} request (${JSON.stringify(r.query)})`);
  return r;
}

/** An informer on a fake client and clock, with a log of what its handlers saw and what it reported. */
function startInformer(options: InformerOptions<CM> = {}) {
  const fake = createFakeRaw();
  const clock = createFakeClock();
  const ac = new AbortController();
  const reported: Array<InformerErrorInfo & { message: string }> = [];
  const informer = createInformer(fake.client, ConfigMap, {
    clock,
    watch: { streamingList: false, backoff: { jitter: 0 } },
    onObjectError: (error, info) => reported.push({ ...info, message: error.message }),
    ...options,
  });
  const seen: string[] = [];
  informer.addHandlers({
    add: (o, info) =>
      seen.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}${info.initial ? ' initial' : ''}`),
    update: (old, o) =>
      seen.push(
        `update ${o.metadata?.name}@${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`,
      ),
    delete: (o, info) => seen.push(`delete ${o.metadata?.name}${info.missed ? ' missed' : ''}`),
  });
  const running = informer.start(ac.signal);
  return {
    fake,
    clock,
    informer,
    seen,
    reported,
    async listAndWatch(items: CM[], rv: string): Promise<FakeStream> {
      (await next(fake, 'list')).list(items, rv);
      const s = (await next(fake, 'watch')).stream();
      await informer.waitForSync();
      return s;
    },
    async stop() {
      ac.abort();
      await running;
      assert.equal(fake.openStreams, 0, 'no stream left open');
      assert.equal(clock.pendingTimers(), 0, 'no timer left behind');
    },
  };
}

describe('informer: what it stores', () => {
  it('stores objects as served, with the strings they repeat shared (namespace, owner kinds, apiVersion)', async () => {
    const t = startInformer();
    const owned = (name: string, rv: string): CM => ({
      ...cm(name, rv),
      metadata: {
        ...cm(name, rv).metadata,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'u1', controller: true },
        ],
      },
    });
    const s = await t.listAndWatch([owned('a', '5')], '10');
    s.push('ADDED', owned('b', '11'));
    s.push('ADDED', { ...cm('c', '12'), apiVersion: 'v1beta9', kind: 'ConfigMap' });
    await until(() => t.informer.store.has('ns/c'), 'c arrives');
    assert.deepEqual(t.informer.store.get('ns/a'), owned('a', '5'));
    assert.deepEqual(t.informer.store.get('ns/b'), owned('b', '11'));
    assert.equal(t.informer.store.get('ns/c')?.apiVersion, 'v1beta9', 'another apiVersion is kept as served');
    assert.ok(Object.isFrozen(t.informer.store.get('ns/b')?.metadata?.ownerReferences?.[0]));
    await t.stop();
  });
});

describe('informer: one bad object never stops it', () => {
  it('skips an object its transform throws on, reports it, and goes on with the next', async () => {
    const t = startInformer({
      transform: (o) => {
        if (o.data?.bad) throw new Error('cannot transform');
        return o;
      },
    });
    const s = await t.listAndWatch([cm('a', '5'), cm('x', '6', { bad: '1' })], '10');
    s.push('ADDED', cm('b', '11', { bad: '1' }));
    s.push('MODIFIED', cm('a', '12', { bad: '1' }));
    s.push('ADDED', cm('c', '13'));
    await until(() => t.informer.store.has('ns/c'), 'c arrives');
    assert.deepEqual([...t.informer.store.keys()].sort(), ['ns/a', 'ns/c']);
    assert.equal(
      t.informer.store.get('ns/a')?.metadata?.resourceVersion,
      '5',
      'a failed update keeps what was stored',
    );
    assert.deepEqual(t.seen, ['add a@5 initial', 'add c@13']);
    assert.deepEqual(
      t.reported.map((r) => `${r.stage} ${r.key}`),
      ['transform ns/x', 'transform ns/b', 'transform ns/a'],
    );
    assert.equal(t.informer.stats().skipped, 3);
    await t.stop();
  });

  it('calls the other handlers when one throws, and keeps the store whole', async () => {
    const t = startInformer();
    const others: string[] = [];
    t.informer.addHandlers({
      add: (o) => {
        if (o.metadata?.name === 'b') throw new Error('handler bug');
      },
      update: () => {
        throw 'not even an Error';
      },
    });
    t.informer.addHandlers({
      add: (o) => others.push(o.metadata!.name!),
      update: (_p, o) => others.push(`~${o.metadata!.name}`),
    });
    const s = await t.listAndWatch([cm('a', '5')], '10');
    s.push('ADDED', cm('b', '11'));
    s.push('MODIFIED', cm('a', '12'));
    s.push('ADDED', cm('c', '13'));
    await until(() => others.length === 4, 'the other handler saw everything');
    assert.deepEqual(others, ['a', 'b', '~a', 'c']);
    assert.equal(t.informer.store.size, 3);
    assert.deepEqual(
      t.reported.map((r) => `${r.stage} ${r.key}`),
      ['handler ns/b', 'handler ns/a'],
    );
    await t.stop();
  });

  it('stores an object an index function throws on, readable by key and absent from that index', async () => {
    const t = startInformer({
      indexers: {
        owner: (o) => {
          if (o.metadata?.name === 'b') throw new Error('index bug');
          return [o.data?.owner ?? ''];
        },
        broken: () => 'not an array' as never,
      },
    });
    const s = await t.listAndWatch([cm('a', '5', { owner: 'o1' })], '10');
    s.push('ADDED', cm('b', '11', { owner: 'o1' }));
    s.push('ADDED', cm('c', '12', { owner: 'o1' }));
    await until(() => t.informer.store.has('ns/c'), 'c arrives');
    assert.equal(t.informer.store.get('ns/b')?.metadata?.name, 'b');
    assert.deepEqual(
      t.informer.store
        .byIndex('owner', 'o1')
        .map((o) => o.metadata?.name)
        .sort(),
      ['a', 'c'],
    );
    assert.deepEqual(t.seen, ['add a@5 initial', 'add b@11', 'add c@12']);
    assert.ok(t.reported.some((r) => r.stage === 'index' && r.key === 'ns/b' && /index bug/.test(r.message)));
    assert.ok(t.reported.some((r) => r.stage === 'index' && /broken/.test(r.message)));
    await t.stop();
  });

  it('skips a watch line that is not JSON or has no name, reported as decode, and goes on', async () => {
    const t = startInformer();
    const s = await t.listAndWatch([], '10');
    s.pushLine('{not json');
    s.push('ADDED', { metadata: { namespace: 'ns' } });
    s.push('ADDED', cm('b', '11'));
    await until(() => t.informer.store.has('ns/b'), 'b arrives');
    assert.deepEqual(
      t.reported.map((r) => r.stage),
      ['decode', 'decode'],
    );
    assert.equal(t.informer.stats().errors, 0, 'no watch error');
    await t.stop();
  });

  it('goes on when its own callbacks (onError, onObjectError) throw', async () => {
    const t = startInformer({
      onError: () => {
        throw new Error('onError bug');
      },
      onObjectError: () => {
        throw new Error('onObjectError bug');
      },
      transform: (o) => {
        if (o.metadata?.name === 'x') throw new Error('no');
        return o;
      },
    });
    const s = await t.listAndWatch([], '10');
    s.push('ADDED', cm('x', '11'));
    s.push('ERROR', { kind: 'Status', code: 500, message: 'boom' });
    await until(() => t.informer.stats().errors === 1, 'the error is seen');
    t.clock.advance(800);
    (await next(t.fake, 'list')).list([cm('b', '20')], '20');
    await until(() => t.informer.store.has('ns/b'), 'the informer relisted');
    await t.stop();
  });
});

describe('informer: deletes, relists and health', () => {
  it('calls delete handlers only for objects the store held', async () => {
    const t = startInformer({
      transform: (o) => {
        if (o.metadata?.name === 'skipped') throw new Error('no');
        return o;
      },
    });
    const s = await t.listAndWatch([cm('a', '5'), cm('skipped', '6')], '10');
    s.push('DELETED', cm('never-seen', '11'));
    s.push('DELETED', cm('skipped', '12'));
    s.push('DELETED', cm('a', '13'));
    await until(() => t.seen.length === 2, 'delete of a');
    assert.deepEqual(t.seen, ['add a@5 initial', 'delete a']);
    await t.stop();
  });

  it('after 410 relists and tells handlers what changed and what was deleted meanwhile (missed)', async () => {
    const t = startInformer();
    const s = await t.listAndWatch([cm('a', '5'), cm('b', '6'), cm('c', '7')], '10');
    s.push('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    await until(() => t.informer.stats().errors === 1, 'the 410');
    t.clock.advance(800);
    const relist = await next(t.fake, 'list');
    assert.equal(relist.query.resourceVersion, '10');
    relist.list([cm('a', '5'), cm('c', '30'), cm('d', '31')], '40');
    await until(() => t.informer.stats().lists === 2, 'relisted');
    assert.deepEqual(t.seen.slice(3), ['update c@7->30', 'add d@31', 'delete b missed']);
    assert.deepEqual([...t.informer.store.keys()].sort(), ['ns/a', 'ns/c', 'ns/d']);
    await t.stop();
  });

  it('counts a watch the server accepted as healthy, though nothing happens on it', async () => {
    const t = startInformer();
    const s = await t.listAndWatch([], '10');
    s.push('ADDED', cm('a', '11'));
    s.end();
    // The watch is refused for a while (429): unhealthy, and resumed without a list.
    (await next(t.fake, 'watch')).fail(429, 'TooManyRequests');
    await until(() => t.informer.stats().errors === 1, 'error');
    assert.equal(t.informer.stats().healthy, false);
    t.clock.advance(800);
    (await next(t.fake, 'watch')).stream();
    await flush();
    assert.equal(t.informer.stats().healthy, false, 'not before the watch has proven itself');
    t.clock.advance(1000);
    await until(() => t.informer.stats().healthy, 'healthy after a second of quiet watching');
    assert.equal(t.informer.stats().unhealthySince, 0);
    await t.stop();
  });

  it('stops, sending nothing more and leaving no timer, once its client is closed', async () => {
    const fake = createFakeRaw();
    const clock = createFakeClock();
    const reported: string[] = [];
    const informer = createInformer(fake.client, ConfigMap, {
      clock,
      watch: { streamingList: false, backoff: { jitter: 0 } },
      onObjectError: (error, info) => reported.push(`${info.stage}: ${error.message}`),
    });
    const ac = new AbortController();
    const running = informer.start(ac.signal);
    (await next(fake, 'list')).list([cm('a', '5')], '5');
    const s = (await next(fake, 'watch')).stream();
    await informer.waitForSync();
    s.break(new Error('connection reset'));
    await until(() => informer.stats().errors === 1, 'the break reported');
    clock.advance(1000); // the watch's backoff (800 ms, no jitter), then it relists
    // The client was closed meanwhile: its next request is refused before anything is sent.
    (await next(fake, 'list')).reject(new OperonError(ErrorCode.ClientClosed, 'This client is closed.'));
    // start() ends by itself, without its signal: backing off forever would help nothing.
    await running;
    assert.equal(ac.signal.aborted, false);
    const made = fake.made;
    clock.advance(120_000);
    await flush();
    assert.equal(fake.made, made, 'no request after the client closed');
    assert.equal(clock.pendingTimers(), 0, 'no timer left behind');
    assert.equal(informer.stats().healthy, false);
    assert.ok(
      reported.some((r) => r.startsWith('loop:') && r.includes('client is closed')),
      reported.join('; '),
    );
  });

  it('restarts a loop that ended by itself, with backoff, and needs a resync until it has listed again', async () => {
    const clock = createFakeClock();
    const ends: Array<() => void> = [];
    let starts = 0;
    const lists: CM[][] = [[cm('a', '5'), cm('b', '6')], [cm('a', '5')], [cm('a', '5'), cm('c', '9')]];
    async function* watcher(): AsyncGenerator<WatchEvent<CM>> {
      const objects = lists[starts++] ?? [];
      yield { type: 'list', objects, resourceVersion: String(10 * starts), relist: false };
      await new Promise<void>((resolve) => ends.push(resolve));
      if (starts === 2) throw new Error('the source broke');
    }
    const reported: string[] = [];
    const informer = createInformer({ raw: undefined as never }, ConfigMap, {
      clock,
      watcher,
      onObjectError: (e, info) => reported.push(`${info.stage}: ${e.message}`),
    });
    const seen: string[] = [];
    informer.addHandlers({
      add: (o, i) => seen.push(`add ${o.metadata?.name}${i.initial ? ' initial' : ''}`),
      delete: (o, i) => seen.push(`delete ${o.metadata?.name}${i.missed ? ' missed' : ''}`),
    });
    const ac = new AbortController();
    const running = informer.start(ac.signal);
    await informer.waitForSync();
    assert.equal(informer.stats().needsResync, false);
    // The source ends by itself.
    ends.shift()!();
    await until(() => informer.stats().restarts === 1, 'restart noticed');
    assert.equal(informer.stats().needsResync, true);
    assert.equal(informer.stats().healthy, false);
    assert.equal(starts, 1, 'not restarted before the backoff');
    const first = clock.nextTimerAt()!;
    assert.ok(first >= 800 && first <= 1600, `first backoff ${first} in [800, 1600]`);
    clock.advance(first);
    await until(() => starts === 2 && !informer.stats().needsResync, 'restarted and resynced');
    assert.deepEqual(seen, ['add a initial', 'add b initial', 'delete b missed']);
    // It throws this time: restarted again, with a longer backoff.
    ends.shift()!();
    await until(() => informer.stats().restarts === 2, 'second restart noticed');
    const second = clock.nextTimerAt()! - clock.now();
    assert.ok(second >= 1600 && second <= 3200, `second backoff ${second} in [1600, 3200]`);
    clock.advance(second);
    await until(() => starts === 3 && !informer.stats().needsResync, 'restarted again');
    assert.deepEqual(seen.slice(3), ['add c']);
    assert.equal(reported.filter((r) => r.startsWith('loop')).length, 2);
    assert.ok(reported[1]?.includes('the source broke'), reported[1]);
    ac.abort();
    ends.shift()?.();
    await running;
    assert.equal(clock.pendingTimers(), 0);
  });
});

/** A client for the cache with raw list/watch from a fake; the cache uses nothing else here. */
function fakeClient(fake: FakeRaw): Client {
  return { raw: fake.client.raw, onWrite: () => () => true, path: resourcePath } as unknown as Client;
}

describe('cache: sync timeout', () => {
  for (const [status, cause] of [
    [403, /forbidden: grant this identity list and watch on configmaps \(RBAC/],
    [404, /CustomResourceDefinition installed/],
  ] as const) {
    it(`rejects waitForSync after syncTimeoutMs, naming the kind not synced and the likely cause (${status})`, async () => {
      const fake = createFakeRaw();
      const clock = createFakeClock();
      const cache = createCache(fakeClient(fake), {
        clock,
        syncTimeoutMs: 5000,
        informer: { watch: { backoff: { jitter: 0 } } },
      });
      cache.informerFor(ConfigMap);
      const ac = new AbortController();
      const running = cache.start(ac.signal);
      const synced = cache.waitForSync();
      let settled = false;
      synced.then(
        () => (settled = true),
        () => (settled = true),
      );
      // The streaming list is refused, then the LIST.
      (await next(fake, 'watch')).fail(status);
      (await next(fake, 'list')).fail(status);
      await flush();
      clock.advance(4999);
      await flush();
      assert.equal(settled, false, 'still waiting before the timeout');
      // Answer the retries as they come, until the timeout.
      clock.advance(1);
      await assert.rejects(synced, (err: Error) => {
        assert.ok(isOperonError(err, ErrorCode.Timeout), String(err));
        assert.match(err.message, /did not sync within 5 s/);
        assert.match(err.message, /ConfigMap \(v1, all namespaces\)/);
        assert.match(err.message, cause);
        return true;
      });
      ac.abort();
      await running;
    });
  }

  it('resolves waitForSync when every informer syncs in time, leaving no timer', async () => {
    const fake = createFakeRaw();
    const clock = createFakeClock();
    const cache = createCache(fakeClient(fake), { clock, informer: { watch: { streamingList: false } } });
    cache.informerFor(ConfigMap);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    const synced = cache.waitForSync();
    (await next(fake, 'list')).list([cm('a', '1')], '1');
    await synced;
    assert.equal(cache.synced, true);
    ac.abort();
    await running;
    assert.equal(clock.pendingTimers(), 0);
  });
});

describe('cache: health', () => {
  it('turns unhealthy after unhealthyAfterMs of failing watches on the cache clock, and healthy again once a watch proves itself', async () => {
    const fake = createFakeRaw();
    const clock = createFakeClock({ start: 5_000 });
    const cache = createCache(fakeClient(fake), {
      clock,
      unhealthyAfterMs: 10_000,
      informer: { watch: { streamingList: false, backoff: { jitter: 0, initialMs: 1000, maxMs: 1000 } } },
    });
    cache.informerFor(ConfigMap);
    const ac = new AbortController();
    const running = cache.start(ac.signal);
    (await next(fake, 'list')).list([cm('a', '1')], '1');
    await cache.waitForSync();
    (await next(fake, 'watch')).fail(500, 'InternalError');
    await until(() => cache.stats()[0]?.errors === 1, 'the watch error');
    assert.equal(cache.healthy, true, 'a brief outage is not a reason to restart');
    // The server keeps failing: each retry comes after a second and fails again.
    for (let s = 1; s < 10; s++) {
      clock.advance(1000);
      const r = await fake.request();
      r.fail(500, 'InternalError');
      await until(() => cache.stats()[0]?.errors === s + 1, `error ${s + 1}`);
    }
    clock.advance(999);
    await flush();
    assert.equal(cache.healthy, true, 'not yet unhealthyAfterMs');
    clock.advance(1);
    await flush();
    assert.equal(cache.healthy, false, 'failing for unhealthyAfterMs on the cache clock');
    // The next retry relists, watches and the watch stays open: healthy again.
    const relist = await fake.request();
    if (relist.kind === 'list') {
      relist.list([cm('a', '1')], '1');
      (await next(fake, 'watch')).stream();
    } else relist.stream();
    clock.advance(1000);
    await until(() => cache.healthy, 'healthy once a watch proved itself');
    ac.abort();
    await running;
  });
});

describe('informer: waitFor', () => {
  it('times out on the informer clock, and with an infinite timeout waits for the object instead of giving up at once', async () => {
    const t = startInformer();
    const s = await t.listAndWatch([], '10');
    let timedOut: boolean | undefined;
    void t.informer.waitFor('ns/late', (o) => o !== undefined, 5000).then((r) => (timedOut = r));
    let forever: boolean | undefined;
    void t.informer
      .waitFor('ns/late', (o) => o !== undefined, Number.POSITIVE_INFINITY)
      .then((r) => (forever = r));
    await flush();
    assert.equal(timedOut, undefined);
    assert.equal(forever, undefined, 'an infinite timeout has not passed');
    t.clock.advance(5000);
    await flush();
    assert.equal(timedOut, false, 'false after timeoutMs on the informer clock');
    s.push('ADDED', cm('late', '11'));
    await until(() => forever !== undefined, 'the object arrived');
    assert.equal(forever, true);
    await t.stop();
  });
});
