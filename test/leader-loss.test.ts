import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, ConfigMap, createClient, isConflict, Lease, loadKubeconfig } from 'operon/client';
import { Action, controller } from 'operon/controller';
import { formatMicroTime } from 'operon/leader';
import { createLogger } from 'operon/log';
import { createManager, type Manager } from 'operon/manager';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';

/** Stable error codes, as callers match them. */
const LEADERSHIP_LOST = 'OPERON_LEADERSHIP_LOST';

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
    fieldManager: 'leader-loss-test',
  });
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

const LEASE = 'loss-lock';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A manager with leader election on LEASE in `namespace`; `onLog` sees every log line as it is written. */
async function electedManager(
  namespace: string,
  identity: string,
  extra: { gracefulShutdownMs?: number; onLog?: (line: string) => void } = {},
): Promise<{ manager: Manager; logs: string[] }> {
  const logs: string[] = [];
  const manager = await createManager({
    config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
    namespace,
    metricsAddress: false,
    healthAddress: false,
    gracefulShutdownMs: extra.gracefulShutdownMs ?? 3000,
    log: createLogger({
      format: 'json',
      level: 'info',
      write: (line) => {
        logs.push(line);
        extra.onLog?.(line);
      },
    }),
    leaderElection: {
      namespace,
      name: LEASE,
      identity,
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 500,
    },
  });
  return { manager, logs };
}

function run(manager: Manager) {
  const stop = new AbortController();
  const done = manager.start(stop.signal);
  // The outcome as a value: undefined after a clean stop, else the rejection.
  const outcome = done.then(
    () => undefined,
    (err: unknown) => err,
  );
  return { stop: () => stop.abort(), outcome };
}

