/**
 * Read-your-own-writes, against a fake cluster: a server that numbers its writes like etcd, a
 * watch queue that the informer consumes only when the test says (in order, late, or skipped by
 * a relist), a client that reports its writes like the real one (possibly out of order), and a
 * fake clock. What the API server itself does is tested in test/read-your-writes.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ApiError } from '../client/api-error.ts';
import type { Client, ObjectList, WriteRecord } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { createFakeClock, type FakeClock } from '../queue/clock.ts';
import { type Cache, createCache } from './cache.ts';
import type { EventHandlers, Informer } from './informer.ts';
import { createStore, keyOf, objectKey } from './store.ts';

const Thing: ResourceType = {
  group: 'test.operon.dev',
  version: 'v1',
  apiVersion: 'test.operon.dev/v1',
  kind: 'Thing',
  plural: 'things',
  namespaced: true,
} as ResourceType;

const NS = 'ns';

type Event = { type: 'modified' | 'deleted'; object: KubernetesObject };

interface FakeInformer extends Informer<KubernetesObject> {
  /** Processes the next event of the watch queue; false when it is empty. */
  deliver(): boolean;
  /** Replaces the store with the server's current state, as after a 410 relist. */
  relist(): void;
  /** A bookmark at the server's revision (only when nothing is queued: a watch cannot skip events). */
  bookmark(): void;
  /** Moves the informer's progress to `rv` without events (for volume tests of reported writes). */
  progressTo(rv: string): void;
  readonly queued: number;
}

interface FakeCluster {
  clock: FakeClock;
  client: Client;
  cache: Cache;
  informer: FakeInformer;
  /** The server's objects by key. */
  objects: Map<string, KubernetesObject>;
  /** The last revision the server handed out. */
  revision(): number;
  /**
   * A write by this client: the server applies it now; `notify()` reports it later, so that
   * concurrent writes can be reported out of order.
   */
  write(name: string, data?: Record<string, string>): { object: KubernetesObject; notify: () => void };
  /** A delete by this client; `withObject`: the server answers with the deleted object (and its deletion resourceVersion), else with a Status. */
  remove(name: string, withObject: boolean): { notify: () => void } | undefined;
  /** A write by someone else (no notification). */
  external(name: string, data?: Record<string, string>): KubernetesObject;
  externalDelete(name: string): void;
  /** Reports a write as the client would, without the server (for volume tests). */
  report(write: Omit<WriteRecord, 'type' | 'namespace'>): void;
  /** Requests that reached the fake API server, by kind. */
  serverReads: { get: number; list: number };
  stop(): Promise<void>;
}

interface FakeClusterOptions {
  readYourWritesTimeoutMs?: number;
  readYourWritesMaxPending?: number;
}

