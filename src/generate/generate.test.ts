import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ConfigMap, Deployment, Namespace, Secret, Service } from '../client/types/index.ts';
import { Action, controller, watches } from '../controller/index.ts';
import { DEFAULT_GRACEFUL_SHUTDOWN_MS, STOP_MARGIN_MS } from '../manager/lifecycle.ts';
import { defineOperator } from '../manager/operator.ts';
import { defineResource, Type } from '../resource/index.ts';
import { defineWebhooks } from '../webhook/index.ts';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../webhook/server.ts';
import { generateFiles } from './manifests.ts';
import { crdWatchRules, namespacedRbacRules, rbacManifests, rbacRules } from './rbac.ts';

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
      'things.example.com/things/finalizers': 'update',
      'things.example.com/things/status': 'update',
    });
  });

  it('grants delete on an owned kind only when its owns entry says the reconcile deletes', () => {
    const pruning = controller({
      name: 'pruning',
      for: Thing,
      owns: [{ resource: Secret, deletes: true }, ConfigMap, { resource: Service }],
      reconcile: async () => Action.done(),
    });
    const flat = Object.fromEntries(
      rbacRules([pruning]).map((r) => [`${r.apiGroups[0]}/${r.resources[0]}`, r.verbs.join(',')]),
    );
    assert.equal(flat['/secrets'], 'get,list,watch,create,patch,delete');
    assert.equal(flat['/configmaps'], 'get,list,watch,create,patch');
    assert.equal(flat['/services'], 'get,list,watch,create,patch', 'deletes defaults to false');
    assert.equal(flat['things.example.com/things/finalizers'], 'update', 'the object form owns too');
    const owningCustom = controller({
      name: 'oc',
      for: ConfigMap,
      owns: [{ resource: Thing, deletes: true }],
      reconcile: async () => {},
    });
    assert.equal(crdWatchRules([owningCustom]).length, 1, 'an owned custom kind in the object form counts');
  });

  it('grants <primary>/finalizers update only to a controller that owns kinds (its references block owner deletion)', () => {
    const reader = controller({ name: 'reader', for: Thing, reconcile: async () => Action.done() });
    assert.ok(!rbacRules([reader]).some((r) => r.resources[0] === 'things/finalizers'));
    const owner = controller({
      name: 'owner',
      for: Thing,
      owns: [ConfigMap],
      reconcile: async () => Action.done(),
    });
    assert.deepEqual(
      rbacRules([owner]).find((r) => r.resources[0] === 'things/finalizers'),
      { apiGroups: ['things.example.com'], resources: ['things/finalizers'], verbs: ['update'] },
    );
  });

  it('puts permissions declared for a namespace in a Role there, narrowed by resourceNames', () => {
    const scoped = controller({
      name: 'scoped',
      for: Thing,
      permissions: {
        other: [
          { resource: ConfigMap, verbs: ['create'], namespace: 'ops' },
          { resource: ConfigMap, verbs: ['get', 'patch'], namespace: 'ops', resourceNames: ['registry'] },
          { resource: Secret, verbs: ['get'], resourceNames: ['b', 'a'] },
        ],
      },
      reconcile: async () => Action.done(),
    });
    const cluster = rbacRules([scoped]);
    assert.ok(!cluster.some((r) => r.resources[0] === 'configmaps'), 'no cluster-wide ConfigMap rule');
    assert.deepEqual(
      cluster.find((r) => r.resources[0] === 'secrets'),
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'], verbs: ['get'] },
    );
    assert.deepEqual(namespacedRbacRules([scoped]), [
      {
        namespace: 'ops',
        rules: [
          { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
          {
            apiGroups: [''],
            resources: ['configmaps'],
            resourceNames: ['registry'],
            verbs: ['get', 'patch'],
          },
        ],
      },
    ]);
    const docs = generateFiles(
      defineOperator({ name: 'scoped-operator', resources: [Thing], controllers: [scoped] }),
      'rbac',
    ).flatMap((f) => f.content.split('---\n').map((d) => parse(d)));
    const role = docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'ops');
    assert.equal(role?.metadata.name, 'scoped-operator-manager');
    const binding = docs.find((d) => d.kind === 'RoleBinding' && d.metadata.namespace === 'ops');
    assert.deepEqual(binding?.subjects, [
      { kind: 'ServiceAccount', name: 'scoped-operator', namespace: 'scoped-operator-system' },
    ]);
  });

  it('refuses resourceNames with verbs RBAC cannot restrict by name, and a namespace for a cluster-scoped kind', () => {
    const bad = (other: NonNullable<NonNullable<Parameters<typeof controller>[0]['permissions']>['other']>) =>
      controller({ name: 'bad', for: Thing, permissions: { other }, reconcile: async () => Action.done() });
    assert.throws(
      () => rbacRules([bad([{ resource: ConfigMap, verbs: ['create', 'patch'], resourceNames: ['x'] }])]),
      /resourceNames and the verbs create, which RBAC cannot restrict by name/,
    );
    assert.throws(
      () => rbacRules([bad([{ resource: ConfigMap, verbs: ['list'], resourceNames: ['x'] }])]),
      /verbs list/,
    );
    assert.throws(
      () => rbacRules([bad([{ resource: Namespace, verbs: ['get'], namespace: 'ops' }])]),
      /Namespace is cluster-scoped: a Role cannot grant it/,
    );
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
        // Reading CRDs (to wait for a CRD that is absent) is cluster-wide.
        'ClusterRole@',
        'ClusterRoleBinding@',
        'Role@thing-operator-system',
        'RoleBinding@thing-operator-system',
        'ClusterRole@',
        'ClusterRoleBinding@',
        'ClusterRole@',
      ],
    );
  });

  it("narrows the leader-election Role to the operator's own Lease, but for create, which RBAC cannot narrow", () => {
    const op = defineOperator({ name: 'thing-operator', resources: [Thing], controllers: [things] });
    const docs = generateFiles(op, 'rbac').flatMap((f) => f.content.split('---\n').map((d) => parse(d)));
    const role = docs.find((d) => d.kind === 'Role' && d.metadata.name === 'thing-operator-leader-election');
    assert.equal(role?.metadata.namespace, 'thing-operator-system');
    assert.deepEqual(role?.rules, [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['thing-operator'],
        verbs: ['get', 'update'],
      },
    ]);
  });

  it('grants what the secure metrics filter needs, and a metrics-reader role for Prometheus', () => {
    const op = defineOperator({ name: 'thing-operator', resources: [Thing], controllers: [things] });
    const docs = generateFiles(op, 'rbac').flatMap((f) => f.content.split('---\n').map((d) => parse(d)));
    const auth = docs.find(
      (d) => d.kind === 'ClusterRole' && d.metadata.name === 'thing-operator-metrics-auth',
    );
    assert.deepEqual(auth?.rules, [
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    ]);
    const binding = docs.find(
      (d) => d.kind === 'ClusterRoleBinding' && d.metadata.name === 'thing-operator-metrics-auth',
    );
    assert.equal(binding?.subjects[0].name, 'thing-operator');
    const reader = docs.find(
      (d) => d.kind === 'ClusterRole' && d.metadata.name === 'thing-operator-metrics-reader',
    );
    assert.deepEqual(reader?.rules, [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }]);
    const insecure = defineOperator({ ...op.definition, manager: { metricsSecure: false } });
    const plain = generateFiles(insecure, 'rbac').flatMap((f) =>
      f.content.split('---\n').map((d) => parse(d)),
    );
    assert.ok(!plain.some((d) => /metrics/.test(d.metadata.name)), 'no metrics roles for plain HTTP metrics');
  });
});