/** Writes the Lease as held by `holder`, freshly renewed: another replica taking over. */
async function takeLease(namespace: string, holder: string): Promise<void> {
  // The leader renews the Lease meanwhile: a replace based on an older read gets 409 Conflict, and
  // is made again from a fresh read, as a real usurper would.
  for (;;) {
    const lease = await client.get(Lease, LEASE, { namespace });
    const now = formatMicroTime(Date.now());
    try {
      await client.replace(
        Lease,
        {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: holder,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1,
          },
        },
        { namespace },
      );
      return;
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}

const holderOf = async (namespace: string) =>
  (await client.get(Lease, LEASE, { namespace })).spec?.holderIdentity ?? '';

describe('leadership lost', () => {
  it('a leader whose Lease is taken sends no write after it observed the loss, even from a reconcile that ignores its signal, and start() rejects with LeadershipLost', async () => {
    await using ns = await plane.createNamespace('loss');
    let seq = 0;
    /** The last sequence number issued before the manager logged that it lost leadership. */
    let lastBeforeLoss: number | undefined;
    let keepWriting = true;
    const refused: Array<{ seq: number; code: unknown }> = [];
    const a = await electedManager(ns.name, 'op-a', {
      onLog: (line) => {
        // Logged synchronously by the elector the moment it sees the Lease taken, before anything
        // else runs: every write issued after this line has a higher sequence number.
        if (lastBeforeLoss === undefined && line.includes('the lease was taken by op-b'))
          lastBeforeLoss = seq;
      },
    });
    a.manager.add(
      controller({
        name: 'writer',
        for: ConfigMap,
        async reconcile(request, ctx) {
          if (request.name !== 'trigger') return Action.done();
          // An adversary: writes in a loop and never looks at ctx.signal.
          while (keepWriting) {
            const n = ++seq;
            ctx.client
              .create(
                ConfigMap,
                {
                  metadata: { name: `w-op-a-${n}`, namespace: ns.name, labels: { writer: 'op-a' } },
                  data: { seq: String(n) },
                },
                { fieldManager: ctx.fieldManager },
              )
              .catch((err: unknown) => {
                if (lastBeforeLoss !== undefined && n > lastBeforeLoss)
                  refused.push({ seq: n, code: (err as { code?: unknown }).code });
              });
            await pause(25);
          }
          return Action.done();
        },
      }),
    );
    const runA = run(a.manager);
    await eventually('op-a to lead', () => a.manager.status().leader.leading, 30_000);

    let bReconciled = false;
    const b = await electedManager(ns.name, 'op-b');
    b.manager.add(
      controller({
        name: 'writer',
        for: ConfigMap,
        async reconcile(request) {
          if (request.name === 'trigger') bReconciled = true;
          return Action.done();
        },
      }),
    );
    const runB = run(b.manager);
    try {
      await client.create(ConfigMap, { metadata: { name: 'trigger', namespace: ns.name } });
      await eventually('op-a to write', async () => {
        const list = await client.list(ConfigMap, { namespace: ns.name, labelSelector: { writer: 'op-a' } });
        return list.items.length >= 3;
      });

      await takeLease(ns.name, 'op-b');
      const err = await runA.outcome;
      assert.ok(
        (err as { code?: unknown })?.code === LEADERSHIP_LOST,
        `start() rejects with LeadershipLost, not ${String(err)}`,
      );
      assert.notEqual(lastBeforeLoss, undefined, 'the manager logged the loss');
      assert.ok(!a.manager.status().leader.leading);
      // The adversary kept trying after the loss; every one of those was refused before sending.
      await eventually('writes attempted after the loss', () => refused.length >= 3);
      for (const r of refused)
        assert.equal(r.code, LEADERSHIP_LOST, `write ${r.seq} refused as LeadershipLost`);

      keepWriting = false;
      // op-b leads now, and reconciles.
      await eventually(
        'op-b to lead and reconcile',
        () => b.manager.status().leader.leading && bReconciled,
        30_000,
      );
      assert.equal(await holderOf(ns.name), 'op-b');

      // From the server: the creates that exist are all from before the loss.
      const written = await client.list(ConfigMap, { namespace: ns.name, labelSelector: { writer: 'op-a' } });
      const seqs = written.items.map((cm) => Number(cm.data?.seq));
      assert.ok(seqs.length >= 3);
      const late = seqs.filter((n) => n > lastBeforeLoss!);
      assert.deepEqual(late, [], `writes issued after the loss (at #${lastBeforeLoss}) reached the server`);
      for (const cm of written.items) {
        assert.deepEqual(
          cm.metadata?.managedFields?.map((f) => f.manager),
          ['writer'],
          'written by the old leader through its controller',
        );
      }
    } finally {
      keepWriting = false;
      runA.stop();
      runB.stop();
      await runA.outcome;
      assert.equal(await runB.outcome, undefined, 'op-b stops cleanly');
    }
  });
});

describe('bounded shutdown', () => {
  it('keeps the Lease while a reconcile finishes within grace, and releases it only after the worker stopped', async () => {
    await using ns = await plane.createNamespace('drain');
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let inReconcile = false;
    let holderAfterLastWrite: string | undefined;
    const a = await electedManager(ns.name, 'op-a', { gracefulShutdownMs: 20_000 });
    a.manager.add(
      controller({
        name: 'drainer',
        for: ConfigMap,
        async reconcile(request, ctx) {
          if (request.name !== 'trigger') return Action.done();
          inReconcile = true;
          await gate;
          await ctx.client.create(ConfigMap, { metadata: { name: 'finished', namespace: ns.name } });
          // Read from the server, right after the worker's last write: the Lease must still be ours.
          holderAfterLastWrite = await holderOf(ns.name);
          return Action.done();
        },
      }),
    );
    const runA = run(a.manager);
    await eventually('op-a to lead', () => a.manager.status().leader.leading, 30_000);
    await client.create(ConfigMap, { metadata: { name: 'trigger', namespace: ns.name } });
    await eventually('the reconcile to start', () => inReconcile);
    runA.stop();
    await eventually('the manager to be stopping', () => a.manager.status().phase === 'stopping');
    assert.equal(await holderOf(ns.name), 'op-a', 'the Lease is held while a worker runs');
    open();
    assert.equal(await runA.outcome, undefined, 'a reconcile that finishes within grace is a clean stop');
    assert.equal(holderAfterLastWrite, 'op-a', 'the Lease was still held after the last write');
    assert.equal(await holderOf(ns.name), '', 'then released');
    assert.ok(await client.get(ConfigMap, 'finished', { namespace: ns.name }));
  });

  it("releases the Lease once the grace period is over though a reconcile ignores its signal, refuses that reconcile's later writes, and rejects with ShutdownTimeoutError", async () => {
    await using ns = await plane.createNamespace('stubborn');
    let inReconcile = false;
    let wake: () => void = () => {};
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    let lateWrite: Promise<unknown> | undefined;
    const a = await electedManager(ns.name, 'op-a', { gracefulShutdownMs: 1500 });
    a.manager.add(
      controller({
        name: 'stubborn',
        for: ConfigMap,
        async reconcile(request, ctx) {
          if (request.name !== 'trigger') return Action.done();
          inReconcile = true;
          await woken; // ignores ctx.signal
          lateWrite = ctx.client
            .create(ConfigMap, { metadata: { name: 'too-late', namespace: ns.name } })
            .then(
              () => 'written',
              (err: unknown) => (err as { code?: unknown }).code,
            );
          await lateWrite;
          return Action.done();
        },
      }),
    );
    const runA = run(a.manager);
    await eventually('op-a to lead', () => a.manager.status().leader.leading, 30_000);
    await client.create(ConfigMap, { metadata: { name: 'trigger', namespace: ns.name } });
    await eventually('the reconcile to start', () => inReconcile);
    runA.stop();
    const err = await runA.outcome;
    const timedOut = err as { name?: string; code?: string; pending?: string[] };
    assert.equal(
      timedOut?.name,
      'ShutdownTimeoutError',
      `rejects with ShutdownTimeoutError, not ${String(err)}`,
    );
    assert.equal(timedOut.code, 'OPERON_TIMEOUT');
    assert.deepEqual(timedOut.pending, ['controller stubborn']);
    assert.equal(await holderOf(ns.name), '', 'released after the deadline');
    wake();
    assert.equal(await eventually('the late write to settle', () => lateWrite), LEADERSHIP_LOST);
    await assert.rejects(client.get(ConfigMap, 'too-late', { namespace: ns.name }), { status: 404 });
  });
});
