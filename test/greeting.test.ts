import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { isTrue } from 'operon/controller';
import { createManager } from 'operon/manager';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';
import { Greeting, greetings } from '../examples/greeting/operator.ts';

let plane: ControlPlane;
let client: Client;
before(async () => {
  plane = await useControlPlane({ crds: [Greeting.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

describe("the README's smallest operator", () => {
  it('applies a ConfigMap with the message and reports Ready', async () => {
    await using ns = await plane.createNamespace('greeting');
    const manager = await createManager({
      config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
      namespace: ns.name,
      metricsAddress: false,
      healthAddress: false,
      log: (await import('operon/log')).silentLogger,
    });
    manager.add(greetings);
    const ac = new AbortController();
    const running = manager.start(ac.signal);
    try {
      await client.create(Greeting, {
        metadata: { name: 'hi', namespace: ns.name },
        spec: { message: 'hello, world' },
      });
      const cm = await eventually('the greeting to be Ready with its ConfigMap', async () => {
        const g = await client.get(Greeting, 'hi', { namespace: ns.name });
        const owned = await client.get(ConfigMap, 'hi', { namespace: ns.name }).catch(() => undefined);
        return owned && isTrue(g.status?.conditions, 'Ready') ? owned : undefined;
      });
      assert.equal(cm.data?.message, 'hello, world');
      assert.equal(cm.metadata?.ownerReferences?.[0]?.name, 'hi');
      await assert.rejects(
        client.create(Greeting, { metadata: { name: 'quiet', namespace: ns.name }, spec: { message: '' } }),
        /say something/,
      );
    } finally {
      ac.abort();
      await running;
    }
  });
});
