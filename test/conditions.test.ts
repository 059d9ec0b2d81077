import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Client, createClient, isInvalid, loadKubeconfig } from 'operon/client';
import { setCondition, updateStatus } from 'operon/controller';
import { conditions, defineResource, Type } from 'operon/resource';
import { type ControlPlane, useControlPlane } from 'operon/testing';

const Gadget = defineResource({
  group: 'conditions-test.operon.dev',
  kind: 'Gadget',
  versions: {
    v1: {
      spec: Type.Object({ size: Type.Integer() }),
      status: Type.Object({ conditions: Type.Optional(conditions('Ready and Degraded.')) }),
    },
  },
});

let plane: ControlPlane;
let client: Client;
before(async () => {
  plane = await useControlPlane({ crds: [Gadget.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
    fieldManager: 'conditions-test',
  });
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

describe('conditions() in a status schema', () => {
  it('takes what setCondition() writes and refuses what metav1.Condition does not allow', async () => {
    await using ns = await plane.createNamespace('conditions');
    const created = await client.create(Gadget, {
      metadata: { name: 'g', namespace: ns.name },
      spec: { size: 1 },
    });
    const ready = setCondition(created.status?.conditions, {
      type: 'Ready',
      status: 'True',
      reason: 'Built',
      message: 'all parts in place',
      observedGeneration: 1,
    });
    await updateStatus(client, Gadget, created, { conditions: ready });
    const read = await client.get(Gadget, 'g', { namespace: ns.name });
    assert.deepEqual(read.status?.conditions, ready);

    // Each write below breaks one rule of metav1.Condition; the API server names the field.
    const base = ready[0]!;
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['a status other than True, False, Unknown', { status: 'Maybe' }, /conditions\[0\]\.status/],
      ['an empty reason', { reason: '' }, /conditions\[0\]\.reason/],
      ['a reason that is not CamelCase', { reason: 'not ok' }, /conditions\[0\]\.reason/],
      ['a type with a space', { type: 'Is Ready' }, /conditions\[0\]\.type/],
      ['a negative observedGeneration', { observedGeneration: -1 }, /conditions\[0\]\.observedGeneration/],
      ['a time that is not a date-time', { lastTransitionTime: 'yesterday' }, /lastTransitionTime/],
      ['a message over 32 KiB', { message: 'x'.repeat(32769) }, /conditions\[0\]\.message/],
    ];
    for (const [what, change, field] of cases) {
      const status = { conditions: [{ ...base, ...change }] } as never;
      await assert.rejects(
        client.status.replace(Gadget, { ...read, status }),
        (err: unknown) => isInvalid(err) && field.test((err as Error).message),
        what,
      );
    }
    // Two conditions of one type: the list is a map keyed by type.
    await assert.rejects(
      client.status.replace(Gadget, { ...read, status: { conditions: [base, { ...base }] } }),
      (err: unknown) => isInvalid(err) && /Duplicate value/.test((err as Error).message),
      'a duplicated type',
    );
  });

  it('describes each field to kubectl explain', async () => {
    const run = promisify(execFile);
    const { stdout } = await run('kubectl', [
      '--kubeconfig',
      plane.kubeconfig.path,
      'explain',
      'gadgets.status.conditions.reason',
    ]);
    assert.match(stdout, /CamelCase identifier, never empty/);
    const list = await run('kubectl', [
      '--kubeconfig',
      plane.kubeconfig.path,
      'explain',
      'gadgets.status.conditions',
    ]);
    assert.match(list.stdout, /Ready and Degraded\./);
  });
});
