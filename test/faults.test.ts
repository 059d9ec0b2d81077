/**
 * The fault matrix: a small real operator (test/support/convergence.ts) runs against a real
 * control plane through the fault proxy while the network or the control plane fails. Each row
 * ends with the operator's informer equal to a fresh LIST and every source mirrored. Recovery
 * figures are printed as test diagnostics for docs/reliability.md; no assertion is on time
 * except the issue's own 30 s bound for a blackhole, as the deadline of the wait.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { type ControlPlane, eventually, startControlPlane, startFaultProxy } from 'operon/testing';
import { ErrorCode, isOperonError } from '../src/errors.ts';
import {
  createSources,
  startMirrorOperator,
  untilCacheMatchesList,
  untilMirrored,
  updateSources,
} from './support/convergence.ts';

/** Makes each write of the noisy neighbour take the API server a while (a 64 KiB value). */
const PAD = 'x'.repeat(64 * 1024);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe('the fault matrix', () => {
  let plane: ControlPlane;
  let client: Client;
  let apiPort: number;

  before(async () => {
    plane = await startControlPlane();
    apiPort = Number(new URL(plane.server).port);
    client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
      fieldManager: 'fault-test',
    });
  });
  after(async () => {
    await client?.close();
    await plane?.stop();
  });

  it('acts on a new change within 30 s while every open connection is blackholed', async (t) => {
    await using ns = await plane.createNamespace('blackhole');
    await using proxy = await startFaultProxy({ port: apiPort });
    await createSources(client, ns.name, 5);
    const op = await startMirrorOperator({
      kubeconfig: plane.kubeconfig.path,
      server: proxy.url,
      namespace: ns.name,
    });
    try {
      await untilMirrored(client, ns.name);
      const acceptedBefore = proxy.stats.accepted;
      const started = performance.now();
      // A NAT or load balancer forgets every flow: bytes vanish, nothing is closed; new flows work.
      const holed = proxy.blackhole();
      assert.ok(holed >= 1, 'the operator had connections open');
      await client.patch(ConfigMap, 's0', { data: { v: 'after-blackhole' } }, { namespace: ns.name });
      await eventually(
        'the operator to act on the change (issue #10.9: within 30 s)',
        async () =>
          (await client.get(ConfigMap, 's0-mirror', { namespace: ns.name })).data?.v === 'after-blackhole',
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      const recovered = performance.now() - started;
      // The protocol that made it happen: the PINGs found the dead connection, the client gave it
      // up (the blackhole was never lifted) and carried on over a new one.
      assert.ok(op.manager.client.transport.stats.unresponsive >= 1, 'a PING went unanswered');
      assert.ok(proxy.stats.abandoned >= 1, 'the client closed a blackholed connection');
      assert.ok(proxy.stats.accepted > acceptedBefore, 'and opened a new one');
      t.diagnostic(`blackhole: new change acted on ${seconds(recovered)} after every connection went silent`);

      await updateSources(client, ns.name, 5, 'final');
      await untilMirrored(client, ns.name);
      await untilCacheMatchesList(client, op.informer, ns.name);
    } finally {
      await op.stop();
    }
  });

  it('converges under 150 ms of latency each way', async (t) => {
    await using ns = await plane.createNamespace('latency');
    await using proxy = await startFaultProxy({ port: apiPort });
    const op = await startMirrorOperator({
      kubeconfig: plane.kubeconfig.path,
      server: proxy.url,
      namespace: ns.name,
    });
    try {
      proxy.latency(150);
      const started = performance.now();
      await createSources(client, ns.name, 20);
      await updateSources(client, ns.name, 20, 'slow');
      const written = performance.now();
      await untilMirrored(client, ns.name);
      const converged = performance.now();
      // Every request of the operator paid the latency: its cache is still a faithful copy.
      await untilCacheMatchesList(client, op.informer, ns.name);
      assert.ok(op.informer.stats().errors === 0, 'latency alone causes no watch error');
      t.diagnostic(
        `latency 150 ms each way: 20 sources created and updated in ${seconds(written - started)}, all mirrored ${seconds(converged - written)} after the last write`,
      );
    } finally {
      proxy.latency(0);
      await op.stop();
    }
  });

  it('converges after connections are reset at random during writes', async (t) => {
    await using ns = await plane.createNamespace('resets');
    await using proxy = await startFaultProxy({ port: apiPort });
    await createSources(client, ns.name, 20);
    const op = await startMirrorOperator({
      kubeconfig: plane.kubeconfig.path,
      server: proxy.url,
      namespace: ns.name,
    });
    try {
      await untilMirrored(client, ns.name);
      proxy.chaos({ minMs: 100, maxMs: 800 });
      // Writes go on until the proxy has cut ten of the operator's connections.
      let writes = 0;
      for (let round = 0; proxy.stats.cut < 10 && round < 200; round++) {
        await updateSources(client, ns.name, 20, `r${round}`);
        writes += 20;
      }
      assert.ok(proxy.stats.cut >= 10, `the proxy cut ten connections (${proxy.stats.cut})`);
      proxy.calm();
      const calmed = performance.now();
      await untilMirrored(client, ns.name);
      const converged = performance.now();
      await untilCacheMatchesList(client, op.informer, ns.name);
      // Ten cuts are proven above; whether one hit the watch's own stream depends on timing.
      t.diagnostic(`watch errors seen: ${op.informer.stats().errors}`);
      t.diagnostic(
        `connection resets: ${proxy.stats.cut} connections cut during ${writes} writes; all mirrored ${seconds(converged - calmed)} after the resets stopped`,
      );
    } finally {
      await op.stop();
    }
  });

  it('sends nothing after close(): every request, a watch too, fails with OPERON_CLIENT_CLOSED', async () => {
    await using ns = await plane.createNamespace('closed');
    await using proxy = await startFaultProxy({ port: apiPort });
    const viaProxy = createClient({ ...client.config, server: proxy.url });
    await viaProxy.create(ConfigMap, { metadata: { name: 'a', namespace: ns.name } });
    await viaProxy.close();
    const accepted = proxy.stats.accepted;
    const closed = (err: unknown) => isOperonError(err, ErrorCode.ClientClosed);
    await assert.rejects(viaProxy.get(ConfigMap, 'a', { namespace: ns.name }), closed);
    await assert.rejects(viaProxy.list(ConfigMap, { namespace: ns.name }), closed);
    await assert.rejects(viaProxy.create(ConfigMap, { metadata: { name: 'b', namespace: ns.name } }), closed);
    await assert.rejects(
      viaProxy.transport.send({
        method: 'GET',
        path: `${viaProxy.path(ConfigMap, { namespace: ns.name })}?watch=1`,
      }),
      closed,
    );
    assert.equal(proxy.stats.accepted, accepted, 'no connection was opened after close()');
    await assert.rejects(client.get(ConfigMap, 'b', { namespace: ns.name }), /not found/i);
  });
});

