import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Client, ConfigMap, createClient, Lease, loadKubeconfig } from 'operon/client';
import { formatMicroTime } from 'operon/leader';
import { ExitCode } from 'operon/manager';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';
import { killAll, operatorEnv, spawnOperator } from './support/operator-process.ts';

const OPERATOR = fileURLToPath(new URL('./fixtures/stubborn-operator.ts', import.meta.url));
const LEASE = 'stubborn-operator';

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

/** Starts the stubborn operator in `namespace`; `reconciling` resolves once its reconcile hangs. */
function startOperator(namespace: string) {
  const op = spawnOperator(OPERATOR, operatorEnv(plane.kubeconfig.path, namespace));
  const reconciling = op.printed('reconciling');
  reconciling.catch(() => undefined);
  return { ...op, reconciling };
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
