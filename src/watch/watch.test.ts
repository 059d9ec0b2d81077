import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../client/api-error.ts';
import { ConfigMap } from '../client/types/core-v1.ts';
import { ErrorCode, isOperonError, OperonError } from '../errors.ts';
import { createFakeClock } from '../queue/clock.ts';
import { createFakeRaw, type FakeRequest } from './fake-raw.ts';
import {
  isTooLargeResourceVersion,
  recoveryFor,
  type WatchEvent,
  type WatchOptions,
  watch,
} from './watch.ts';

type CM = ConfigMap;

const cm = (name: string, rv: string, data?: Record<string, string>): CM => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  ...(data ? { data } : {}),
});

/** Lets pending promise callbacks run (no timers: the clock is fake). */
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

/** A watch against a fake raw client and a fake clock, its events collected as they come. */
function startWatch(options: Partial<WatchOptions> = {}) {
  const fake = createFakeRaw();
  const clock = createFakeClock();
  const ac = new AbortController();
  const events: WatchEvent<CM>[] = [];
  const skipped: string[] = [];
  const done = (async () => {
    for await (const e of watch(fake.client, ConfigMap, {
      signal: ac.signal,
      clock,
      streamingList: false,
      backoff: { jitter: 0 },
      onSkipped: (_err, raw) => skipped.push(raw),
      ...options,
    }))
      events.push(e);
  })();
  const ofType = <K extends WatchEvent<CM>['type']>(type: K) =>
    events.filter((e): e is WatchEvent<CM> & { type: K } => e.type === type);
  return {
    fake,
    clock,
    ac,
    events,
    skipped,
    done,
    ofType,
    /** Waits for `n` events in all. */
    events_: (n: number) => until(() => events.length >= n, `${n} events (have ${events.length})`),
    async stop() {
      ac.abort();
      await done;
    },
  };
}

/** The next request, which must be of `kind`. */
async function expectRequest(w: ReturnType<typeof startWatch>, kind: 'list' | 'watch'): Promise<FakeRequest> {
  const r = await w.fake.request();
  assert.equal(r.kind, kind, `a ${kind} request (query ${JSON.stringify(r.query)})`);
  return r;
}

/** Lists `items` at `rv` and opens the watch that follows; returns its stream. */
async function listThenWatch(w: ReturnType<typeof startWatch>, items: CM[], rv: string) {
  (await expectRequest(w, 'list')).list(items, rv);
  const req = await expectRequest(w, 'watch');
  assert.equal(req.query.resourceVersion, rv, 'the watch starts at the list resourceVersion');
  return { req, stream: req.stream() };
}

describe('watch: recovery rules (client-go reflector)', () => {
  it('classifies errors: 410 relists, too-large RV relists fresh, 429 and refused connections resume, the rest relist', () => {
    const api = (status: number, reason?: string, message = 'x', causes?: unknown[]) =>
      new ApiError({
        status,
        ...(reason ? { reason } : {}),
        message,
        method: 'GET',
        path: '/x',
        ...(causes ? { body: { kind: 'Status', details: { causes: causes as never } } } : {}),
      });
    assert.equal(recoveryFor(api(410)), 'relist');
    assert.equal(recoveryFor(api(500, 'Expired')), 'relist');
    assert.equal(
      recoveryFor(api(504, 'Timeout', 'x', [{ reason: 'ResourceVersionTooLarge' }])),
      'relist-fresh',
    );
    assert.equal(
      recoveryFor(api(504, 'Timeout', 'Too large resource version: 99, current: 10')),
      'relist-fresh',
    );
    assert.equal(recoveryFor(api(504, 'Timeout', 'etcd slow')), 'relist');
    assert.equal(recoveryFor(api(429)), 'resume');
    assert.equal(recoveryFor(new OperonError(ErrorCode.Unreachable, 'refused')), 'resume');
    assert.equal(recoveryFor(api(500)), 'relist');
    assert.equal(recoveryFor(api(403)), 'relist');
    assert.equal(recoveryFor(new Error('anything')), 'relist');
    assert.equal(isTooLargeResourceVersion(api(504, 'Timeout', 'etcd slow')), false);
  });
});