describe('the fault matrix: etcd down, the API server answers 5xx', () => {
  let plane: ControlPlane;
  let client: Client;

  before(async () => {
    // With etcd gone the API server holds each request until its --request-timeout (60 s by
    // default; writes give up at about 34 s) and then answers 504. A short timeout makes the
    // outage a storm of 5xx answers instead of a stall.
    plane = await startControlPlane({ apiServerArgs: ['--request-timeout=5s'] });
    client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
      fieldManager: 'fault-test',
    });
  });
  after(async () => {
    await client?.close();
    await plane?.stop();
  });

  it('converges after a 5xx storm while etcd is down', async (t) => {
    // Not disposed: this plane is the row's own and goes with it (a namespace DELETE right after
    // the outage can still run into the 5 s request timeout).
    const ns = await plane.createNamespace('etcd-down');
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    const op = await startMirrorOperator({
      kubeconfig: plane.kubeconfig.path,
      server: proxy.url,
      namespace: ns.name,
    });
    try {
      // Slow the operator down so that its writes for these sources land during the outage.
      proxy.latency(100);
      await createSources(client, ns.name, 30);
      await plane.restart('etcd', { downMs: 15_000 });
      const back = performance.now();
      proxy.latency(0);
      await updateSources(client, ns.name, 30, 'after-outage');
      await untilMirrored(client, ns.name, 120_000);
      const converged = performance.now();
      await untilCacheMatchesList(client, op.informer, ns.name);
      const fivexx = [...op.statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
      assert.ok(
        fivexx > 0,
        `the operator was answered 5xx during the outage (statuses: ${[...op.statuses]})`,
      );
      t.diagnostic(
        `etcd down 15 s (--request-timeout=5s): the operator got ${fivexx} 5xx answers; all mirrored ${seconds(converged - back)} after etcd was back (30 updates included)`,
      );
    } finally {
      await op.stop();
    }
  });
});

