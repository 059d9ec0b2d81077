import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, createClient, loadKubeconfig, Service } from 'operon/client';
import { type ControlPlane, startControlPlane } from 'operon/testing';

/** Whether an IPv4 address lies in 10.96.0.0/16. */
const inServiceRange = (ip: string | undefined) => /^10\.96\.\d{1,3}\.\d{1,3}$/.test(ip ?? '');

describe('the Service ClusterIP range of a plane', () => {
  let plane: ControlPlane;
  let client: Client;

  before(async () => {
    // A plane of its own: a shared one may have been started by older code with a smaller range.
    plane = await startControlPlane();
    client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  });
  after(async () => {
    await client?.close();
    await plane?.stop();
  });

  it('holds 300 Services, each with its own ClusterIP from kind’s default /16', async () => {
    await using ns = await plane.createNamespace('services');
    const names = Array.from({ length: 300 }, (_, i) => `svc-${i}`);
    const ips: string[] = [];
    // Ten at a time: the API server allocates each ClusterIP as the Service is created.
    for (let i = 0; i < names.length; i += 10) {
      const created = await Promise.all(
        names.slice(i, i + 10).map((name) =>
          client.create(Service, {
            metadata: { name, namespace: ns.name },
            spec: { ports: [{ port: 80 }] },
          }),
        ),
      );
      for (const s of created) ips.push(s.spec?.clusterIP ?? '');
    }
    assert.equal(ips.length, 300);
    assert.equal(new Set(ips).size, 300, 'every ClusterIP is distinct');
    const outside = ips.filter((ip) => !inServiceRange(ip));
    assert.deepEqual(outside, [], 'every ClusterIP is in 10.96.0.0/16');
    const listed = await client.list(Service, { namespace: ns.name });
    assert.equal(listed.items.length, 300);
    const kubernetes = await client.get(Service, 'kubernetes', { namespace: 'default' });
    assert.equal(
      kubernetes.spec?.clusterIP,
      '10.96.0.1',
      'the API server’s own Service takes the first address',
    );
  });
});
