import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type Client,
  ConfigMap,
  CustomResourceDefinition,
  createClient,
  isNotFound,
  loadKubeconfig,
  resourceType,
} from 'operon/client';
import { controller } from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager, type ManagerStatus } from 'operon/manager';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

// A group of its own: the plane is shared with other test files.
const group = `crd-${randomBytes(4).toString('hex')}.operon.dev`;
const Gadget = resourceType({ group, version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true });
const crdName = `gadgets.${group}`;
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: crdName },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

async function installCrd() {
  await client.create(CustomResourceDefinition, crd as never);
  await eventually('the CRD to be Established', async () => {
    const got = await client.get(CustomResourceDefinition, crdName);
    return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  });
}

async function removeCrd() {
  await client.delete(CustomResourceDefinition, crdName);
  await eventually('the CRD to be gone', async () => {
    try {
      await client.get(CustomResourceDefinition, crdName);
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  });
}

describe('kinds that come and go', () => {
  it('a controller waits for its CRD, runs once it is Established, stops when it is deleted and runs again when it returns, while another runs throughout', async () => {
    await using ns = await plane.createNamespace('crd-life');
    const logs: string[] = [];
    const manager = await createManager({
      config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
      namespace: ns.name,
      metricsAddress: '127.0.0.1:0',
      metricsSecure: false,
      statusAddress: '127.0.0.1:0',
      healthAddress: '127.0.0.1:0',
      gracefulShutdownMs: 5000,
      log: createLogger({ format: 'json', level: 'debug', write: (l) => logs.push(l) }),
    });
    // What happened, in order: reconciles of each controller and the gadget controller's waits.
    const order: string[] = [];
    manager.add(
      controller({
        name: 'gadgets',
        for: Gadget,
        async reconcile(req, ctx) {
          if (await ctx.get()) order.push(`gadgets ${req.name}`);
        },
      }),
    );
    manager.add(
      controller({
        name: 'configs',
        for: ConfigMap,
        async reconcile(req) {
          order.push(`configs ${req.name}`);
        },
      }),
    );
    const gadgets = () => manager.status().controllers.find((c) => c.name === 'gadgets')!;
    const waiting = async (label: string) => {
      await eventually(`the gadget controller to wait (${label})`, () => gadgets().state === 'waiting');
      order.push('gadgets waiting');
    };
    const ac = new AbortController();
    const done = manager.start(ac.signal);
    try {
      // 1. No CRD: the gadget controller waits, the other reconciles, and the manager is ready.
      await waiting('no CRD yet');
      assert.equal(gadgets().waiting, `waiting for CRD ${crdName}`);
      await client.create(ConfigMap, { metadata: { name: 'one', namespace: ns.name } });
      await eventually('configs to reconcile one', () => order.includes('configs one'));
      const health = manager.addresses.health!;
      await eventually('ready while a controller waits', async () => {
        return (await fetch(`http://${health}/readyz`)).status === 200;
      });
      const status = (await (
        await fetch(`http://${manager.addresses.status}/status`)
      ).json()) as ManagerStatus;
      assert.equal(
        status.controllers.find((c) => c.name === 'gadgets')?.waiting,
        `waiting for CRD ${crdName}`,
      );
      const metric = `operon_controller_waiting_for_crd{controller="gadgets",crd="${crdName}"}`;
      const scrape = async () => (await fetch(`http://${manager.addresses.metrics}/metrics`)).text();
      assert.match(await scrape(), new RegExp(`${escapeRegExp(metric)} 1`));

      // 2. The CRD arrives: the gadget controller starts and reconciles.
      await installCrd();
      await client.create(Gadget, { metadata: { name: 'first', namespace: ns.name } } as never);
      await eventually('gadgets to reconcile first', () => order.includes('gadgets first'));
      assert.equal(gadgets().state, 'ready');
      assert.match(await scrape(), new RegExp(`${escapeRegExp(metric)} 0`));

      // 3. The CRD goes: the gadget controller stops (its informer too) and waits again.
      await removeCrd();
      await waiting('CRD deleted');
      await eventually('the Gadget informer to be dropped', () =>
        manager.cache.stats().every((s) => !s.type.includes(group)),
      );
      await client.create(ConfigMap, { metadata: { name: 'two', namespace: ns.name } });
      await eventually('configs to reconcile two', () => order.includes('configs two'));

      // 4. The CRD returns: it starts again.
      await installCrd();
      await client.create(Gadget, { metadata: { name: 'second', namespace: ns.name } } as never);
      await eventually('gadgets to reconcile second', () => order.includes('gadgets second'));
      await client.create(ConfigMap, { metadata: { name: 'three', namespace: ns.name } });
      await eventually('configs to reconcile three', () => order.includes('configs three'));
    } finally {
      ac.abort();
      await done;
      await removeCrd().catch(() => {});
    }
    // Each step happened in this order, the other controller reconciling while the first waited.
    const expected = [
      'gadgets waiting',
      'configs one',
      'gadgets first',
      'gadgets waiting',
      'configs two',
      'gadgets second',
      'configs three',
    ];
    let from = 0;
    for (const step of expected) {
      const at = order.indexOf(step, from);
      assert.ok(at >= 0, `${step} after ${expected[expected.indexOf(step) - 1]}: ${order.join(', ')}`);
      from = at + 1;
    }
    // Waiting is logged once per wait, not once per CRD event.
    const waits = logs.filter((l) => l.includes(`"waiting for CRD ${crdName}"`));
    assert.equal(waits.length, 2, waits.join('\n'));
  });

  it('adds a controller after start; one whose CRD is installed starts without ever waiting', async () => {
    await using ns = await plane.createNamespace('crd-late');
    await installCrd();
    try {
      await client.create(Gadget, { metadata: { name: 'there', namespace: ns.name } } as never);
      const logs: string[] = [];
      const manager = await createManager({
        config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
        namespace: ns.name,
        metricsAddress: false,
        healthAddress: false,
        gracefulShutdownMs: 5000,
        log: createLogger({ format: 'json', level: 'debug', write: (l) => logs.push(l) }),
      });
      const seen: string[] = [];
      manager.add(controller({ name: 'configs', for: ConfigMap, reconcile: async () => {} }));
      const ac = new AbortController();
      const done = manager.start(ac.signal);
      try {
        await eventually('the manager running', () => manager.status().phase === 'running');
        manager.add(
          controller({
            name: 'late-gadgets',
            for: Gadget,
            async reconcile(req) {
              seen.push(req.name);
            },
          }),
        );
        await eventually('the late controller to reconcile the gadget', () => seen.includes('there'));
        const late = manager.status().controllers.find((c) => c.name === 'late-gadgets');
        assert.equal(late?.state, 'ready');
        assert.throws(
          () => manager.add(controller({ name: 'configs', for: ConfigMap, reconcile: async () => {} })),
          /names must be unique/,
        );
      } finally {
        ac.abort();
        await done;
      }
      assert.deepEqual(
        logs.filter((l) => l.includes('waiting for CRD')),
        [],
        'a served CRD is never reported as awaited',
      );
    } finally {
      await removeCrd();
    }
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
