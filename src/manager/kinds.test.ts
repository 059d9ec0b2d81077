import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceType } from '../client/resource.ts';
import { crdNameOf, crdServes, isBuiltinGroup } from './kinds.ts';

const crd = (o: { established?: string; served?: boolean; deleting?: boolean } = {}) => ({
  metadata: { name: 'webapps.example.operon.dev', ...(o.deleting ? { deletionTimestamp: 'now' } : {}) },
  spec: {
    group: 'example.operon.dev',
    names: { kind: 'WebApp', plural: 'webapps' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: o.served ?? true, storage: true }],
  },
  status: { conditions: [{ type: 'Established', status: o.established ?? 'True' }] },
});

describe('kinds that come and go', () => {
  it('names the CRD of a kind as <plural>.<group>', () => {
    const WebApp = resourceType({
      group: 'example.operon.dev',
      version: 'v1',
      kind: 'WebApp',
      plural: 'webapps',
      namespaced: true,
    });
    assert.equal(crdNameOf(WebApp), 'webapps.example.operon.dev');
  });

  it('counts a kind served while its CRD is Established and serves its version, until the CRD is gone', () => {
    assert.equal(crdServes(crd() as never, 'v1'), true);
    assert.equal(crdServes(undefined, 'v1'), false);
    assert.equal(crdServes(crd({ established: 'False' }) as never, 'v1'), false);
    assert.equal(crdServes(crd({ served: false }) as never, 'v1'), false);
    assert.equal(crdServes(crd() as never, 'v2'), false);
    // Terminating: its objects are being deleted, and their finalizers need the controller.
    assert.equal(crdServes(crd({ deleting: true }) as never, 'v1'), true);
  });

  it('treats the API server’s own groups as built in, and CRD groups under k8s.io as CRDs', () => {
    for (const g of ['', 'apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io'])
      assert.equal(isBuiltinGroup(g), true, g);
    for (const g of ['example.operon.dev', 'gateway.networking.k8s.io', 'snapshot.storage.k8s.io'])
      assert.equal(isBuiltinGroup(g), false, g);
  });
});
