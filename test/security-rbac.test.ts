import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Client,
  ClusterRole,
  ConfigMap,
  createClient,
  isApiError,
  loadKubeconfig,
  Secret,
} from 'operon/client';
import { Action, controller, controllerReference } from 'operon/controller';
import { rbacManifests } from 'operon/generate';
import { type ControlPlane, eventually, startControlPlane } from 'operon/testing';

// Its own plane: the admission plugin under test must be on by default, whatever a shared plane runs.
let plane: ControlPlane;
let admin: Client;

before(async () => {
  plane = await startControlPlane();
  admin = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await admin?.close();
  await plane?.stop();
});

/** Applies generated RBAC documents as the admin. */
async function applyAll(docs: ReadonlyArray<Record<string, unknown>>) {
  for (const doc of docs) {
    const d = doc as { apiVersion: string; kind: string };
    const type = await admin.mapper.resourceFor(d.apiVersion, d.kind);
    await admin.apply(type, doc as never, { force: true });
  }
}

/** A client acting as ServiceAccount `name` in `namespace`. */
async function asServiceAccount(namespace: string, name: string): Promise<Client> {
  const config = await loadKubeconfig({ kubeconfig: plane.kubeconfig.path });
  return createClient({
    ...config,
    impersonate: {
      user: `system:serviceaccount:${namespace}:${name}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    },
  });
}

const owner = controller({
  name: 'owner',
  for: ConfigMap,
  owns: [Secret],
  reconcile: async () => Action.done(),
});

describe('generated RBAC on a cluster that enforces owner-reference permissions', () => {
  it('the test plane runs OwnerReferencesPermissionEnforcement: a child with blockOwnerDeletion needs <primary>/finalizers update', async () => {
    await using ns = await plane.createNamespace('ownerrefs');
    const docs = rbacManifests({
      name: 'owner-op',
      namespace: ns.name,
      leaderElection: false,
      controllers: [owner],
    });
    // The same rules without the finalizers grant, as generated before.
    const without = docs.map((d) =>
      d.kind === 'ClusterRole' && (d.metadata as { name: string }).name === 'owner-op-manager'
        ? {
            ...d,
            rules: (d.rules as Array<{ resources: string[] }>).filter(
              (r) => r.resources[0] !== 'configmaps/finalizers',
            ),
          }
        : d,
    );
    const parent = await admin.create(ConfigMap, { metadata: { name: 'parent', namespace: ns.name } });
    const child = (name: string) => ({
      metadata: { name, namespace: ns.name, ownerReferences: [controllerReference(parent)] },
      stringData: { a: 'b' },
    });
    const sa = await asServiceAccount(ns.name, 'owner-op');
    try {
      await applyAll(without);
      const err = await eventually('the RBAC to apply', async () => {
        try {
          await sa.apply(Secret, child('refused'));
          return undefined;
        } catch (e) {
          return isApiError(e) && e.status === 403 && /blockOwnerDeletion/.test(e.message) ? e : undefined;
        }
      });
      assert.match(err.message, /cannot set blockOwnerDeletion/);

      await applyAll(docs);
      const made = await eventually('the finalizers grant to apply', async () =>
        sa.apply(Secret, child('allowed')).catch(() => undefined),
      );
      assert.equal(made.metadata?.ownerReferences?.[0]?.blockOwnerDeletion, true);
    } finally {
      await sa.close();
      await admin.delete(ClusterRole, 'owner-op-manager').catch(() => undefined);
    }
  });
});
