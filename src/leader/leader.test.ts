import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, type KubernetesObject, type Lease } from '../client/index.ts';
import { ErrorCode, isOperonError } from '../errors.ts';
import {
  createLeaderElector,
  type LeaderElectionClock,
  type LeaderElectionOptions,
  LeadershipLostError,
  type LeaseClient,
  resolveLeaderElectionOptions,
} from './leader-elector.ts';
import { formatMicroTime } from './micro-time.ts';
import { type ObservedLease, observe, shouldAcquire } from './observed-lease.ts';

const START = Date.UTC(2026, 10, 30, 16, 0, 0);

/** Lets every callback that is ready run: the fake API answers in microtasks, so one macrotask turn drains them. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

interface TestClock extends LeaderElectionClock {
  /** Moves time forward by `ms`, waking each sleeper at its own time and letting it run before the next. */
  advance(ms: number): Promise<void>;
  pending(): number;
}

function createTestClock(): TestClock {
  let now = START;
  const sleepers = new Set<{ at: number; wake: () => void }>();
  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        signal.throwIfAborted();
        const sleeper = {
          at: now + ms,
          wake: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          sleepers.delete(sleeper);
          reject(signal.reason);
        };
        sleepers.add(sleeper);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await settle();
        let next: { at: number; wake: () => void } | undefined;
        for (const s of sleepers) if (s.at <= target && (next === undefined || s.at < next.at)) next = s;
        if (next === undefined) break;
        sleepers.delete(next);
        now = Math.max(now, next.at);
        next.wake();
      }
      now = target;
      await settle();
    },
    pending: () => sleepers.size,
  };
}

const apiError = (status: number, reason: string) =>
  new ApiError({ status, reason, message: reason, method: 'TEST', path: '/leases' });

/** One Lease in memory with resourceVersion checks; `mode` makes the "server" fail or hang. */
function createFakeApi() {
  let stored: Lease | undefined;
  let version = 0;
  const api = {
    mode: 'up' as 'up' | 'down' | 'hang',
    writes: 0,
    get lease() {
      return stored;
    },
    /** Writes as another process would: bumps the resourceVersion. */
    put(lease: Lease) {
      stored = structuredClone({
        ...lease,
        metadata: { ...lease.metadata, resourceVersion: String(++version) },
      });
    },
  };
  const answer = async <T>(signal: AbortSignal | undefined, fn: () => T): Promise<T> => {
    signal?.throwIfAborted();
    if (api.mode === 'down') throw apiError(503, 'ServiceUnavailable');
    if (api.mode === 'hang') {
      return new Promise<T>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    }
    return fn();
  };
  const client: LeaseClient = {
    get: (_type, _name, o) =>
      answer(o?.signal, () => {
        if (!stored) throw apiError(404, 'NotFound');
        return structuredClone(stored) as never;
      }),
    create: (_type, object: KubernetesObject, o) =>
      answer(o?.signal, () => {
        if (stored) throw apiError(409, 'AlreadyExists');
        api.put(object as Lease);
        api.writes++;
        return structuredClone(stored) as never;
      }),
    replace: (_type, object: KubernetesObject, o) =>
      answer(o?.signal, () => {
        if (!stored) throw apiError(404, 'NotFound');
        if (object.metadata?.resourceVersion !== stored.metadata?.resourceVersion)
          throw apiError(409, 'Conflict');
        api.put(object as Lease);
        api.writes++;
        return structuredClone(stored) as never;
      }),
  };
  return { api, client };
}

const TIMING = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 1000 };

function setup(extra: Partial<LeaderElectionOptions> = {}) {
  const clock = createTestClock();
  const { api, client } = createFakeApi();
  const leaders: string[] = [];
  const elector = createLeaderElector({
    client,
    namespace: 'ns',
    name: 'lock',
    identity: 'me',
    clock,
    onNewLeader: (id) => leaders.push(id),
    ...TIMING,
    ...extra,
  });
  const stop = new AbortController();
  const done = elector.run(stop.signal);
  return { clock, api, elector, stop, done, leaders };
}

