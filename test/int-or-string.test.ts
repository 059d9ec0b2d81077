import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, createClient, isInvalid, loadKubeconfig } from 'operon/client';
import { defineResource, Type } from 'operon/resource';
import { type ControlPlane, useControlPlane } from 'operon/testing';

// The form the API server's own OpenAPI gives IntOrString (as in a Service's targetPort).
const targetPort = Type.Unsafe<number | string>({
  description: 'Number or name of the port.',
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  'x-kubernetes-int-or-string': true,
});

const Relay = defineResource({
  group: 'int-or-string-test.operon.dev',
  kind: 'Relay',
  versions: { v1: { spec: Type.Object({ targetPort }) } },
});

let plane: ControlPlane;
let client: Client;
before(async () => {
  plane = await useControlPlane({ crds: [Relay.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

describe('an int-or-string field in the OpenAPI form', () => {
  it('is a CRD the API server accepts, taking a number or a string and nothing else', async () => {
    await using ns = await plane.createNamespace('int-or-string');
    const byNumber = await client.create(Relay, {
      metadata: { name: 'n', namespace: ns.name },
      spec: { targetPort: 8080 },
    });
    assert.equal(byNumber.spec.targetPort, 8080);
    const byName = await client.create(Relay, {
      metadata: { name: 's', namespace: ns.name },
      spec: { targetPort: 'http' },
    });
    assert.equal(byName.spec.targetPort, 'http');
    await assert.rejects(
      client.create(Relay, {
        metadata: { name: 'b', namespace: ns.name },
        spec: { targetPort: true },
      } as never),
      (err) => isInvalid(err),
    );
  });
});
