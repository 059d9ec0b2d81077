/**
 * Leader election against a real API server, on a fake clock: every Lease read and write goes to
 * kube-apiserver, while time (waits, expiry, deadlines) moves only when the test steps it, and only
 * once no request is in flight. So the timing facts of the protocol are checked exactly, in the
 * electors' own time, however slow the machine.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, createClient, Lease, loadKubeconfig } from 'operon/client';
import { type ControlPlane, startFaultProxy, useControlPlane } from 'operon/testing';
import {
  createLeaderElector,
  JITTER_FACTOR,
  type LeaderElectionClock,
  type LeaderElectionOptions,
  type LeaderElector,
  type LeaseClient,
} from '../src/leader/index.ts';

// Whole seconds, because that is all a Lease can state (a 1500 ms lease is written as 2 s).
const LEASE_MS = 2000;
const RENEW_MS = 1500;
const RETRY_MS = 200;
/** The longest a candidate waits between tries: retryPeriod plus client-go's jitter. */
const MAX_RETRY_WAIT_MS = RETRY_MS * (1 + JITTER_FACTOR);

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
    fieldManager: 'leader-test',
  });
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

/** Lets every callback that is ready run (promise chains, I/O that has already arrived). */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** A Lease read or write as an elector made it, in the clock's time. */
interface Request {
  at: number;
  op: 'get' | 'create' | 'replace';
  ok: boolean;
  /** The Lease as the server answered (undefined on error). */
  lease?: Lease;
}

interface SteppedClock extends LeaderElectionClock {
  /** Wraps a client: its requests are noted, and time stands still while one is in flight. */
  track(via: LeaseClient): { client: LeaseClient; requests: Request[]; cutOff(): void };
  /** Waits until no request holds time still, then moves time to the next sleeper and wakes it. */
  step(stopIf?: () => boolean): Promise<void>;
  /** Keeps stepping until `work` settles (stopping electors may wait on the clock), then returns its result. */
  stepWhile<T>(work: Promise<T>): Promise<T>;
  /** Steps until `condition` holds; fails after `maxMs` of the clock's time. */
  stepUntil(what: string, condition: () => boolean, maxMs?: number): Promise<void>;
}

/**
 * Time for electors that talk to a real server. A request holds the clock still until it settles,
 * unless its client was cut off: such a request may hang forever, so it lets time pass until its
 * signal aborts (its deadline), and from then holds the clock until the elector has seen it fail.
 */
