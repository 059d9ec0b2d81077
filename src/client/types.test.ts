import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject, ObjectOf, ResourceType } from './resource.ts';
import * as types from './types/index.ts';
import {
  ConfigMap,
  CoreV1Event,
  Deployment,
  EventsV1Event,
  eventsV1,
  Lease,
  Namespace,
  Node,
  type ObjectMeta,
} from './types/index.ts';

/** `true` only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

function descriptor(type: ResourceType): Record<string, unknown> {
  return { ...type, subresources: [...type.subresources] };
}

/** Every ResourceType const the index exports, through the per-group-version namespaces. */
function allResourceTypes(): ResourceType[] {
  const out: ResourceType[] = [];
  for (const [name, value] of Object.entries(types)) {
    if (typeof value !== 'object' || value === null || !/^[a-z]/.test(name)) continue;
    for (const member of Object.values(value)) {
      if (typeof member === 'object' && member !== null && 'plural' in member)
        out.push(member as ResourceType);
    }
  }
  return out;
}

test('Deployment is apps/v1 deployments, namespaced, with scale and status subresources', () => {
  assert.deepEqual(descriptor(Deployment), {
    group: 'apps',
    version: 'v1',
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    subresources: ['scale', 'status'],
  });
  assert.ok(Object.isFrozen(Deployment));
});

test('ConfigMap is in the core group: version v1, apiVersion v1', () => {
  assert.equal(ConfigMap.group, '');
  assert.equal(ConfigMap.version, 'v1');
  assert.equal(ConfigMap.apiVersion, 'v1');
  assert.equal(ConfigMap.plural, 'configmaps');
  assert.equal(ConfigMap.namespaced, true);
  assert.deepEqual([...ConfigMap.subresources], []);
});

test('Namespace and Node are cluster-scoped', () => {
  assert.equal(Namespace.namespaced, false);
  assert.equal(Node.namespaced, false);
  assert.deepEqual([...Node.subresources], ['proxy', 'status']);
});

test('Lease is coordination.k8s.io/v1', () => {
  assert.equal(Lease.apiVersion, 'coordination.k8s.io/v1');
  assert.equal(Lease.plural, 'leases');
  assert.equal(Lease.namespaced, true);
});

test('Event exists only with a group-version prefix, flat or through a namespace', () => {
  assert.equal('Event' in types, false);
  assert.equal(CoreV1Event.apiVersion, 'v1');
  assert.equal(EventsV1Event.apiVersion, 'events.k8s.io/v1');
  assert.equal(eventsV1.Event, EventsV1Event);
  assert.equal(types.coreV1.Event, CoreV1Event);
});

test('every resource type is consistent: apiVersion, lower-case plural, sorted subresources, no List kinds', () => {
  const all = allResourceTypes();
  assert.ok(all.length >= 50, `only ${all.length} resource types`);
  for (const r of all) {
    assert.equal(r.apiVersion, r.group === '' ? r.version : `${r.group}/${r.version}`, r.kind);
    assert.match(r.plural, /^[a-z0-9]+$/, r.kind);
    assert.deepEqual([...r.subresources], [...r.subresources].sort(), r.kind);
    assert.ok(!r.kind.endsWith('List'), r.kind);
  }
});

// Type-level checks: `npm run typecheck` (tsc over src/, test/ and the rest) compiles this file and
// fails on any of them; the test runner only loads it. They assert nothing at run time on purpose,
// because values the test builds itself cannot disagree with themselves there.

/** A Deployment literal type-checks as a Deployment and as a KubernetesObject (never called). */
function deploymentLiteral(): void {
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.27',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: '500m', memory: '128Mi' } },
              imagePullPolicy: 'IfNotPresent',
            },
          ],
        },
      },
    },
  };
  const object: KubernetesObject = deployment;
  const meta: ObjectMeta | undefined = object.metadata;
  // Compiles only when ObjectOf<typeof Deployment> is exactly Deployment.
  const sameType: Equal<ObjectOf<typeof Deployment>, Deployment> = true;
  void [meta, sameType];
}

/**
 * Type-level only (never called): each line is a compile error that tsc must report. An
 * `@ts-expect-error` with no error under it is itself an error, so if a type loosens, typecheck fails.
 */
function wrongFieldTypes(d: Deployment, cm: ConfigMap, lease: Lease): void {
  // @ts-expect-error replicas is a number
  d.spec.replicas = '3';
  // @ts-expect-error a Deployment's apiVersion is 'apps/v1'
  d.apiVersion = 'v1';
  // @ts-expect-error a Deployment's kind is 'Deployment'
  d.kind = 'StatefulSet';
  // @ts-expect-error a container needs a name
  d.spec.template.spec?.containers.push({ image: 'nginx' });
  // @ts-expect-error imagePullPolicy is one of Always, IfNotPresent, Never
  d.spec.template.spec?.containers.push({ name: 'x', imagePullPolicy: 'Sometimes' });
  // @ts-expect-error there is no field `replica`
  d.spec.replica = 3;
  // @ts-expect-error a Deployment has a spec
  const noSpec: Deployment = { metadata: { name: 'x' } };
  // @ts-expect-error ConfigMap data values are strings
  cm.data = { key: 1 };
  // @ts-expect-error a Lease is not a Deployment
  const notDeployment: Deployment = lease;
  void [noSpec, notDeployment];
}

void [deploymentLiteral, wrongFieldTypes];
