import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, createClient, Lease, loadKubeconfig } from 'operon/client';
import { type ControlPlane, startFaultProxy, useControlPlane } from 'operon/testing';
import {
  createLeaderElector,
  JITTER_FACTOR,
  type LeaderElectionOptions,
  type LeaderElector,
} from '../src/leader/index.ts';

// Whole seconds, because that is all a Lease can state (a 1500 ms lease is written as 2 s).
const LEASE_MS = 2000;
const RENEW_MS = 1500;
const RETRY_MS = 200;
/** The longest a candidate waits between tries: retryPeriod plus client-go's jitter. */
const MAX_RETRY_WAIT_MS = RETRY_MS * (1 + JITTER_FACTOR);
/** Slack for API requests and a loaded machine; the bounds below are about the protocol, not speed. */
const MARGIN_MS = 1000;

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

interface Running {
  elector: LeaderElector;
  /** Stops run() and waits until it has stepped down (and released, if configured). */
  stop(): Promise<void>;
}

function campaign(
  via: Client,
  namespace: string,
  identity: string,
  extra: Partial<LeaderElectionOptions> = {},
): Running {
  const elector = createLeaderElector({
    client: via,
    namespace,
    name: 'lock',
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_MS,
    retryPeriodMs: RETRY_MS,
    ...extra,
  });
  const controller = new AbortController();
  const done = elector.run(controller.signal);
  return {
    elector,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(10);
  }
}

/** Resolves with the time at which `elector` became leader. */
const ledAt = (elector: LeaderElector) => elector.leading().then(() => performance.now());

describe('leader election against a real API server', () => {
  it('lets exactly one of two electors lead at any moment, and the Lease names it', async () => {
    await using ns = await plane.createNamespace('leader');
    const a = campaign(client, ns.name, 'a');
    const b = campaign(client, ns.name, 'b');
    try {
      const first = await Promise.race([a, b].map((r) => r.elector.leading().then(() => r)));
      const other = first === a ? b : a;
      for (let sample = 0; sample < 40; sample++) {
        const leaders = [a, b].filter((r) => r.elector.isLeader()).map((r) => r.elector.identity);
        assert.deepEqual(leaders, [first.elector.identity], `one leader at sample ${sample}`);
        await sleep(50);
      }
      const lease = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(lease.spec?.holderIdentity, first.elector.identity);
      assert.equal(lease.spec?.leaseDurationSeconds, LEASE_MS / 1000);
      assert.match(lease.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.equal(other.elector.leader(), first.elector.identity);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('hands over within about a retryPeriod when the leader stops and releases the Lease', async () => {
    await using ns = await plane.createNamespace('leader');
    const a = campaign(client, ns.name, 'a');
    await a.elector.leading();
    const b = campaign(client, ns.name, 'b');
    try {
      await until('b sees a leading', () => b.elector.leader() === 'a');
      const before = await client.get(Lease, 'lock', { namespace: ns.name });
      const bLeads = ledAt(b.elector);
      const stoppedAt = performance.now();
      await a.stop();
      assert.equal(a.elector.isLeader(), false);
      const handover = (await bLeads) - stoppedAt;
      // Without the release, b could not take over before it saw the Lease unrenewed for
      // LEASE_MS, which is at least LEASE_MS - RETRY_MS - MAX_RETRY_WAIT_MS (1360 ms) after the stop.
      assert.ok(
        handover < MAX_RETRY_WAIT_MS + 500,
        `b led ${Math.round(handover)} ms after a stopped; a released Lease is free at once`,
      );
      const afterHandover = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(afterHandover.spec?.holderIdentity, 'b');
      assert.equal(afterHandover.spec?.leaseTransitions, (before.spec?.leaseTransitions ?? 0) + 1);
      assert.notEqual(afterHandover.spec?.acquireTime, before.spec?.acquireTime);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('steps down within renewDeadline when cut off from the API server, before another takes over', async () => {
    await using ns = await plane.createNamespace('leader');
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    const viaProxy = createClient({ ...client.config, server: proxy.url }, { fieldManager: 'leader-test' });
    const a = campaign(viaProxy, ns.name, 'a');
    const leading = await a.elector.leading();
    let lostAt = Number.NaN;
    leading.addEventListener('abort', () => {
      lostAt = performance.now();
    });
    const b = campaign(client, ns.name, 'b');
    try {
      await until('b sees a leading', () => b.elector.leader() === 'a');
      const bLeads = ledAt(b.elector);
      const cutAt = performance.now();
      proxy.pause();
      proxy.cutAll();

      await until('a stops leading', () => leading.aborted, RENEW_MS + RETRY_MS + MARGIN_MS);
      const lost = lostAt - cutAt;
      // a's last renewal began at most one retryPeriod (plus a request) before the cut.
      assert.ok(
        lost >= RENEW_MS - RETRY_MS - 300,
        `a held on for renewDeadline, not less (${Math.round(lost)} ms)`,
      );
      assert.ok(lost <= RENEW_MS + RETRY_MS + 300, `a stepped down ${Math.round(lost)} ms after the cut`);
      assert.equal(a.elector.isLeader(), false);

      const took = (await bLeads) - cutAt;
      assert.ok((await bLeads) > lostAt, 'b began leading only after a had stepped down');
      assert.ok(
        took >= LEASE_MS - RETRY_MS - 300,
        `b waited for the Lease to expire (${Math.round(took)} ms)`,
      );
      assert.ok(
        took <= LEASE_MS + 2 * MAX_RETRY_WAIT_MS + MARGIN_MS,
        `b took over ${Math.round(took)} ms after the cut`,
      );
      const lease = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(lease.spec?.holderIdentity, 'b');
    } finally {
      // No proxy.cutAll() here: resetting the proxy's sockets just after a's aborted requests closed
      // them left this process spinning at exit in about half the runs (a socket never closed).
      await Promise.all([a.stop(), b.stop()]);
      await viaProxy.close();
    }
  });

  it('replaces a crashed leader only after leaseDuration', async () => {
    await using ns = await plane.createNamespace('leader');
    const a = campaign(client, ns.name, 'a', { releaseOnCancel: false });
    await a.elector.leading();
    const b = campaign(client, ns.name, 'b');
    try {
      await until('b sees a leading', () => b.elector.leader() === 'a');
      const bLeads = ledAt(b.elector);
      const crashedAt = performance.now();
      await a.stop(); // kill -9: no release, the Lease still names a
      const held = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(held.spec?.holderIdentity, 'a');

      const took = (await bLeads) - crashedAt;
      // a's last renewal was written at most a retryPeriod (plus a request) before the crash, and b
      // counts LEASE_MS from when it saw that renewal, which is no earlier than it was written.
      assert.ok(took >= LEASE_MS - RETRY_MS - 150, `b did not take over early (${Math.round(took)} ms)`);
      assert.ok(
        took <= LEASE_MS + 2 * RETRY_MS + MARGIN_MS,
        `b took over ${Math.round(took)} ms after the crash`,
      );
      const lease = await client.get(Lease, 'lock', { namespace: ns.name });
      assert.equal(lease.spec?.holderIdentity, 'b');
      assert.equal(lease.spec?.leaseTransitions, (held.spec?.leaseTransitions ?? 0) + 1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