describe('the fault matrix: an API server that sheds load with 429', () => {
  let plane: ControlPlane;
  let admin: Client;

  before(async () => {
    // Max-inflight answers 429 only without API Priority and Fairness; system:masters is exempt,
    // so the operator runs as an ordinary user bound to cluster-admin.
    plane = await startControlPlane({
      apiServerArgs: [
        '--enable-priority-and-fairness=false',
        '--max-requests-inflight=1',
        '--max-mutating-requests-inflight=1',
      ],
    });
    admin = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
    await plane.connection.call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'fault-operator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'fault-operator' }],
    });
  });
  after(async () => {
    await admin?.close();
    await plane?.stop();
  });

  it('converges while the API server sheds its requests with 429', async (t) => {
    await using ns = await plane.createNamespace('throttled');
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    const user = await plane.kubeconfigFor('fault-operator');
    const op = await startMirrorOperator({ kubeconfig: user.path, server: proxy.url, namespace: ns.name });
    // A neighbour with the same limits keeps the server's one read and one write slot busy.
    await using other = await plane.createNamespace('noisy');
    await admin.create(ConfigMap, { metadata: { name: 'noise', namespace: other.name } });
    const noisy = createClient(await loadKubeconfig({ kubeconfig: user.path }), {
      maxThrottleRetries: 0,
      fieldManager: 'noisy',
    });
    let stop = false;
    let noisy429 = 0;
    const load = Array.from({ length: 4 }, async (_, i) => {
      while (!stop) {
        const res = await noisy.transport.send(
          i % 2 === 0
            ? { method: 'GET', path: `/api/v1/namespaces/${other.name}/configmaps` }
            : {
                method: 'PATCH',
                path: `/api/v1/namespaces/${other.name}/configmaps/noise`,
                body: JSON.stringify({ data: { n: String(Math.random()), pad: PAD } }),
                contentType: 'application/merge-patch+json',
              },
        );
        await res.body.dump();
        if (res.status === 429) noisy429++;
      }
    });
    try {
      await createSources(admin, ns.name, 30);
      await updateSources(admin, ns.name, 30, 'throttled');
      await eventually('the operator to be answered 429 five times', () => (op.statuses.get(429) ?? 0) >= 5, {
        timeoutMs: 60_000,
      });
      // The neighbour goes quiet; the operator must converge on its own retries and requeues.
      stop = true;
      await Promise.all(load);
      const quiet = performance.now();
      await untilMirrored(admin, ns.name);
      const converged = performance.now();
      await untilCacheMatchesList(admin, op.informer, ns.name);
      const throttled = op.statuses.get(429) ?? 0;
      assert.ok(noisy429 > 0, 'the server shed the neighbour’s load too');
      t.diagnostic(
        `429 (--max-requests-inflight=1, APF off): the operator was answered 429 ${throttled} times (its neighbour ${noisy429}); all 30 sources mirrored ${seconds(converged - quiet)} after the load stopped`,
      );
    } finally {
      stop = true;
      await Promise.all(load);
      await noisy.close();
      await op.stop();
    }
  });
});