/** Lets every pending promise callback run (the fake world has no I/O to wait for). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

async function startFakeCluster(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  const clock = createFakeClock();
  let revision = 1;
  let uids = 0;
  const objects = new Map<string, KubernetesObject>();
  const queue: Event[] = [];
  const listeners = new Set<(w: WriteRecord) => void>();
  const serverReads = { get: 0, list: 0 };

  const report = (w: WriteRecord) => {
    for (const l of listeners) l(w);
  };
  const notFound = (name: string) =>
    new ApiError({
      status: 404,
      reason: 'NotFound',
      message: `${name} not found`,
      method: 'GET',
      path: name,
    });

  const client = {
    onWrite(listener: (w: WriteRecord) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async get(_type: ResourceType, name: string, o: { namespace?: string } = {}) {
      serverReads.get++;
      const object = objects.get(keyOf(name, o.namespace));
      if (!object) throw notFound(name);
      return structuredClone(object);
    },
    async list(_type: ResourceType, o: { namespace?: string } = {}): Promise<ObjectList<KubernetesObject>> {
      serverReads.list++;
      const items = [...objects.values()].filter(
        (x) => !o.namespace || x.metadata?.namespace === o.namespace,
      );
      return { metadata: { resourceVersion: String(revision) }, items: structuredClone(items) };
    },
    path: (_type: ResourceType, o: { name?: string } = {}) => `/things/${o.name ?? ''}`,
  } as unknown as Client;

  // The informer: a real store, fed only when the test delivers.
  const store = createStore<KubernetesObject>();
  const handlers = new Set<EventHandlers<KubernetesObject>>();
  const keyWaiters = new Map<string, Set<(o: KubernetesObject | undefined) => void>>();
  const progressWaiters = new Set<() => void>();
  let progress = String(revision);
  const reached = (rv: string | undefined) => rv !== undefined && Number(progress) >= Number(rv);
  const changed = (key: string, object: KubernetesObject | undefined) => {
    for (const w of [...(keyWaiters.get(key) ?? [])]) w(object);
  };
  const progressed = () => {
    for (const w of [...progressWaiters]) w();
  };

  const informer: FakeInformer = {
    type: Thing as ResourceType<KubernetesObject>,
    store,
    addIndex: (name, fn) => store.addIndex(name, fn),
    synced: true,
    get queued() {
      return queue.length;
    },
    start: (signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    waitForSync: async () => {},
    addHandlers(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    waitFor(key, check, timeoutMs, signal, upTo) {
      if (check(store.get(key)) || reached(upTo)) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const set = keyWaiters.get(key) ?? new Set();
        keyWaiters.set(key, set);
        const finish = (ok: boolean) => {
          clock.clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          set.delete(onChange);
          progressWaiters.delete(onProgress);
          resolve(ok);
        };
        const onChange = (o: KubernetesObject | undefined) => {
          if (check(o)) finish(true);
        };
        const onProgress = () => {
          if (reached(upTo)) finish(true);
        };
        const onAbort = () => finish(false);
        const timer = clock.setTimeout(() => finish(false), timeoutMs);
        if (signal?.aborted) return finish(false);
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(onChange);
        if (upTo !== undefined) progressWaiters.add(onProgress);
      });
    },
    deliver() {
      const event = queue.shift();
      if (!event) return false;
      const key = objectKey(event.object);
      progress = event.object.metadata?.resourceVersion ?? progress;
      if (event.type === 'deleted') {
        const previous = store.remove(key);
        for (const h of handlers) h.delete?.(previous ?? event.object, { missed: false });
        changed(key, undefined);
      } else {
        store.upsert(event.object);
        changed(key, event.object);
      }
      progressed();
      return true;
    },
    relist() {
      queue.length = 0;
      progress = String(revision);
      const previous = store.replace([...objects.values()].map((o) => Object.freeze(structuredClone(o))));
      for (const o of store.list()) {
        const key = objectKey(o);
        previous.delete(key);
        changed(key, o);
      }
      for (const [key, gone] of previous) {
        for (const h of handlers) h.delete?.(gone, { missed: true });
        changed(key, undefined);
      }
      progressed();
    },
    bookmark() {
      if (queue.length > 0) return;
      progress = String(revision);
      progressed();
    },
    progressTo(rv) {
      progress = rv;
      progressed();
    },
    stats: () => ({
      objects: store.size,
      events: 0,
      lists: 1,
      errors: 0,
      staleDropped: 0,
      lastEventAt: 0,
      resourceVersion: progress,
      healthy: true,
      unhealthySince: 0,
      unhealthyForMs: 0,
      skipped: 0,
      restarts: 0,
      needsResync: false,
      lastError: undefined,
    }),
    approximateBytes: () => 0,
  };

  function put(name: string, data: Record<string, string> | undefined): KubernetesObject {
    const key = keyOf(name, NS);
    const previous = objects.get(key);
    revision++;
    const object: KubernetesObject = {
      apiVersion: Thing.apiVersion,
      kind: Thing.kind,
      metadata: {
        name,
        namespace: NS,
        uid: previous?.metadata?.uid ?? `uid-${++uids}`,
        resourceVersion: String(revision),
      },
      ...(data ? { data } : {}),
    } as KubernetesObject;
    objects.set(key, object);
    queue.push({ type: 'modified', object: Object.freeze(structuredClone(object)) });
    return object;
  }

  function del(name: string): KubernetesObject | undefined {
    const key = keyOf(name, NS);
    const previous = objects.get(key);
    if (!previous) return undefined;
    objects.delete(key);
    revision++;
    const gone = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(revision) } };
    queue.push({ type: 'deleted', object: Object.freeze(structuredClone(gone)) });
    return gone;
  }

  const cache = createCache(
    client,
    {
      clock,
      ...(options.readYourWritesTimeoutMs !== undefined
        ? { readYourWritesTimeoutMs: options.readYourWritesTimeoutMs }
        : {}),
      ...(options.readYourWritesMaxPending !== undefined
        ? { readYourWritesMaxPending: options.readYourWritesMaxPending }
        : {}),
    },
    { createInformer: (() => informer) as never },
  );
  const ac = new AbortController();
  const running = cache.start(ac.signal);
  cache.informerFor(Thing);

  return {
    clock,
    client,
    cache,
    informer,
    objects,
    revision: () => revision,
    serverReads,
    write(name, data) {
      const object = put(name, data);
      const record: WriteRecord = {
        type: Thing,
        namespace: NS,
        name,
        resourceVersion: object.metadata?.resourceVersion,
        deleted: false,
        uid: object.metadata?.uid,
      };
      return { object, notify: () => report(record) };
    },
    remove(name, withObject) {
      const gone = del(name);
      if (!gone) return undefined;
      const record: WriteRecord = {
        type: Thing,
        namespace: NS,
        name,
        resourceVersion: withObject ? gone.metadata?.resourceVersion : undefined,
        deleted: true,
        uid: gone.metadata?.uid,
      };
      return { notify: () => report(record) };
    },
    report: (w) => report({ type: Thing, namespace: NS, ...w }),
    external: (name, data) => put(name, data),
    externalDelete: (name) => void del(name),
    async stop() {
      ac.abort();
      await running;
    },
  };
}

interface Tracked<T> {
  done: boolean;
  value: T | undefined;
  error: unknown;
  promise: Promise<void>;
}

function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { done: false, value: undefined, error: undefined, promise: Promise.resolve() };
  t.promise = promise.then(
    (v) => {
      t.done = true;
      t.value = v;
    },
    (e: unknown) => {
      t.done = true;
      t.error = e;
    },
  );
  return t;
}

const dataOf = (o: KubernetesObject | undefined) =>
  (o as { data?: Record<string, string> } | undefined)?.data;
const isNotFound = (e: unknown) => e instanceof ApiError && e.status === 404;

describe('read-your-own-writes', () => {
  it('after a read fell back to the API server, the next cached read still does not return the object from before the write', async () => {
    const f = await startFakeCluster();
    f.external('a', { v: '1' });
    f.informer.deliver();
    f.write('a', { v: '2' }).notify();
    const first = track(f.cache.get(Thing, 'a', { namespace: NS }));
    await settle();
    assert.equal(first.done, false, 'the read waits for the informer');
    f.clock.advance(2000);
    await first.promise;
    assert.deepEqual(dataOf(first.value), { v: '2' }, 'after the timeout the server answered');
    assert.equal(f.serverReads.get, 1);
    // The informer is still behind: the next read must not answer from its past.
    const second = track(f.cache.get(Thing, 'a', { namespace: NS }));
    await settle();
    assert.equal(second.done, true, 'a write already waited for in vain is not waited for again');
    assert.deepEqual(dataOf(second.value), { v: '2' });
    assert.equal(f.serverReads.get, 2);
    f.informer.deliver();
    const third = await f.cache.get(Thing, 'a', { namespace: NS });
    assert.deepEqual(dataOf(third), { v: '2' });
    assert.equal(f.serverReads.get, 2, 'once caught up, the cache answers');
    assert.equal(f.cache.readYourWrites.fellBack, 2);
    await f.stop();
  });

  it('after a fallback, a get after our delete still does not return the deleted object', async () => {
    const f = await startFakeCluster();
    f.external('a', { v: '1' });
    f.informer.deliver();
    f.remove('a', false)?.notify();
    const first = track(f.cache.get(Thing, 'a', { namespace: NS }));
    await settle();
    f.clock.advance(2000);
    await first.promise;
    assert.ok(isNotFound(first.error), 'the server says it is gone');
    await assert.rejects(f.cache.get(Thing, 'a', { namespace: NS }), isNotFound);
    f.informer.deliver();
    await assert.rejects(f.cache.get(Thing, 'a', { namespace: NS }), isNotFound);
    assert.equal(f.serverReads.get, 2, 'the informer saw the delete: the cache answers');
    await f.stop();
  });

  it('tracks the highest resourceVersion of a key, not the last one reported', async () => {
    const f = await startFakeCluster();
    const older = f.write('a', { v: '1' });
    const newer = f.write('a', { v: '2' });
    // Two workers' answers arrive out of order.
    newer.notify();
    older.notify();
    f.informer.deliver();
    const read = track(f.cache.get(Thing, 'a', { namespace: NS }));
    await settle();
    assert.equal(read.done, false, 'the cache at the older write is not enough');
    f.informer.deliver();
    await read.promise;
    assert.deepEqual(dataOf(read.value), { v: '2' });
    assert.equal(f.serverReads.get, 0);
    await f.stop();
  });

  it('retains a bounded number of entries for 200,000 distinct written keys', async () => {
    const f = await startFakeCluster({ readYourWritesMaxPending: 1000 });
    // The watch keeps up: what it delivered is forgotten as writes come in.
    for (let i = 0; i < 100_000; i++) {
      const rv = String(10 + i);
      f.report({ name: `k${i}`, resourceVersion: rv, deleted: false });
      if (i % 10 === 9) f.informer.progressTo(rv);
    }
    assert.ok(f.cache.readYourWrites.pending <= 10, `kept ${f.cache.readYourWrites.pending} entries`);
    assert.equal(f.cache.readYourWrites.folded, 0);
    // The watch is stuck: entries are capped, the rest fold into one floor.
    for (let i = 100_000; i < 200_000; i++) {
      f.report({ name: `k${i}`, resourceVersion: String(10 + i), deleted: false });
    }
    assert.equal(f.cache.readYourWrites.pending, 1000);
    assert.ok(f.cache.readYourWrites.folded >= 98_000);
    // A folded write is still honoured: its read waits for the floor, then asks the server.
    const read = track(f.cache.get(Thing, 'k100000', { namespace: NS }));
    await settle();
    assert.equal(read.done, false, 'a read of a folded key waits for the informer');
    f.clock.advance(2000);
    await read.promise;
    assert.equal(f.serverReads.get, 1);
    f.informer.progressTo(String(10 + 200_000));
    await assert.rejects(f.cache.get(Thing, 'k5', { namespace: NS }), isNotFound);
    assert.equal(f.serverReads.get, 1, 'caught up: the cache answers, and forgets');
    assert.equal(f.cache.readYourWrites.pending, 0);
    await f.stop();
  });

  it('a list waits for the writes made before it, not for those other workers start after it', async () => {
    const f = await startFakeCluster();
    for (let i = 0; i < 5; i++) f.write(`mine-${i}`).notify();
    const list = track(f.cache.list(Thing, { namespace: NS }));
    await settle();
    assert.equal(list.done, false);
    // Other workers keep writing the kind: the informer stays five writes behind.
    let steps = 0;
    for (; steps < 50 && !list.done; steps++) {
      f.write(`other-${steps}`).notify();
      f.informer.deliver();
      await settle();
    }
    assert.equal(list.done, true, 'the list returned while writes went on');
    assert.equal(steps, 5, 'after exactly the writes it had to see');
    assert.equal(f.serverReads.list, 0, 'from the cache, not after a timeout');
    assert.equal(f.clock.now(), 0, 'no time passed');
    const names = (list.value?.items ?? []).map((o) => o.metadata?.name);
    for (let i = 0; i < 5; i++) assert.ok(names.includes(`mine-${i}`));
    await f.stop();
  });

  it('a get after our delete waits for the watch to deliver it, whether the server answered with the object or a Status', async () => {
    for (const withObject of [true, false]) {
      const f = await startFakeCluster();
      f.external('a');
      f.informer.deliver();
      f.remove('a', withObject)?.notify();
      const read = track(f.cache.get(Thing, 'a', { namespace: NS }));
      await settle();
      assert.equal(read.done, false, 'the stored object is the deleted one');
      f.informer.deliver();
      await read.promise;
      assert.ok(isNotFound(read.error));
      assert.equal(f.serverReads.get, 0);
      await f.stop();
    }
  });

  it("a get after our delete and someone else's re-create answers with the new object at once", async () => {
    for (const withObject of [true, false]) {
      const f = await startFakeCluster();
      f.external('a', { v: 'old' });
      f.informer.deliver();
      f.remove('a', withObject)?.notify();
      f.external('a', { v: 'new' });
      while (f.informer.deliver());
      const read = track(f.cache.get(Thing, 'a', { namespace: NS }));
      await settle();
      assert.equal(read.done, true, 'the informer is past the delete: no wait');
      assert.deepEqual(dataOf(read.value), { v: 'new' });
      assert.equal(f.serverReads.get, 0);
      await f.stop();
    }
  });

  it('rejects a bound that would not bound anything, with a clear error', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(startFakeCluster({ readYourWritesMaxPending: bad }), /readYourWritesMaxPending/);
    }
    await assert.rejects(
      startFakeCluster({ readYourWritesTimeoutMs: Number.NaN }),
      /readYourWritesTimeoutMs/,
    );
  });

  it('a delete without a resourceVersion that had to be folded away is still honoured', async () => {
    const f = await startFakeCluster({ readYourWritesMaxPending: 2 });
    for (const name of ['a', 'b', 'c']) f.external(name);
    while (f.informer.deliver());
    // Three deletes answered with a Status, and room for two: the oldest, a, folds away.
    for (const name of ['a', 'b', 'c']) f.remove(name, false)?.notify();
    assert.equal(f.cache.readYourWrites.folded, 1);
    assert.equal(f.cache.readYourWrites.pending, 2);
    const read = track(f.cache.get(Thing, 'a', { namespace: NS }));
    await settle();
    assert.equal(read.done, false, 'the read waits for a floor from the server');
    assert.equal(f.serverReads.list, 1, 'one LIST to learn the current resourceVersion');
    while (f.informer.deliver()) await settle();
    await read.promise;
    assert.ok(isNotFound(read.error));
    assert.equal(f.serverReads.get, 0);
    await f.stop();
  });
});

// The property: under any interleaving of our writes and deletes (answered in any order), others'
// writes, watch delivery (in order, late, or replaced by a relist), bookmarks, time passing and
// reads, a read after a write never answers older than the write. RYW_RUNS=5000 searches longer.

type Op =
  | { op: 'write'; key: number }
  | { op: 'delete'; key: number; withObject: boolean }
  | { op: 'notify'; pick: number }
  | { op: 'external'; key: number }
  | { op: 'externalDelete'; key: number }
  | { op: 'deliver'; count: number }
  | { op: 'relist' }
  | { op: 'bookmark' }
  | { op: 'advance'; ms: number }
  | { op: 'get'; key: number }
  | { op: 'list' };

const KEYS = ['a', 'b', 'c'];
const key = fc.integer({ min: 0, max: KEYS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('write' as const), key }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), key, withObject: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('notify' as const), pick: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('external' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('externalDelete' as const), key }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('deliver' as const), count: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('relist' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('bookmark' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2500 }) }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('get' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('list' as const) }) },
);

/** Reads checked against a write of ours, over all runs (the property must not hold vacuously). */
let checked = 0;

