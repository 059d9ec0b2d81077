/**
 * Least-privilege RBAC derived from what the controllers do: `rbacRules()` turns for / owns /
 * watches, finalizers and status writes, leader election, Events and declared permissions into
 * sorted PolicyRules, and `rbacManifests()` into a ServiceAccount, roles and bindings.
 */

import type { ResourceType } from '../client/resource.ts';
import type { AnyControllerDefinition, Verb } from '../controller/controller.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: Verb[];
}

const VERB_ORDER: readonly Verb[] = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
];

/** Accumulates verbs per (group, resource). */
class RuleSet {
  readonly map = new Map<string, Set<Verb>>();
  add(group: string, resource: string, verbs: readonly Verb[]): void {
    const key = `${group}\u0000${resource}`;
    let set = this.map.get(key);
    if (!set) {
      set = new Set();
      this.map.set(key, set);
    }
    for (const v of verbs) set.add(v);
  }
  addType(type: ResourceType, verbs: readonly Verb[], subresource?: string): void {
    this.add(type.group, subresource ? `${type.plural}/${subresource}` : type.plural, verbs);
  }
  /** One rule per resource, sorted, verbs in a fixed order: stable output for git diffs. */
  rules(): PolicyRule[] {
    return [...this.map.entries()]
      .map(([key, verbs]) => {
        const [group, resource] = key.split('\u0000') as [string, string];
        return { apiGroups: [group], resources: [resource], verbs: VERB_ORDER.filter((v) => verbs.has(v)) };
      })
      .sort((a, b) =>
        `${a.apiGroups[0]}/${a.resources[0]}`.localeCompare(`${b.apiGroups[0]}/${b.resources[0]}`),
      );
  }
}

const READ: readonly Verb[] = ['get', 'list', 'watch'];

/**
 * The rules the controllers need on the objects they reconcile:
 * - the primary kind: get, list, watch (the cache, and its read-your-writes fallback), plus declared verbs;
 * - owned kinds: get, list, watch, patch, and create (applying an object that does not exist yet creates it);
 * - watched kinds: get, list, watch;
 * - events.k8s.io Events: create and patch (a series updates its Event);
 * - declared permissions (status subresource, other kinds).
 */
export function rbacRules(controllers: ReadonlyArray<AnyControllerDefinition>): PolicyRule[] {
  const set = new RuleSet();
  for (const { options } of controllers) {
    set.addType(options.for, [...READ, ...(options.permissions?.primary ?? [])]);
    if (options.permissions?.status?.length) set.addType(options.for, options.permissions.status, 'status');
    for (const owned of options.owns ?? []) set.addType(owned, [...READ, 'create', 'patch']);
    for (const w of options.watches ?? []) set.addType(w.resource, READ);
    for (const o of options.permissions?.other ?? []) set.addType(o.resource, o.verbs, o.subresource);
  }
  if (controllers.length > 0) set.add('events.k8s.io', 'events', ['create', 'patch']);
  return set.rules();
}

/** Rules for Lease-based leader election, in the operator's own namespace. */
export function leaderElectionRules(): PolicyRule[] {
  return [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
}

export interface RbacOptions {
  name: string;
  /** Where the operator runs (its ServiceAccount and Lease). */
  namespace: string;
  /** Watch one namespace with Roles instead of the whole cluster with a ClusterRole. */
  watchNamespace?: string | undefined;
  leaderElection: boolean;
  controllers: ReadonlyArray<AnyControllerDefinition>;
}

/** The ServiceAccount, the (Cluster)Role with its binding, and the leader-election Role with its binding. */
export function rbacManifests(o: RbacOptions): Array<Record<string, unknown>> {
  const sa = { kind: 'ServiceAccount', name: o.name, namespace: o.namespace };
  const subject = [{ kind: 'ServiceAccount', name: o.name, namespace: o.namespace }];
  const out: Array<Record<string, unknown>> = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name, namespace: sa.namespace } },
  ];
  const rules = rbacRules(o.controllers);
  if (o.watchNamespace) {
    out.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: `${o.name}-manager`, namespace: o.watchNamespace },
        rules,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${o.name}-manager`, namespace: o.watchNamespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${o.name}-manager` },
        subjects: subject,
      },
    );
  } else {
    out.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: `${o.name}-manager` },
        rules,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${o.name}-manager` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${o.name}-manager` },
        subjects: subject,
      },
    );
  }
  if (o.leaderElection) {
    out.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: `${o.name}-leader-election`, namespace: o.namespace },
        rules: leaderElectionRules(),
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${o.name}-leader-election`, namespace: o.namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${o.name}-leader-election` },
        subjects: subject,
      },
    );
  }
  return out;
}
