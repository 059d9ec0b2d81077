import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ConfigMap, Deployment, Secret, Service } from '../client/types/index.ts';
import { Action, controller, watches } from '../controller/index.ts';
import { defineOperator } from '../manager/operator.ts';
import { defineResource, Type } from '../resource/index.ts';
import { generateFiles } from './manifests.ts';
import { rbacRules } from './rbac.ts';

const Thing = defineResource({
  group: 'things.example.com',
  kind: 'Thing',
  versions: { v1: { spec: Type.Object({ a: Type.String() }) } },
});

const things = controller({
  name: 'things',
  for: Thing,
  owns: [Deployment, Service],
  watches: [watches(Secret, () => [])],
  permissions: {
    primary: ['patch'],
    status: ['update'],
    other: [{ resource: ConfigMap, verbs: ['get', 'create'] }],
  },
  reconcile: async () => Action.done(),
});

describe('generated RBAC', () => {
  it('derives exactly the verbs from for, owns, watches, Events and declared permissions', () => {
    const rules = rbacRules([things]);
    const flat = Object.fromEntries(
      rules.map((r) => [`${r.apiGroups[0]}/${r.resources[0]}`, r.verbs.join(',')]),
    );
    assert.deepEqual(flat, {
      '/configmaps': 'get,create',
      '/secrets': 'get,list,watch',
      '/services': 'get,list,watch,create,patch',
      'apps/deployments': 'get,list,watch,create,patch',
      'events.k8s.io/events': 'create,patch',
      'things.example.com/things': 'get,list,watch,patch',
      'things.example.com/things/status': 'update',
    });
  });

  it('uses namespaced Roles when the operator watches one namespace, and a Lease role for leader election', () => {
    const op = defineOperator({
      name: 'thing-operator',
      resources: [Thing],
      controllers: [things],
      watchNamespace: 'apps',
    });
    const docs = generateFiles(op, 'rbac').flatMap((f) =>
      f.content.split('---\n').map((d) => parse(d) as { kind: string; metadata: { namespace?: string } }),
    );
    assert.deepEqual(
      docs.map((d) => `${d.kind}@${d.metadata.namespace ?? ''}`),
      [
        'ServiceAccount@thing-operator-system',
        'Role@apps',
        'RoleBinding@apps',
        'Role@thing-operator-system',
        'RoleBinding@thing-operator-system',
      ],
    );
  });
});

describe('generated manifests', () => {
  const op = defineOperator({
    name: 'thing-operator',
    resources: [Thing],
    controllers: [things],
    image: 'registry.example.com/thing:1.0',
  });

  it('are the same bytes for the same definition', () => {
    const a = generateFiles(op, 'manifests');
    const b = generateFiles(defineOperator({ ...op.definition }), 'manifests');
    assert.deepEqual(a, b);
    assert.deepEqual(
      a.map((f) => f.path),
      [
        'crds/things.things.example.com.yaml',
        'rbac/rbac.yaml',
        'manager/namespace.yaml',
        'manager/deployment.yaml',
        'kustomization.yaml',
      ],
    );
  });

  it('run the operator as a non-root, read-only container with probes and a metrics port', () => {
    const deployment = parse(
      generateFiles(op, 'manifests').find((f) => f.path === 'manager/deployment.yaml')!.content,
    );
    const pod = deployment.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(pod.serviceAccountName, 'thing-operator');
    assert.equal(c.image, 'registry.example.com/thing:1.0');
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.runAsNonRoot, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.equal(c.livenessProbe.httpGet.path, '/healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz');
    assert.ok(
      c.ports.some(
        (p: { name: string; containerPort: number }) => p.name === 'metrics' && p.containerPort === 8080,
      ),
    );
    assert.ok(c.resources.requests.memory);
  });
});

describe('defineOperator input checks', () => {
  it('rejects two resources with the same kind, two controllers with one name, and a bad name', () => {
    const Other = defineResource({
      group: 'other.example.com',
      kind: 'Thing',
      versions: { v1: { spec: Type.Object({}) } },
    });
    assert.throws(
      () => defineOperator({ name: 'Bad_Name', resources: [Thing, Other], controllers: [things, things] }),
      (err: Error) =>
        /name "Bad_Name" must be a lower-case DNS label/.test(err.message) &&
        /two resources have the kind "Thing" \(things\.example\.com\/Thing and other\.example\.com\/Thing\)/.test(
          err.message,
        ) &&
        /two controllers are named "things"/.test(err.message),
    );
  });
});