/** What this client was told about a key: its highest write, by the server's revision. */
interface Known {
  rev: number;
  deleted: boolean;
}

/** Runs `ops` against the fake cluster and returns every read that answered older than a write. */
async function runModel(ops: readonly Op[], maxPending?: number): Promise<string[]> {
  const f = await startFakeCluster(maxPending !== undefined ? { readYourWritesMaxPending: maxPending } : {});
  const unreported: Array<{ key: string; known: Known; notify: () => void }> = [];
  const known = new Map<string, Known>();
  const deletes = new Map<string, number[]>();
  const violations: string[] = [];
  const reads: Array<Promise<void>> = [];

  const deletedAfter = (k: string, rev: number) => (deletes.get(k) ?? []).some((d) => d > rev);
  /** Whether `object` (undefined: not found) may answer a read of `k` made when `required` was known. */
  function check(what: string, k: string, required: Known | undefined, object: KubernetesObject | undefined) {
    if (!required) return;
    checked++;
    if (object === undefined) {
      if (!required.deleted && !deletedAfter(k, required.rev))
        violations.push(`${what} ${k}: not found, but our write at ${required.rev} made it`);
      return;
    }
    const rv = Number(object.metadata?.resourceVersion);
    if (required.deleted ? rv <= required.rev : rv < required.rev)
      violations.push(
        `${what} ${k}: answered ${rv}, older than our ${required.deleted ? 'delete' : 'write'} at ${required.rev}`,
      );
  }

  for (const o of ops) {
    switch (o.op) {
      case 'write': {
        const k = KEYS[o.key]!;
        const { object, notify } = f.write(k, { at: String(f.revision() + 1) });
        unreported.push({
          key: k,
          known: { rev: Number(object.metadata?.resourceVersion), deleted: false },
          notify,
        });
        break;
      }
      case 'delete': {
        const k = KEYS[o.key]!;
        const r = f.remove(k, o.withObject);
        if (!r) break;
        deletes.set(k, [...(deletes.get(k) ?? []), f.revision()]);
        unreported.push({ key: k, known: { rev: f.revision(), deleted: true }, notify: r.notify });
        break;
      }
      case 'notify': {
        if (unreported.length === 0) break;
        const [w] = unreported.splice(o.pick % unreported.length, 1);
        w!.notify();
        const previous = known.get(w!.key);
        if (!previous || previous.rev < w!.known.rev) known.set(w!.key, w!.known);
        break;
      }
      case 'external':
        f.external(KEYS[o.key]!);
        break;
      case 'externalDelete': {
        const k = KEYS[o.key]!;
        if (!f.objects.has(keyOf(k, NS))) break;
        f.externalDelete(k);
        deletes.set(k, [...(deletes.get(k) ?? []), f.revision()]);
        break;
      }
      case 'deliver':
        for (let i = 0; i < o.count; i++) f.informer.deliver();
        break;
      case 'relist':
        f.informer.relist();
        break;
      case 'bookmark':
        f.informer.bookmark();
        break;
      case 'advance':
        f.clock.advance(o.ms);
        break;
      case 'get': {
        const k = KEYS[o.key]!;
        const required = known.get(k);
        reads.push(
          f.cache.get(Thing, k, { namespace: NS }).then(
            (object) => check('get', k, required, object),
            (err: unknown) => {
              if (isNotFound(err)) check('get', k, required, undefined);
              else violations.push(`get ${k}: ${String(err)}`);
            },
          ),
        );
        break;
      }
      case 'list': {
        const required = new Map(known);
        reads.push(
          f.cache.list(Thing, { namespace: NS }).then((list) => {
            for (const k of KEYS) {
              const item = list.items.find((i) => i.metadata?.name === k);
              check('list', k, required.get(k), item);
            }
          }),
        );
        break;
      }
    }
    await settle();
  }
  // Every read ends: the watch catches up, or time runs out and the server answers.
  let finished = false;
  void Promise.all(reads).then(() => {
    finished = true;
  });
  for (let round = 0; round < 20 && !finished; round++) {
    while (f.informer.deliver());
    f.clock.advance(2000);
    await settle();
  }
  if (!finished) violations.push('a read never returned');
  await f.stop();
  return violations;
}