function createSteppedClock(start: number): SteppedClock {
  let now = start;
  const sleepers = new Set<{ at: number; wake: () => void }>();
  const inFlight = new Set<{ signal: AbortSignal | undefined; cut: () => boolean }>();
  const holding = () => [...inFlight].some((r) => !r.cut() || r.signal === undefined || r.signal.aborted);

  async function idle(stopIf: () => boolean = () => false): Promise<void> {
    for (let turn = 0; ; turn++) {
      await settle();
      if (!holding() || stopIf()) return;
      if (turn > 20_000) assert.fail('an API request never answered');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  const clock: SteppedClock = {
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
    track(via) {
      let cut = false;
      const requests: Request[] = [];
      const note = async <T>(
        op: Request['op'],
        signal: AbortSignal | undefined,
        send: () => Promise<T>,
      ): Promise<T> => {
        const entry = { signal, cut: () => cut };
        inFlight.add(entry);
        const request: Request = { at: now, op, ok: false };
        requests.push(request);
        try {
          const lease = await send();
          request.ok = true;
          request.lease = lease as Lease;
          return lease;
        } finally {
          inFlight.delete(entry);
        }
      };
      const wrapped: LeaseClient = {
        get: (type, name, o) => note('get', o?.signal, () => via.get(type, name, o)) as never,
        create: (type, object, o) => note('create', o?.signal, () => via.create(type, object, o)) as never,
        replace: (type, object, o) => note('replace', o?.signal, () => via.replace(type, object, o)) as never,
      };
      return {
        client: wrapped,
        requests,
        cutOff: () => {
          cut = true;
        },
      };
    },
    async step(stopIf: () => boolean = () => false) {
      for (let turn = 0; !stopIf(); turn++) {
        await idle(stopIf);
        if (stopIf()) return;
        let next: { at: number; wake: () => void } | undefined;
        for (const s of sleepers) if (next === undefined || s.at < next.at) next = s;
        if (next !== undefined) {
          sleepers.delete(next);
          now = Math.max(now, next.at);
          next.wake();
          return;
        }
        // Nobody asleep and nothing in flight: an elector is between two awaits; let it go on.
        if (turn > 20_000) assert.fail('no elector is waiting for time to pass');
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
    async stepWhile(work) {
      let settled = false;
      const done = work.finally(() => {
        settled = true;
      });
      while (!settled) await clock.step(() => settled);
      return done;
    },
    async stepUntil(what, condition, maxMs = 60_000) {
      const limit = now + maxMs;
      await idle();
      while (!condition()) {
        if (now > limit) assert.fail(`${what}: not so after ${maxMs} ms of the electors' time`);
        await clock.step();
        await idle();
      }
    },
  };
  return clock;
}

/** One term of leadership, in the clock's time; `end` is unset while it lasts. */
interface Term {
  identity: string;
  start: number;
  end?: number;
}

interface Running {
  elector: LeaderElector;
  terms: Term[];
  requests: Request[];
  cutOff(): void;
  /** Stops run() and waits until it has stepped down (and released, if configured). */
  stop(): Promise<void>;
}

function campaign(
  clock: SteppedClock,
  via: LeaseClient,
  namespace: string,
  identity: string,
  extra: Partial<LeaderElectionOptions> = {},
): Running {
  const tracked = clock.track(via);
  const elector = createLeaderElector({
    client: tracked.client,
    namespace,
    name: 'lock',
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_MS,
    retryPeriodMs: RETRY_MS,
    clock,
    ...extra,
  });
  const controller = new AbortController();
  const terms: Term[] = [];
  // Every term, from leading() resolving to its signal aborting, as the elector reports them.
  void (async () => {
    for (;;) {
      const signal = await elector.leading(controller.signal).catch(() => undefined);
      if (signal === undefined) return;
      const term: Term = { identity, start: clock.now() };
      terms.push(term);
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      term.end = clock.now();
      if (controller.signal.aborted) return;
    }
  })();
  const done = elector.run(controller.signal);
  return {
    elector,
    terms,
    requests: tracked.requests,
    cutOff: tracked.cutOff,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

/** Fails if two terms of different electors overlap in time (a term still open ends at `now`). */
function assertNoOverlap(terms: Term[], now: number): void {
  for (const a of terms) {
    for (const b of terms) {
      if (a === b || a.identity === b.identity) continue;
      const aEnd = a.end ?? now;
      const bEnd = b.end ?? now;
      assert.ok(
        aEnd <= b.start || bEnd <= a.start,
        `${a.identity} led [${a.start - START}, ${aEnd - START}] while ${b.identity} led [${b.start - START}, ${bEnd - START}]`,
      );
    }
  }
}

/** When `running` first read the Lease as `record` (its renewTime and holder), in the clock's time. */
function firstSaw(running: Running, record: Lease | undefined): number {
  const seen = running.requests.find(
    (r) =>
      r.ok &&
      r.lease?.spec?.renewTime === record?.spec?.renewTime &&
      r.lease?.spec?.holderIdentity === record?.spec?.holderIdentity,
  );
  assert.ok(seen, `${running.elector.identity} read the Lease as ${JSON.stringify(record?.spec)}`);
  return seen.at;
}

/** The last Lease the API server took from `running`'s writes. */
function lastWrite(running: Running): Request {
  const write = running.requests.findLast((r) => r.ok && r.op !== 'get');
  assert.ok(write, `${running.elector.identity} wrote the Lease`);
  return write;
}

const START = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('leader election against a real API server, on a fake clock', () => {
  it('never lets two electors lead at once, through a release and a crash, and the Lease names the leader', async () => {
    await using ns = await plane.createNamespace('leader');
    const clock = createSteppedClock(START);
    const a = campaign(clock, client, ns.name, 'a');
    const b = campaign(clock, client, ns.name, 'b');
    const c = campaign(clock, client, ns.name, 'c', { releaseOnCancel: false });
    const all = [a, b, c];
    const leading = () => all.filter((r) => r.elector.isLeader());
    try {
      await clock.stepUntil('someone leads', () => leading().length === 1);
      await clock.stepUntil('a few renewals pass', () => clock.now() > START + 5 * LEASE_MS);
      const first = leading()[0]!;
      const lease = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(lease.spec?.holderIdentity, first.elector.identity);
      assert.equal(lease.spec?.leaseDurationSeconds, LEASE_MS / 1000);
      assert.match(lease.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      for (const other of all) assert.equal(other.elector.leader(), first.elector.identity);

      // The leader stops and releases; another takes over.
      await clock.stepWhile(first.stop());
      await clock.stepUntil('another leads after the release', () => leading().length === 1);
      const second = leading()[0]!;
      // It crashes (c keeps the Lease) or stops (a, b release); the last one takes over.
      await clock.stepWhile(second.stop());
      const last = all.find((r) => r !== first && r !== second)!;
      await clock.stepUntil('the last one leads', () => last.elector.isLeader());
      await clock.stepUntil('a few renewals pass', () => clock.now() > last.terms[0]!.start + 5 * LEASE_MS);

      const terms = all.flatMap((r) => r.terms).sort((x, y) => x.start - y.start);
      assert.deepEqual(
        terms.map((t) => t.identity),
        [first, second, last].map((r) => r.elector.identity),
        'three terms, one per elector, in turn',
      );
      assertNoOverlap(terms, clock.now());
      assert.equal(
        (await client.get(Lease, 'lock', { namespace: ns.name })).spec?.holderIdentity,
        last.elector.identity,
      );
    } finally {
      await clock.stepWhile(Promise.all(all.map((r) => r.stop())));
    }
  });

  it('hands over within one retry wait when the leader stops and releases the Lease', async () => {
    await using ns = await plane.createNamespace('leader');
    const clock = createSteppedClock(START);
    const a = campaign(clock, client, ns.name, 'a');
    await clock.stepUntil('a leads', () => a.elector.isLeader());
    const b = campaign(clock, client, ns.name, 'b', { releaseOnCancel: false });
    try {
      await clock.stepUntil('b sees a leading', () => b.elector.leader() === 'a');
      const before = await client.get(Lease, 'lock', { namespace: ns.name });
      const stoppedAt = clock.now();
      await clock.stepWhile(a.stop());
      assert.equal(a.elector.isLeader(), false);
      await clock.stepUntil('b leads', () => b.elector.isLeader());

      const took = b.terms[0]!.start - stoppedAt;
      // Without the release b would wait out the Lease: at least LEASE_MS from when it last saw a
      // renewal, which was at most one retry wait before the stop.
      assert.ok(
        took <= MAX_RETRY_WAIT_MS,
        `b led ${took} ms after a stopped; a released Lease is free at once`,
      );
      assert.ok(took < LEASE_MS - MAX_RETRY_WAIT_MS);
      assertNoOverlap([...a.terms, ...b.terms], clock.now());
      const afterHandover = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(afterHandover.spec?.holderIdentity, 'b');
      assert.equal(afterHandover.spec?.leaseTransitions, (before.spec?.leaseTransitions ?? 0) + 1);
      assert.notEqual(afterHandover.spec?.acquireTime, before.spec?.acquireTime);
    } finally {
      await clock.stepWhile(Promise.all([a.stop(), b.stop()]));
    }
  });

  it('steps down at renewDeadline when cut off from the API server, before another takes over at leaseDuration', async () => {
    await using ns = await plane.createNamespace('leader');
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    const viaProxy = createClient({ ...client.config, server: proxy.url }, { fieldManager: 'leader-test' });
    const clock = createSteppedClock(START);
    const a = campaign(clock, viaProxy, ns.name, 'a');
    await clock.stepUntil('a leads', () => a.elector.isLeader());
    const b = campaign(clock, client, ns.name, 'b');
    try {
      await clock.stepUntil('b sees a leading', () => b.elector.leader() === 'a');
      await clock.stepUntil('a renews a few times', () => clock.now() > a.terms[0]!.start + 3 * RETRY_MS);
      // The network to a goes silent: a's requests hang until their deadlines.
      a.cutOff();
      proxy.pause();
      proxy.cutAll();
      const renewed = lastWrite(a);
      await clock.stepUntil('b leads', () => b.elector.isLeader());

      const lost = a.terms[0]!.end;
      assert.equal(a.elector.isLeader(), false);
      // A renewal counts from when it began: a steps down exactly renewDeadline after its last one.
      assert.equal(lost, renewed.at + RENEW_MS, 'a stepped down at renewDeadline after its last renewal');
      // b counts leaseDuration from when it first read a's last renewal, and takes the Lease at its
      // first try after that.
      const sawLast = firstSaw(b, renewed.lease);
      const took = b.terms[0]!.start;
      assert.ok(took >= sawLast + LEASE_MS, `b waited out the Lease (${took - sawLast} ms)`);
      assert.ok(took <= sawLast + LEASE_MS + MAX_RETRY_WAIT_MS, `b took over ${took - sawLast} ms after`);
      assert.ok(took > lost!, 'b began leading only after a had stepped down');
      assertNoOverlap([...a.terms, ...b.terms], clock.now());
      const lease = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(lease.spec?.holderIdentity, 'b');
    } finally {
      // No proxy.cutAll() here: resetting the proxy's sockets just after a's aborted requests closed
      // them left this process spinning at exit in about half the runs (a socket never closed).
      await clock.stepWhile(Promise.all([a.stop(), b.stop()]));
      await viaProxy.close();
    }
  });

  it('replaces a crashed leader only after leaseDuration', async () => {
    await using ns = await plane.createNamespace('leader');
    const clock = createSteppedClock(START);
    const a = campaign(clock, client, ns.name, 'a', { releaseOnCancel: false });
    await clock.stepUntil('a leads', () => a.elector.isLeader());
    const b = campaign(clock, client, ns.name, 'b');
    try {
      await clock.stepUntil('b sees a leading', () => b.elector.leader() === 'a');
      await clock.stepUntil('a renews a few times', () => clock.now() > a.terms[0]!.start + 3 * RETRY_MS);
      await clock.stepWhile(a.stop()); // kill -9: no release, the Lease still names a
      const held = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(held.spec?.holderIdentity, 'a');
      await clock.stepUntil('b leads', () => b.elector.isLeader());

      const sawLast = firstSaw(b, held);
      const took = b.terms[0]!.start;
      assert.ok(took >= sawLast + LEASE_MS, `b did not take over early (${took - sawLast} ms)`);
      assert.ok(took <= sawLast + LEASE_MS + MAX_RETRY_WAIT_MS, `b took over ${took - sawLast} ms after`);
      assertNoOverlap([...a.terms, ...b.terms], clock.now());
      const lease = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(lease.spec?.holderIdentity, 'b');
      assert.equal(lease.spec?.leaseTransitions, (held.spec?.leaseTransitions ?? 0) + 1);
    } finally {
      await clock.stepWhile(Promise.all([a.stop(), b.stop()]));
    }
  });
});