describe('watch against a fake client', () => {
  it('lists, then watches from the list resourceVersion, yielding each change in order', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [cm('a', '5')], '10');
    stream.push('ADDED', cm('b', '11'));
    stream.push('MODIFIED', cm('b', '12'));
    stream.push('DELETED', cm('a', '13'));
    await w.events_(4);
    assert.deepEqual(
      w.events.map((e) =>
        e.type === 'list'
          ? `list:${e.objects.map((o) => o.metadata?.name)}@${e.resourceVersion}:${e.relist}`
          : 'object' in e
            ? `${e.type}:${e.object.metadata?.name}@${e.object.metadata?.resourceVersion}`
            : e.type,
      ),
      ['list:a@10:false', 'added:b@11', 'modified:b@12', 'deleted:a@13'],
    );
    assert.equal(w.events[1]?.type === 'added' && w.events[1].object.kind, 'ConfigMap');
    await w.stop();
  });

  it('resumes from the last resourceVersion after a clean close, bookmarks included, without backoff or relist', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ADDED', cm('b', '11'));
    stream.push('BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '15' } });
    await w.events_(3);
    stream.end();
    const again = await expectRequest(w, 'watch');
    assert.equal(again.query.resourceVersion, '15', 'resumed from the bookmark');
    assert.equal(again.query.allowWatchBookmarks, 'true');
    assert.equal(w.ofType('error').length, 0, 'a clean close is no error');
    assert.equal(w.clock.now(), 0, 'no time had to pass');
    assert.equal(w.ofType('list').length, 1, 'no relist');
    await w.stop();
  });

  it('says a quiet watch is connected once it has stayed open a second, and a quiet close then resumes', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    await flush();
    assert.equal(w.ofType('connected').length, 0);
    w.clock.advance(999);
    await flush();
    assert.equal(w.ofType('connected').length, 0, 'not before a second');
    w.clock.advance(1);
    await until(() => w.ofType('connected').length === 1, 'connected');
    assert.equal(w.ofType('connected')[0]?.resourceVersion, '10');
    stream.end();
    const again = await expectRequest(w, 'watch');
    assert.equal(again.query.resourceVersion, '10');
    assert.equal(w.ofType('error').length, 0, 'a watch open a second with no events is not a very short one');
    await w.stop();
  });

  it('backs off, growing, and relists when every watch ends at once with no events', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [cm('a', '5')], '10');
    stream.end();
    const delays: number[] = [];
    for (let round = 1; round <= 4; round++) {
      await until(() => w.ofType('error').length === round, `error ${round}`);
      const error = w.ofType('error')[round - 1]!;
      assert.ok(isOperonError(error.error, ErrorCode.VeryShortWatch), error.error.message);
      assert.equal(error.recovery, 'relist');
      assert.equal(error.attempt, round);
      delays.push(error.retryInMs);
      // Nothing is asked of the server until the backoff has passed.
      w.clock.advance(error.retryInMs - 1);
      await flush();
      assert.equal(w.fake.waiting, 0, `no request during backoff ${round}`);
      w.clock.advance(1);
      const relist = await expectRequest(w, 'list');
      assert.equal(relist.query.resourceVersion, '10', 'relists from the last resourceVersion');
      assert.equal(relist.query.resourceVersionMatch, 'NotOlderThan');
      relist.list([cm('a', '5')], '10');
      (await expectRequest(w, 'watch')).stream().end();
    }
    assert.deepEqual(delays, [800, 1600, 3200, 6400]);
    assert.equal(w.fake.made, 2 + 4 * 2, 'one list and one watch per backoff');
    await w.stop();
  });

  it('caps the backoff, and starts again from the first delay after 2 minutes without errors', async () => {
    const w = startWatch({ backoff: { jitter: 0, initialMs: 800, maxMs: 3000 } });
    (await expectRequest(w, 'list')).fail(500);
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await until(() => w.ofType('error').length === i + 1, 'error');
      delays.push(w.ofType('error')[i]!.retryInMs);
      w.clock.advance(delays[i]!);
      const r = await expectRequest(w, 'list');
      if (i < 3) r.fail(500);
      else r.list([], '10');
    }
    assert.deepEqual(delays, [800, 1600, 3000, 3000]);
    const s = (await expectRequest(w, 'watch')).stream();
    w.clock.advance(120_001);
    s.push('ADDED', cm('x', '11'));
    s.break();
    (await expectRequest(w, 'watch')).fail(500);
    await until(() => w.ofType('error').length === 5, 'error after a quiet spell');
    assert.equal(w.ofType('error')[4]!.retryInMs, 800, 'the backoff was reset');
    await w.stop();
  });

  it('starts again from the first delay once a watch has worked, however recent the last error', async () => {
    // A connection that cannot be made: the watch resumes (no relist) after the backoff.
    const unreachable = () =>
      new OperonError(ErrorCode.Unreachable, 'connect ECONNREFUSED', { retryable: true });
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ADDED', cm('w', '10'));
    await until(() => w.ofType('added').length === 1, 'the first event');
    stream.break();
    // Opens fail three times: the delay grows.
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      (await expectRequest(w, 'watch')).reject(unreachable());
      await until(() => w.ofType('error').length === i + 1, `error ${i + 1}`);
      delays.push(w.ofType('error')[i]!.retryInMs);
      w.clock.advance(delays[i]!);
    }
    assert.deepEqual(delays, [800, 1600, 3200]);
    // A watch that delivers an event works; it breaks at once, and the next open fails.
    const s = (await expectRequest(w, 'watch')).stream();
    s.push('ADDED', cm('x', '11'));
    await until(() => w.ofType('added').length === 2, 'the event');
    s.break();
    (await expectRequest(w, 'watch')).reject(unreachable());
    await until(() => w.ofType('error').length === 4, 'the error after it');
    assert.equal(w.clock.now(), 800 + 1600 + 3200, 'within seconds of the last error');
    assert.deepEqual(
      { attempt: w.ofType('error')[3]!.attempt, retryInMs: w.ofType('error')[3]!.retryInMs },
      { attempt: 1, retryInMs: 800 },
      'a first failure again',
    );
    // A watch that stays open a second with no event works too.
    w.clock.advance(800);
    (await expectRequest(w, 'watch')).reject(unreachable());
    await until(() => w.ofType('error').length === 5, 'a second failure');
    assert.equal(w.ofType('error')[4]!.retryInMs, 1600);
    w.clock.advance(1600);
    const quiet = (await expectRequest(w, 'watch')).stream();
    await flush();
    w.clock.advance(1000);
    await until(() => w.ofType('connected').length >= 1, 'connected');
    quiet.break();
    (await expectRequest(w, 'watch')).reject(unreachable());
    await until(() => w.ofType('error').length === 6, 'the error after the quiet watch');
    assert.equal(w.ofType('error')[5]!.retryInMs, 800);
    await w.stop();
  });

  it('keeps counting failures when each watch ends in an ERROR event, whether or not an event came first', async () => {
    // A server that answers every watch with an event then 410, or with 410 at once: each relist
    // must wait longer than the last, not the first delay every time (a relist storm).
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ADDED', cm('a', '11'));
    await until(() => w.ofType('added').length === 1, 'the first event');
    stream.push('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await until(() => w.ofType('error').length === i + 1, `error ${i + 1}`);
      delays.push(w.ofType('error')[i]!.retryInMs);
      w.clock.advance(delays[i]!);
      (await expectRequest(w, 'list')).list([], String(20 + i));
      const s = (await expectRequest(w, 'watch')).stream();
      if (i % 2 === 0) {
        s.push('ADDED', cm(`b${i}`, String(30 + i)));
        await until(() => w.ofType('added').length === 2 + i / 2, `event ${i}`);
      }
      s.push('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    }
    assert.deepEqual(delays, [800, 1600, 3200, 6400]);
    await w.stop();
  });

  it('jitters each delay into [d, 2d) by default', async () => {
    const w = startWatch({ backoff: {} });
    (await expectRequest(w, 'list')).fail(500);
    await until(() => w.ofType('error').length === 1, 'error');
    const d = w.ofType('error')[0]!.retryInMs;
    assert.ok(d >= 800 && d <= 1600, `800 <= ${d} <= 1600`);
    await w.stop();
  });

  it('resumes after 429 once the backoff (or Retry-After, if longer) has passed', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ADDED', cm('b', '11'));
    stream.end();
    (await expectRequest(w, 'watch')).fail(429, 'TooManyRequests', {}, { 'retry-after': '2' });
    await until(() => w.ofType('error').length === 1, 'error');
    const error = w.ofType('error')[0]!;
    assert.equal(error.recovery, 'resume');
    assert.equal(error.retryInMs, 2000, 'Retry-After is longer than the backoff');
    w.clock.advance(1999);
    await flush();
    assert.equal(w.fake.waiting, 0);
    w.clock.advance(1);
    const again = await expectRequest(w, 'watch');
    assert.equal(again.query.resourceVersion, '11', 'resumed, no relist');
    assert.equal(w.ofType('list').length, 1);
    await w.stop();
  });

  it('resumes after a refused connection, with backoff', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ADDED', cm('b', '11'));
    stream.break();
    (await expectRequest(w, 'watch')).reject(new OperonError(ErrorCode.Unreachable, 'ECONNREFUSED'));
    await until(() => w.ofType('error').length === 1, 'error');
    w.clock.advance(w.ofType('error')[0]!.retryInMs);
    assert.equal((await expectRequest(w, 'watch')).query.resourceVersion, '11');
    await w.stop();
  });

  it('relists after 410 Gone from the last resourceVersion, and the relist shows what was deleted meanwhile', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [cm('a', '5'), cm('b', '6')], '10');
    stream.push('MODIFIED', cm('a', '12'));
    stream.end();
    (await expectRequest(w, 'watch')).fail(410, 'Expired');
    await until(() => w.ofType('error').length === 1, 'error');
    assert.equal(w.ofType('error')[0]!.recovery, 'relist');
    w.clock.advance(w.ofType('error')[0]!.retryInMs);
    const relist = await expectRequest(w, 'list');
    assert.equal(relist.query.resourceVersion, '12');
    relist.list([cm('a', '12')], '30');
    await until(() => w.ofType('list').length === 2, 'relist');
    const snapshot = w.ofType('list')[1]!;
    assert.equal(snapshot.relist, true);
    assert.deepEqual(
      snapshot.objects.map((o) => o.metadata?.name),
      ['a'],
    );
    assert.equal((await expectRequest(w, 'watch')).query.resourceVersion, '30');
    await w.stop();
  });

  it('relists after an ERROR event with 410 in the stream', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ERROR', {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version',
    });
    await until(() => w.ofType('error').length === 1, 'error');
    assert.equal(w.ofType('error')[0]!.recovery, 'relist');
    assert.ok(stream.closed, 'the stream is dropped');
    w.clock.advance(w.ofType('error')[0]!.retryInMs);
    await expectRequest(w, 'list');
    await w.stop();
  });

  it('relists from the latest state (no resourceVersion) after 504 ResourceVersionTooLarge', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ADDED', cm('b', '11'));
    stream.end();
    (await expectRequest(w, 'watch')).fail(504, 'Timeout', {
      message: 'Too large resource version: 11, current: 3',
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
    });
    await until(() => w.ofType('error').length === 1, 'error');
    assert.equal(w.ofType('error')[0]!.recovery, 'relist-fresh');
    w.clock.advance(w.ofType('error')[0]!.retryInMs);
    const relist = await expectRequest(w, 'list');
    assert.equal(relist.query.resourceVersion, undefined, 'a fresh (quorum) list');
    assert.equal(relist.query.resourceVersionMatch, undefined);
    relist.list([cm('c', '2')], '3');
    assert.equal((await expectRequest(w, 'watch')).query.resourceVersion, '3');
    await w.stop();
  });

  it('relists from the latest at once when the list from the last resourceVersion is 410', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    await until(() => w.ofType('error').length === 1, 'error');
    w.clock.advance(w.ofType('error')[0]!.retryInMs);
    (await expectRequest(w, 'list')).fail(410, 'Expired');
    const fresh = await expectRequest(w, 'list');
    assert.equal(fresh.query.resourceVersion, undefined);
    assert.equal(w.ofType('error').length, 1, 'no backoff in between');
    fresh.list([], '40');
    await until(() => w.ofType('list').length === 2, 'relist');
    await w.stop();
  });

  it('falls back to a LIST when the server refuses streaming lists (400/422), and keeps to it', async () => {
    for (const status of [400, 422]) {
      const w = startWatch({ streamingList: true });
      const first = await expectRequest(w, 'watch');
      assert.equal(first.query.sendInitialEvents, 'true');
      assert.equal(first.query.resourceVersionMatch, 'NotOlderThan');
      first.fail(status);
      const list = await expectRequest(w, 'list');
      assert.equal(w.ofType('error').length, 0, 'a refusal is no error');
      list.list([cm('a', '5')], '10');
      const s = (await expectRequest(w, 'watch')).stream();
      s.push('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
      await until(() => w.ofType('error').length === 1, 'error');
      w.clock.advance(w.ofType('error')[0]!.retryInMs);
      await expectRequest(w, 'list');
      await w.stop();
    }
  });

  it('takes the initial state from a streaming list, done at the initial-events-end bookmark, and goes on with the same watch', async () => {
    const w = startWatch({ streamingList: true });
    const req = await expectRequest(w, 'watch');
    assert.equal(req.query.resourceVersion, undefined, 'the first streaming list is a fresh read');
    const s = req.stream();
    s.push('ADDED', cm('a', '7'));
    s.push('ADDED', cm('b', '5'));
    s.push('BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '8' } });
    s.push('BOOKMARK', {
      kind: 'ConfigMap',
      metadata: { resourceVersion: '9', annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
    s.push('MODIFIED', cm('a', '10'));
    await w.events_(2);
    assert.equal(w.events[0]?.type, 'list');
    const list = w.events[0] as Extract<WatchEvent<CM>, { type: 'list' }>;
    assert.deepEqual(
      list.objects.map((o) => o.metadata?.name),
      ['a', 'b'],
    );
    assert.equal(list.resourceVersion, '9');
    assert.equal(w.events[1]?.type, 'modified', 'no bookmark before the initial state is complete');
    assert.equal(w.fake.made, 1, 'one request for it all');
    s.end();
    assert.equal((await expectRequest(w, 'watch')).query.resourceVersion, '10');
    await w.stop();
  });

  it('falls back to a LIST when a streaming list ends before its initial events are complete', async () => {
    const w = startWatch({ streamingList: true });
    const s = (await expectRequest(w, 'watch')).stream();
    s.push('ADDED', cm('a', '7'));
    s.end();
    const list = await expectRequest(w, 'list');
    list.list([cm('a', '7')], '9');
    await until(() => w.ofType('list').length === 1, 'list');
    await w.stop();
  });

  it('skips a line that is not JSON and an object without metadata.name, and goes on', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [cm('a', '5'), { metadata: {} } as CM], '10');
    stream.pushLine('{"type":"ADDED","object":{"metadata":{"name":"tr');
    stream.push('ADDED', { kind: 'ConfigMap', metadata: { resourceVersion: '11' } });
    stream.pushLine('"just a string"');
    stream.push('ADDED', cm('b', '12'));
    await w.events_(2);
    assert.deepEqual(
      w.ofType('list')[0]!.objects.map((o) => o.metadata?.name),
      ['a'],
      'the nameless listed item is skipped',
    );
    assert.equal(w.ofType('added')[0]?.object.metadata?.name, 'b');
    assert.equal(w.skipped.length, 4, `skipped: ${w.skipped.join(' | ')}`);
    assert.equal(w.ofType('error').length, 0, 'a bad line is no watch error');
    assert.equal(stream.closed, false, 'the watch goes on');
    await w.stop();
  });

  it('ends when aborted mid-stream, closing the stream and leaving no timer', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ADDED', cm('b', '11'));
    await w.events_(2);
    await w.stop();
    assert.equal(stream.closed, true);
    assert.equal(w.fake.openStreams, 0);
    assert.equal(w.clock.pendingTimers(), 0, 'no timer left behind');
  });

  it('ends when aborted during a backoff or a request in flight, leaving no timer', async () => {
    const w = startWatch();
    (await expectRequest(w, 'list')).fail(500);
    await until(() => w.ofType('error').length === 1, 'error');
    await w.stop();
    assert.equal(w.clock.pendingTimers(), 0);
    const w2 = startWatch();
    await w2.fake.request();
    await w2.stop();
    assert.equal(w2.clock.pendingTimers(), 0);
  });

  it('resumes at once when the connection breaks after events', async () => {
    const w = startWatch();
    const { stream } = await listThenWatch(w, [], '10');
    stream.push('ADDED', cm('b', '11'));
    await w.events_(2);
    stream.break();
    const again = await expectRequest(w, 'watch');
    assert.equal(again.query.resourceVersion, '11');
    assert.equal(w.ofType('error').length, 0);
    await w.stop();
  });

  it('relists after a watch silent for minutes on a server that sends bookmarks (a resourceVersion ahead of storage)', async () => {
    const w = startWatch();
    const first = await listThenWatch(w, [cm('a', '5')], '10');
    first.stream.push('BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '900' } });
    await w.events_(2);
    first.stream.end();
    // As after an etcd restore: the server accepts a watch from 900 and says nothing, ever.
    const silent = (await expectRequest(w, 'watch')).stream();
    await flush();
    w.clock.advance(150_000);
    await until(() => w.ofType('connected').length === 1, 'connected');
    silent.break(new Error('body timeout'));
    await until(() => w.ofType('error').length === 1, 'the silence is an error');
    const error = w.ofType('error')[0]!;
    assert.equal(error.recovery, 'relist');
    assert.match(error.error.message, /silent for 150 s/);
    w.clock.advance(error.retryInMs);
    const relist = await expectRequest(w, 'list');
    assert.equal(relist.query.resourceVersion, '900');
    relist.fail(504, 'Timeout', {
      message: 'Too large resource version: 900, current: 12',
      details: { causes: [{ reason: 'ResourceVersionTooLarge' }] },
    });
    const fresh = await expectRequest(w, 'list');
    assert.equal(fresh.query.resourceVersion, undefined);
    fresh.list([cm('a', '5'), cm('b', '11')], '12');
    await until(() => w.ofType('list').length === 2, 'relisted');
    assert.equal((await expectRequest(w, 'watch')).query.resourceVersion, '12');
    await w.stop();
  });

  it('resumes a long silent watch on a server that never sent a bookmark (no watch cache)', async () => {
    const w = startWatch();
    const first = await listThenWatch(w, [], '10');
    await flush();
    w.clock.advance(300_000);
    first.stream.end();
    assert.equal((await expectRequest(w, 'watch')).query.resourceVersion, '10');
    assert.equal(w.ofType('error').length, 0);
    await w.stop();
  });

  it('starts from a given resourceVersion without listing, and lists after 410', async () => {
    const w = startWatch({ resourceVersion: '50' });
    const req = await expectRequest(w, 'watch');
    assert.equal(req.query.resourceVersion, '50');
    req.fail(410, 'Expired');
    await until(() => w.ofType('error').length === 1, 'error');
    w.clock.advance(w.ofType('error')[0]!.retryInMs);
    (await expectRequest(w, 'list')).list([], '60');
    await until(() => w.ofType('list').length === 1, 'list');
    assert.equal(w.ofType('list')[0]!.relist, false, 'the first list is not a relist');
    await w.stop();
  });
});
