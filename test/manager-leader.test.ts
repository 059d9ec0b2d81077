import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type Client,
  ConfigMap,
  createClient,
  type KubernetesObject,
  Lease,
  loadKubeconfig,
  type ResourceType,
} from 'operon/client';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';
import { watch } from 'operon/watch';
import { killAll, spawnOperator } from './support/operator-process.ts';

const OPERATOR = fileURLToPath(new URL('./fixtures/elected-operator.ts', import.meta.url));

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  killAll();
  await client?.close();
  await plane?.stop();
});

interface Operator {
  identity: string;
  child: ChildProcess;
  leading: Promise<void>;
  exited: Promise<number | null>;
}

function startOperator(namespace: string, identity: string): Operator {
  const op = spawnOperator(OPERATOR, {}, { args: [plane.kubeconfig.path, namespace, identity] });
  const leading = op.printed('leading');
  leading.catch(() => undefined);
  return { identity, child: op.child, leading, exited: op.exited };
}

const stampedBy = (namespace: string, name: string, want: string) =>
  eventually(`an operator to reconcile ${name} to ${want}`, async () => {
    const cm = await client.get(ConfigMap, name, { namespace });
    return cm.data?.seen === want ? (cm.metadata?.annotations?.['stamped-by'] ?? '') : undefined;
  });

const first = <T>(promises: Array<Promise<T>>) => Promise.race(promises.map((p, i) => p.then(() => i)));

/** Runs a watch of `kind` in `namespace`, calling `onObject` for every version; resolves once listed, with the watch's end. */
async function record<T extends KubernetesObject>(
  kind: ResourceType<T>,
  namespace: string,
  signal: AbortSignal,
  onObject: (object: T) => void,
): Promise<{ done: Promise<void> }> {
  let listed: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    listed = resolve;
  });
  const done = (async () => {
    for await (const e of watch(client, kind, { signal, namespace })) {
      if (e.type === 'list') {
        for (const o of e.objects) onObject(o);
        listed();
      } else if (e.type === 'added' || e.type === 'modified') onObject(e.object);
    }
  })();
  await ready;
  return { done };
}

describe('operators with leader election', () => {
  it('only the leader reconciles; SIGTERM releases the Lease to the follower; after kill -9 a new replica takes the unreleased Lease', async () => {
    await using ns = await plane.createNamespace('leader');
    const ac = new AbortController();
    // Every version of the Lease (its holder) and of the ConfigMap (who stamped it), in order.
    const holders: string[] = [];
    const stamps: Array<{ by: string; allowed: readonly string[] }> = [];
    /** Who may write at this point of the test. */
    let allowed: readonly string[] = [];
    const watches = [
      await record(Lease, ns.name, ac.signal, (lease) => {
        if (lease.metadata?.name !== 'elected-operator') return;
        const holder = lease.spec?.holderIdentity ?? '';
        if (holders.at(-1) !== holder) holders.push(holder);
      }),
      await record(ConfigMap, ns.name, ac.signal, (cm) => {
        const by = cm.metadata?.annotations?.['stamped-by'];
        if (cm.metadata?.name === 'target' && by && stamps.at(-1)?.by !== by) stamps.push({ by, allowed });
      }),
    ];
    try {
      const a = startOperator(ns.name, 'op-a');
      const b = startOperator(ns.name, 'op-b');
      const leaderIndex = await first([a.leading, b.leading]);
      const [leader, follower] = leaderIndex === 0 ? [a, b] : [b, a];

      // The follower has the same cache and sees the object, but must not write: every stamp
      // the watch sees is checked against who may write at that moment.
      allowed = [leader.identity];
      await client.create(ConfigMap, {
        metadata: { name: 'target', namespace: ns.name },
        data: { want: '1' },
      });
      assert.equal(await stampedBy(ns.name, 'target', '1'), leader.identity, 'the leader reconciled');

      // SIGTERM: the leader finishes, releases the Lease, and exits 0; the follower takes over.
      allowed = [leader.identity, follower.identity];
      leader.child.kill('SIGTERM');
      assert.equal(await leader.exited, 0, 'a clean shutdown exits 0');
      await follower.leading;
      await client.patch(ConfigMap, 'target', { data: { want: '2' } }, { namespace: ns.name });
      assert.equal(await stampedBy(ns.name, 'target', '2'), follower.identity);
      await eventually('the Lease to name the follower', () => holders.at(-1) === follower.identity);

      // kill -9: no release; a new replica takes over once the Lease (4 s) has expired.
      const c = startOperator(ns.name, 'op-c');
      allowed = [follower.identity, c.identity];
      follower.child.kill('SIGKILL');
      await c.leading;
      await client.patch(ConfigMap, 'target', { data: { want: '3' } }, { namespace: ns.name });
      assert.equal(await stampedBy(ns.name, 'target', '3'), c.identity);
      await eventually('the Lease to name c', () => holders.at(-1) === c.identity);
      c.child.kill('SIGTERM');
      assert.equal(await c.exited, 0);
      // The release was written before c exited; the watch may deliver it a moment later.
      await eventually('the Lease released by c', () => holders.at(-1) === '');

      // The Lease went leader -> released ('') -> follower on SIGTERM, and follower -> c with no
      // release in between after kill -9.
      assert.deepEqual(holders.slice(holders.indexOf(leader.identity)), [
        leader.identity,
        '',
        follower.identity,
        c.identity,
        '',
      ]);
      assert.deepEqual(
        stamps.filter((s) => !s.allowed.includes(s.by)),
        [],
        `only a leader wrote: ${JSON.stringify(stamps)}`,
      );
      assert.deepEqual(
        stamps.map((s) => s.by),
        [leader.identity, follower.identity, c.identity],
      );
    } finally {
      ac.abort();
      await Promise.all(watches.map((w) => w.done));
    }
  });
});