const renewTimeOf = (lease: Lease | undefined) => Date.parse(lease?.spec?.renewTime ?? '');

describe('leader election options', () => {
  it('fills in client-go defaults and a hostname_uuid identity', () => {
    const o = resolveLeaderElectionOptions({ client: createFakeApi().client, namespace: 'ns', name: 'lock' });
    assert.equal(o.leaseDurationMs, 15_000);
    assert.equal(o.renewDeadlineMs, 10_000);
    assert.equal(o.retryPeriodMs, 2_000);
    assert.equal(o.releaseOnCancel, true);
    assert.match(o.identity, /^.+_[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  const rejects: [string, Partial<LeaderElectionOptions>, RegExp][] = [
    [
      'a lease no longer than the renew deadline',
      { leaseDurationMs: 3000, renewDeadlineMs: 3000 },
      /greater than renewDeadlineMs/,
    ],
    [
      'a renew deadline within 1.2 retry periods',
      { renewDeadlineMs: 2400, retryPeriodMs: 2000 },
      /1\.2 x retryPeriodMs/,
    ],
    ['a zero retry period', { retryPeriodMs: 0 }, /retryPeriodMs must be a finite number > 0/],
    [
      'a lease shorter than the one second a Lease can store',
      { leaseDurationMs: 900, renewDeadlineMs: 800, retryPeriodMs: 100 },
      /at least 1000/,
    ],
    ['an empty Lease name', { name: '' }, /name of the Lease/],
    ['an empty identity', { identity: '' }, /identity must not be empty/],
  ];
  for (const [what, bad, message] of rejects) {
    it(`rejects ${what} as InvalidArgument`, () => {
      assert.throws(
        () => createLeaderElector({ client: createFakeApi().client, namespace: 'ns', name: 'lock', ...bad }),
        (err) => isOperonError(err, ErrorCode.InvalidArgument) && message.test(err.message),
      );
    });
  }
});

describe('formatMicroTime', () => {
  it('writes RFC 3339 UTC with exactly six fractional digits', () => {
    assert.equal(formatMicroTime(START + 123.456), '2026-11-30T16:00:00.123456Z');
    assert.equal(formatMicroTime(START + 0.001), '2026-11-30T16:00:00.000001Z');
    assert.equal(formatMicroTime(START), '2026-11-30T16:00:00.000000Z');
    assert.equal(formatMicroTime(START + 59_999.9999), '2026-11-30T16:01:00.000000Z');
    assert.equal(Date.parse(formatMicroTime(START + 7_654.321)), START + 7_654);
  });

  it('refuses times that are not finite epoch milliseconds', () => {
    assert.throws(
      () => formatMicroTime(Number.NaN),
      (err) => isOperonError(err, ErrorCode.InvalidArgument),
    );
  });
});

describe('shouldAcquire', () => {
  const lease = (holder: string | undefined, renewTime = '2000-01-01T00:00:00.000000Z'): Lease => ({
    metadata: { name: 'lock', resourceVersion: '1' },
    spec: {
      ...(holder === undefined ? {} : { holderIdentity: holder }),
      leaseDurationSeconds: 10,
      renewTime,
    },
  });
  const seen = (l: Lease, at = 1000): ObservedLease => ({ lease: l, observedAt: at });

  it('acquires a Lease that does not exist, has no holder, or is already ours', () => {
    assert.equal(shouldAcquire(undefined, 0, 'me', 15_000), true);
    assert.equal(shouldAcquire(seen(lease(undefined)), 1000, 'me', 15_000), true);
    assert.equal(shouldAcquire(seen(lease('')), 1000, 'me', 15_000), true);
    assert.equal(shouldAcquire(seen(lease('me')), 1000, 'me', 15_000), true);
  });

  it("waits out another holder's leaseDurationSeconds from when we saw it change, not from its renewTime", () => {
    // The renewTime is decades old (a skewed clock), yet we saw the record change only at 1000.
    const observed = seen(lease('other'), 1000);
    assert.equal(shouldAcquire(observed, 1000, 'me', 15_000), false);
    assert.equal(shouldAcquire(observed, 10_999, 'me', 15_000), false);
    assert.equal(shouldAcquire(observed, 11_000, 'me', 15_000), true);
  });

  it('uses the fallback duration when the Lease states none', () => {
    const observed = seen({ metadata: { name: 'lock' }, spec: { holderIdentity: 'other' } }, 0);
    assert.equal(shouldAcquire(observed, 1_999, 'me', 2_000), false);
    assert.equal(shouldAcquire(observed, 2_000, 'me', 2_000), true);
  });

  it('keeps the observation time while the record is unchanged, even if metadata changed', () => {
    const first = observe(undefined, lease('other', '2026-01-01T00:00:00.000000Z'), 1000);
    const relabelled = { ...first.lease, metadata: { ...first.lease.metadata, resourceVersion: '2' } };
    assert.equal(observe(first, relabelled, 5000).observedAt, 1000);
    assert.equal(observe(first, lease('other', '2026-01-01T00:00:02.000000Z'), 5000).observedAt, 5000);
  });
});

describe('createLeaderElector with a fake clock and API', () => {
  it('creates the Lease, leads, and renews every retryPeriod keeping its acquireTime', async () => {
    const { clock, api, elector, stop, done, leaders } = setup({
      leaseDurationMs: 3500,
      renewDeadlineMs: 3000,
    });
    const leading = await elector.leading();
    assert.equal(elector.isLeader(), true);
    assert.equal(elector.leader(), 'me');
    assert.deepEqual(leaders, ['me']);
    const created = api.lease!;
    assert.equal(created.spec?.holderIdentity, 'me');
    assert.equal(created.spec?.leaseDurationSeconds, 4, 'whole seconds, rounded up');
    assert.equal(created.spec?.leaseTransitions, 0);
    assert.equal(created.spec?.acquireTime, '2026-11-30T16:00:00.000000Z');
    assert.equal(created.spec?.renewTime, created.spec?.acquireTime);

    await clock.advance(1000);
    assert.equal(api.lease?.spec?.renewTime, '2026-11-30T16:00:01.000000Z');
    assert.equal(api.lease?.spec?.acquireTime, created.spec?.acquireTime);
    assert.equal(api.lease?.spec?.leaseTransitions, 0);
    await clock.advance(5000);
    assert.equal(renewTimeOf(api.lease), START + 6000);
    assert.equal(leading.aborted, false);

    stop.abort();
    await done;
    assert.equal(leading.aborted, true);
    assert.ok(leading.reason instanceof LeadershipLostError && leading.reason.loss === 'stopped');
  });

  it("takes another holder's Lease only after its duration passes by our clock, counting a transition", async () => {
    const { api: seed, client } = createFakeApi();
    seed.put({
      metadata: { name: 'lock', namespace: 'ns' },
      spec: {
        holderIdentity: 'other',
        leaseDurationSeconds: 4,
        leaseTransitions: 3,
        renewTime: '1999-01-01T00:00:00.000000Z',
      },
    });
    const { clock, elector, stop, done, leaders } = setup({ client });
    await clock.advance(0);
    assert.equal(elector.leader(), 'other');
    assert.deepEqual(leaders, ['other']);
    await clock.advance(3999);
    assert.equal(elector.isLeader(), false, 'a stale renewTime alone does not expire the lease');
    assert.equal(seed.lease?.spec?.holderIdentity, 'other');
    await clock.advance(2 * 1000 * 2.2);
    assert.equal(elector.isLeader(), true);
    assert.deepEqual(leaders, ['other', 'me']);
    assert.equal(seed.lease?.spec?.leaseTransitions, 4);
    assert.ok(renewTimeOf(seed.lease) >= START + 4000);
    stop.abort();
    await done;
  });

  it('steps down at renewDeadline when the API server stops answering, then campaigns again', async () => {
    const { clock, api, elector, stop, done } = setup();
    const leading = await elector.leading();
    await clock.advance(2000);
    const lastRenewal = renewTimeOf(api.lease);
    api.mode = 'hang';
    let abortedAt = 0;
    leading.addEventListener('abort', () => {
      abortedAt = clock.now();
    });
    await clock.advance(5000);
    assert.equal(leading.aborted, true);
    assert.equal(
      abortedAt - lastRenewal,
      TIMING.renewDeadlineMs,
      'no later than renewDeadline after the last renewal',
    );
    assert.ok(leading.reason instanceof LeadershipLostError && leading.reason.loss === 'renew-deadline');
    assert.equal(elector.isLeader(), false);

    api.mode = 'up';
    const again = await Promise.race([elector.leading(), clock.advance(10_000).then(() => undefined)]);
    assert.ok(again && !again.aborted, 'leads again once the API server answers and the lease is still ours');
    stop.abort();
    await done;
  });

  it('steps down when the Lease is taken by another holder', async () => {
    const { clock, api, elector, stop, done } = setup();
    const leading = await elector.leading();
    api.put({ ...api.lease, spec: { ...api.lease?.spec, holderIdentity: 'usurper' } });
    await clock.advance(1000);
    assert.ok(leading.reason instanceof LeadershipLostError && leading.reason.loss === 'lease-taken');
    assert.equal(elector.leader(), 'usurper');
    assert.equal(api.lease?.spec?.holderIdentity, 'usurper', 'and does not write over the new holder');
    stop.abort();
    await done;
  });

  it('keeps retrying through API errors without throwing', async () => {
    const { clock, api, elector, stop, done } = setup();
    api.mode = 'down';
    await clock.advance(10_000);
    assert.equal(elector.isLeader(), false);
    api.mode = 'up';
    await clock.advance(3000);
    assert.equal(elector.isLeader(), true);
    stop.abort();
    await done;
  });

  it('releases the Lease on a clean stop and leaves no timer behind', async () => {
    const { clock, api, elector, stop, done } = setup();
    await elector.leading();
    await clock.advance(1500);
    stop.abort();
    await done;
    assert.equal(elector.isLeader(), false);
    assert.equal(api.lease?.spec?.holderIdentity, '');
    assert.equal(api.lease?.spec?.leaseDurationSeconds, 1);
    assert.equal(api.lease?.spec?.renewTime, '2026-11-30T16:00:01.500000Z');
    assert.equal(clock.pending(), 0);
  });

  it('keeps the Lease on stop when releaseOnCancel is false', async () => {
    const { api, elector, stop, done } = setup({ releaseOnCancel: false });
    await elector.leading();
    const writes = api.writes;
    stop.abort();
    await done;
    assert.equal(api.lease?.spec?.holderIdentity, 'me');
    assert.equal(api.writes, writes);
  });

  it('does not release a Lease that someone else holds by now', async () => {
    const { clock, api, elector, stop, done } = setup();
    await elector.leading();
    api.put({ ...api.lease, spec: { ...api.lease?.spec, holderIdentity: 'usurper' } });
    stop.abort();
    await Promise.all([done, clock.advance(0)]);
    assert.equal(api.lease?.spec?.holderIdentity, 'usurper');
  });

  it('rejects leading() when its signal aborts first, and a second concurrent run()', async () => {
    const { clock, api, elector, stop, done } = setup();
    api.mode = 'down';
    const cancel = new AbortController();
    const waiting = elector.leading(cancel.signal);
    cancel.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    await assert.rejects(elector.run(stop.signal), (err) => isOperonError(err, ErrorCode.InvalidArgument));
    stop.abort();
    await Promise.all([done, clock.advance(0)]);
    assert.equal(clock.pending(), 0);
  });
});
