import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Client, ConfigMap, createClient, Lease, loadKubeconfig } from 'operon/client';
import { formatMicroTime } from 'operon/leader';
import { ExitCode } from 'operon/manager';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';

const OPERATOR = fileURLToPath(new URL('./fixtures/stubborn-operator.ts', import.meta.url));
const LEASE = 'stubborn-operator';

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

/** Starts the stubborn operator in `namespace`; resolves `reconciling` once its reconcile hangs. */
function startOperator(namespace: string) {
  const child = spawn(process.execPath, ['--conditions=operon:source', OPERATOR], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KUBECONFIG: plane.kubeconfig.path,
      WATCH_NAMESPACE: namespace,
      POD_NAMESPACE: namespace,
      OPERON_LEADER_ELECTION: 'true',
      OPERON_LEASE_DURATION_MS: '4000',
      OPERON_RENEW_DEADLINE_MS: '3000',
      OPERON_RETRY_PERIOD_MS: '500',
      OPERON_METRICS_ADDRESS: '127.0.0.1:0',
      OPERON_HEALTH_ADDRESS: '127.0.0.1:0',
    },
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const reconciling = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('reconciling')) resolve();
    });
    void exited.then((code) =>
      reject(new Error(`exited (${code}) before reconciling:\n${stderr.slice(-2000)}`)),
    );
  });
  reconciling.catch(() => undefined);
  return { child, exited, reconciling, stderr: () => stderr };
}

describe('an operator process whose reconcile never returns', () => {
  it('exits with ExitCode.LeadershipLost once its Lease is taken, though the reconcile holds a timer', {
    timeout: 120_000,
  }, async () => {
    await using ns = await plane.createNamespace('exit-lost');
    const op = startOperator(ns.name);
    await client.create(ConfigMap, { metadata: { name: 'trigger', namespace: ns.name } });
    await op.reconciling;
    const lease = await eventually('the Lease to be held', async () => {
      const l = await client.get(Lease, LEASE, { namespace: ns.name });
      return l.spec?.holderIdentity ? l : undefined;
    });
    const now = formatMicroTime(Date.now());
    await client.replace(
      Lease,
      { ...lease, spec: { ...lease.spec, holderIdentity: 'someone-else', acquireTime: now, renewTime: now } },
      { namespace: ns.name },
    );
    assert.equal(await op.exited, ExitCode.LeadershipLost, op.stderr().slice(-2000));
  });

  it('exits with ExitCode.ShutdownTimedOut after SIGTERM once the grace period is over', {
    timeout: 120_000,
  }, async () => {
    await using ns = await plane.createNamespace('exit-grace');
    const op = startOperator(ns.name);
    await client.create(ConfigMap, { metadata: { name: 'trigger', namespace: ns.name } });
    await op.reconciling;
    op.child.kill('SIGTERM');
    assert.equal(await op.exited, ExitCode.ShutdownTimedOut, op.stderr().slice(-2000));
    const lease = await client.get(Lease, LEASE, { namespace: ns.name });
    assert.equal(lease.spec?.holderIdentity ?? '', '', 'the Lease was released on the way out');
  });
});