// Failing cases the property found, kept as regression tests (shrunk by fast-check).
const REGRESSIONS: Array<{ name: string; maxPending?: number; ops: Op[] }> = [
  {
    // c72c31a: after a fallback the write was forgotten, and the next read answered from before it.
    name: 'a list after a timed-out get still shows our write',
    ops: [
      { op: 'write', key: 0 },
      { op: 'notify', pick: 0 },
      { op: 'get', key: 0 },
      { op: 'get', key: 0 },
      { op: 'notify', pick: 0 },
      { op: 'advance', ms: 1354 },
      { op: 'advance', ms: 646 },
      { op: 'list' },
      { op: 'write', key: 0 },
      { op: 'externalDelete', key: 0 },
      { op: 'notify', pick: 0 },
      { op: 'relist' },
      { op: 'deliver', count: 1 },
      { op: 'notify', pick: 0 },
      { op: 'list' },
      { op: 'get', key: 0 },
      { op: 'get', key: 0 },
      { op: 'relist' },
      { op: 'write', key: 0 },
      { op: 'notify', pick: 0 },
      { op: 'get', key: 0 },
      { op: 'externalDelete', key: 0 },
    ],
  },
  {
    // A delete answered with a Status, reported before the (older) write of the same object.
    name: 'a delete without a resourceVersion reported before an older write',
    maxPending: 2,
    ops: [
      { op: 'write', key: 2 },
      { op: 'relist' },
      { op: 'delete', key: 2, withObject: false },
      { op: 'notify', pick: 3 },
      { op: 'notify', pick: 0 },
      { op: 'get', key: 2 },
    ],
  },
  {
    // A get that found the deleted object absent (not yet arrived) must not forget the delete.
    name: 'an absent object does not confirm a delete',
    maxPending: 2,
    ops: [
      { op: 'write', key: 0 },
      { op: 'write', key: 0 },
      { op: 'write', key: 1 },
      { op: 'delete', key: 0, withObject: true },
      { op: 'external', key: 0 },
      { op: 'notify', pick: 0 },
      { op: 'notify', pick: 0 },
      { op: 'notify', pick: 0 },
      { op: 'notify', pick: 0 },
      { op: 'get', key: 0 },
      { op: 'list' },
      { op: 'deliver', count: 3 },
    ],
  },
];

describe('read-your-own-writes, as a property', () => {
  for (const r of REGRESSIONS) {
    it(`regression: ${r.name}`, async () => {
      assert.deepEqual(await runModel(r.ops, r.maxPending), []);
    });
  }

  it('a read after a write never answers older than the write, under any interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 60 }), async (ops) => {
        assert.deepEqual(await runModel(ops), []);
      }),
      { numRuns: Number(process.env.RYW_RUNS ?? 400) },
    );
    assert.ok(checked > 1000, `only ${checked} reads came after a write of ours`);
  });

  it('holds too when writes fold into the floor (two writes remembered per kind)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 60 }), async (ops) => {
        assert.deepEqual(await runModel(ops, 2), []);
      }),
      { numRuns: Number(process.env.RYW_RUNS ?? 300) },
    );
  });
});
