import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { type ControlPlane, useControlPlane } from 'operon/testing';

const OPERATOR = fileURLToPath(new URL('./fixtures/elected-operator.ts', import.meta.url));

let plane: ControlPlane;
let client: Client;
const children: ChildProcess[] = [];

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await client?.close();
  await plane?.stop();
});

interface Operator {
  identity: string;
  child: ChildProcess;
  leading: Promise<number>;
  exited: Promise<number | null>;
}

function startOperator(namespace: string, identity: string): Operator {
  const child = spawn(
    process.execPath,
    ['--conditions=operon:source', OPERATOR, plane.kubeconfig.path, namespace, identity],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const leading = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('leading')) resolve(Date.now());
    });
    void exited.then((code) =>
      reject(new Error(`${identity} exited (${code}) before leading:\n${stderr.slice(-2000)}`)),
    );
  });
  leading.catch(() => undefined);
  return { identity, child, leading, exited };
}

async function stampedBy(namespace: string, name: string, want: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cm = await client.get(ConfigMap, name, { namespace });
    if (cm.data?.seen === want) return cm.metadata?.annotations?.['stamped-by'] ?? '';
    if (Date.now() > deadline) throw new Error(`no operator reconciled ${name} to ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const first = <T>(promises: Array<Promise<T>>) => Promise.race(promises.map((p, i) => p.then(() => i)));

describe('operators with leader election', () => {
  it('only the leader reconciles; SIGTERM hands over within 3 s; kill -9 within the lease duration plus the retry period', async () => {
    await using ns = await plane.createNamespace('leader');
    const a = startOperator(ns.name, 'op-a');
    const b = startOperator(ns.name, 'op-b');
    const leaderIndex = await first([a.leading, b.leading]);
    const [leader, follower] = leaderIndex === 0 ? [a, b] : [b, a];

    await client.create(ConfigMap, { metadata: { name: 'target', namespace: ns.name }, data: { want: '1' } });
    assert.equal(await stampedBy(ns.name, 'target', '1'), leader.identity, 'the leader reconciled');
    // The follower has the same cache and sees the object, but must not write.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(
      (await client.get(ConfigMap, 'target', { namespace: ns.name })).metadata?.annotations?.['stamped-by'],
      leader.identity,
    );

    // SIGTERM: the leader finishes, releases the Lease, and exits 0; the follower takes over at once.
    const termAt = Date.now();
    leader.child.kill('SIGTERM');
    assert.equal(await leader.exited, 0, 'a clean shutdown exits 0');
    const tookOver = await follower.leading;
    assert.ok(tookOver - termAt < 3000, `handover after SIGTERM took ${tookOver - termAt} ms`);
    await client.patch(ConfigMap, 'target', { data: { want: '2' } }, { namespace: ns.name });
    assert.equal(await stampedBy(ns.name, 'target', '2'), follower.identity);

    // kill -9: no release; a new replica takes over once the lease (4 s) expires.
    const c = startOperator(ns.name, 'op-c');
    await new Promise((r) => setTimeout(r, 1500));
    const killAt = Date.now();
    follower.child.kill('SIGKILL');
    const cLeads = await c.leading;
    const handover = cLeads - killAt;
    assert.ok(
      handover < 4000 + 500 + 2000,
      `handover after kill -9 took ${handover} ms (lease 4000 + retry 500 + margin)`,
    );
    await client.patch(ConfigMap, 'target', { data: { want: '3' } }, { namespace: ns.name });
    assert.equal(await stampedBy(ns.name, 'target', '3'), c.identity);
    c.child.kill('SIGTERM');
    assert.equal(await c.exited, 0);
  });
});