describe('generated RBAC for kinds that come and go and several namespaces', () => {
  it('lets the manager watch CRDs only when a controller uses a kind that is not built in', () => {
    assert.deepEqual(crdWatchRules([things]), [
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        verbs: ['get', 'list', 'watch'],
      },
    ]);
    const builtin = controller({ name: 'cm', for: ConfigMap, owns: [Secret], reconcile: async () => {} });
    assert.deepEqual(crdWatchRules([builtin]), []);
    const owning = controller({ name: 'cm2', for: ConfigMap, owns: [Thing], reconcile: async () => {} });
    assert.equal(crdWatchRules([owning]).length, 1, 'an owned custom kind counts too');
  });

  it('gives one Role per watched namespace, with what was declared there, and no manager ClusterRole', () => {
    const declaring = controller({
      name: 'declaring',
      for: ConfigMap,
      reconcile: async () => {},
      permissions: { other: [{ resource: Secret, verbs: ['delete'], namespace: 'b' }] },
    });
    const docs = rbacManifests({
      name: 'op',
      namespace: 'op-system',
      watchNamespaces: ['c', 'a', 'b'],
      leaderElection: false,
      secureMetrics: false,
      controllers: [declaring],
    }) as Array<{ kind: string; metadata: { name: string; namespace?: string }; rules?: unknown[] }>;
    assert.deepEqual(
      docs.map((d) => `${d.kind}@${d.metadata.namespace ?? ''}`),
      [
        'ServiceAccount@op-system',
        'Role@a',
        'RoleBinding@a',
        'Role@b',
        'RoleBinding@b',
        'Role@c',
        'RoleBinding@c',
      ],
    );
    const inB = docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'b')!;
    assert.ok(JSON.stringify(inB.rules).includes('"delete"'), 'the declared verb is in b');
    const inA = docs.find((d) => d.kind === 'Role' && d.metadata.namespace === 'a')!;
    assert.ok(!JSON.stringify(inA.rules).includes('"delete"'), 'and only in b');
    assert.throws(
      () =>
        rbacManifests({
          name: 'op',
          namespace: 'op-system',
          watchNamespaces: ['Not_A_Namespace'],
          leaderElection: false,
          controllers: [declaring],
        }),
      /not a namespace name/,
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
        'manager/metrics-service.yaml',
        'kustomization.yaml',
      ],
    );
  });

  it('need a real image: --image or the definition, never :latest or untagged', () => {
    const bare = defineOperator({ name: 'thing-operator', resources: [Thing], controllers: [things] });
    assert.throws(() => generateFiles(bare, 'manifests'), /has no image for its Deployment. Pass --image/);
    assert.doesNotThrow(() => generateFiles(bare, 'crds'));
    assert.doesNotThrow(() => generateFiles(bare, 'rbac'));
    for (const image of [
      'thing',
      'registry.example.com:5000/thing',
      'thing:latest',
      'ghcr.io/a/thing:latest',
    ]) {
      assert.throws(() => generateFiles(bare, 'manifests', { image }), /means :latest|is :latest/, image);
    }
    assert.throws(
      () => generateFiles(bare, 'manifests', { image: 'thing@sha256:abc' }),
      /not sha256 with 64 hex/,
    );
    const digest = `ghcr.io/a/thing@sha256:${'a'.repeat(64)}`;
    for (const image of ['registry.example.com:5000/thing:1.2.0', digest]) {
      const deployment = parse(
        generateFiles(bare, 'manifests', { image }).find((f) => f.path === 'manager/deployment.yaml')!
          .content,
      );
      assert.equal(deployment.spec.template.spec.containers[0].image, image);
    }
    const overridden = parse(
      generateFiles(op, 'manifests', { image: 'other:2' }).find((f) => f.path === 'manager/deployment.yaml')!
        .content,
    );
    assert.equal(
      overridden.spec.template.spec.containers[0].image,
      'other:2',
      '--image wins over the definition',
    );
  });

  it('serve metrics on 8443 through a Service, and add a NetworkPolicy only when asked', () => {
    const files = generateFiles(op, 'manifests');
    const service = parse(files.find((f) => f.path === 'manager/metrics-service.yaml')!.content);
    assert.deepEqual(service.spec.ports, [
      { name: 'https', port: 8443, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    assert.ok(!files.some((f) => f.path.includes('network-policy')));
    const withPolicy = generateFiles(op, 'manifests', { networkPolicy: true });
    const policy = parse(withPolicy.find((f) => f.path === 'manager/network-policy.yaml')!.content);
    assert.deepEqual(policy.spec.ingress, [
      {
        from: [{ namespaceSelector: { matchLabels: { metrics: 'enabled' } } }],
        ports: [{ port: 8443, protocol: 'TCP' }],
      },
    ]);
    assert.ok(
      parse(withPolicy.find((f) => f.path === 'kustomization.yaml')!.content).resources.includes(
        'manager/network-policy.yaml',
      ),
    );
  });

  it('let the API server reach the webhook port through the NetworkPolicy when the operator serves webhooks', () => {
    const hooked = defineOperator({
      ...op.definition,
      webhooks: [defineWebhooks(Thing, { validate: () => ({ allowed: true }) })],
    });
    const files = generateFiles(hooked, 'manifests', { networkPolicy: true });
    const policy = parse(files.find((f) => f.path === 'manager/network-policy.yaml')!.content);
    const deployment = parse(files.find((f) => f.path === 'manager/deployment.yaml')!.content);
    const webhookPort = deployment.spec.template.spec.containers[0].ports.find(
      (p: { name: string }) => p.name === 'webhook',
    );
    assert.equal(webhookPort?.containerPort, 9443);
    assert.deepEqual(policy.spec.ingress, [
      {
        from: [{ namespaceSelector: { matchLabels: { metrics: 'enabled' } } }],
        ports: [{ port: 8443, protocol: 'TCP' }],
      },
      // No `from`: the API server is no pod, and calls from the control plane's nodes or outside.
      { ports: [{ port: 9443, protocol: 'TCP' }] },
    ]);
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
        (p: { name: string; containerPort: number }) => p.name === 'metrics' && p.containerPort === 8443,
      ),
    );
    assert.ok(c.resources.requests.memory);
  });

  it("give the pod a termination grace period that holds the manager's whole shutdown and the webhook server's drain", () => {
    const graceMs = (o: typeof op) =>
      parse(generateFiles(o, 'manifests').find((f) => f.path === 'manager/deployment.yaml')!.content).spec
        .template.spec.terminationGracePeriodSeconds * 1000;
    // The kubelet kills the process when this runs out: every bound of the shutdown must fit in it.
    assert.ok(graceMs(op) >= DEFAULT_GRACEFUL_SHUTDOWN_MS + STOP_MARGIN_MS, `${graceMs(op)} ms`);
    assert.ok(graceMs(op) >= DEFAULT_DRAIN_TIMEOUT_MS + STOP_MARGIN_MS, `${graceMs(op)} ms`);
    const slow = defineOperator({ ...op.definition, manager: { gracefulShutdownMs: 90_000 } });
    assert.ok(graceMs(slow) >= 90_000 + STOP_MARGIN_MS, `${graceMs(slow)} ms`);
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
