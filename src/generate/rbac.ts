/**
 * Least-privilege RBAC derived from what the controllers do: `rbacRules()` turns for / owns /
 * watches, finalizers and status writes, leader election, Events and declared permissions into
 * sorted PolicyRules (`namespacedRbacRules()` the ones declared for one namespace), and
 * `rbacManifests()` into a ServiceAccount, roles and bindings, with those the metrics filter needs.
 */

import type { ResourceType } from '../client/resource.ts';
import type { AnyControllerDefinition, Verb } from '../controller/controller.ts';
import { ownedDeletes, ownedResource } from '../controller/owner.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import { kindsOf } from '../manager/controller-set.ts';
import { isBuiltinGroup } from '../manager/kinds.ts';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  /** Only these objects; absent means every object of the resource. */
  resourceNames?: string[];
  verbs: Verb[];
}

/** Verbs whose requests carry no object name, so a rule with resourceNames never allows them. */
const UNNAMED_VERBS: readonly Verb[] = ['create', 'deletecollection', 'list', 'watch'];

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

/** Accumulates verbs per (group, resource, resourceNames). */
class RuleSet {
  readonly map = new Map<string, Set<Verb>>();
  add(group: string, resource: string, verbs: readonly Verb[], resourceNames: readonly string[] = []): void {
    const names = [...new Set(resourceNames)].sort();
    const key = `${group}\u0000${resource}\u0000${names.join('\u0000')}`;
    let set = this.map.get(key);
    if (!set) {
      set = new Set();
      this.map.set(key, set);
    }
    for (const v of verbs) set.add(v);
  }
  addType(
    type: ResourceType,
    verbs: readonly Verb[],
    subresource?: string,
    resourceNames?: readonly string[],
  ): void {
    this.add(type.group, subresource ? `${type.plural}/${subresource}` : type.plural, verbs, resourceNames);
  }
  addRule(rule: PolicyRule): void {
    this.add(rule.apiGroups[0]!, rule.resources[0]!, rule.verbs, rule.resourceNames);
  }
  /** One rule per resource (and set of names), sorted, verbs in a fixed order: stable output for git diffs. */
  rules(): PolicyRule[] {
    return [...this.map.entries()]
      .map(([key, verbs]) => {
        const [group, resource, ...names] = key.split('\u0000') as [string, string, ...string[]];
        const resourceNames = names.filter(Boolean);
        return {
          apiGroups: [group],
          resources: [resource],
          ...(resourceNames.length > 0 ? { resourceNames } : {}),
          verbs: VERB_ORDER.filter((v) => verbs.has(v)),
        };
      })
      .sort((a, b) =>
        `${a.apiGroups[0]}/${a.resources[0]}/${a.resourceNames?.join(',') ?? ''}`.localeCompare(
          `${b.apiGroups[0]}/${b.resources[0]}/${b.resourceNames?.join(',') ?? ''}`,
        ),
      );
  }
}

const READ: readonly Verb[] = ['get', 'list', 'watch'];

/**
 * The rules the controllers need on the objects they reconcile:
 * - the primary kind: get, list, watch (the cache, and its read-your-writes fallback), plus declared verbs;
 * - owned kinds: get, list, watch, patch, and create (applying an object that does not exist yet creates it),
 *   and delete for those declared `{ resource, deletes: true }`;
 * - the primary's `finalizers` subresource: update, when it owns kinds: a controller reference sets
 *   `blockOwnerDeletion`, which the OwnerReferencesPermissionEnforcement admission plugin (OpenShift,
 *   hardened clusters) allows only to who may update the owner's finalizers;
 * - watched kinds: get, list, watch;
 * - events.k8s.io Events: create and patch (a series updates its Event);
 * - declared permissions (status subresource, other kinds), except those given a `namespace`
 *   (see `namespacedRbacRules()`); `resourceNames` narrows a rule to those objects.
 */
export function rbacRules(
  controllers: ReadonlyArray<AnyControllerDefinition>,
  extra: ReadonlyArray<ExtraPermissions> = [],
): PolicyRule[] {
  const set = new RuleSet();
  for (const { name, permissions } of extra) {
    for (const o of permissions) {
      checkOther(`${name} declare permissions`, o);
      if (o.namespace === undefined) set.addType(o.resource, o.verbs, o.subresource, o.resourceNames);
    }
  }
  for (const { name, options } of controllers) {
    set.addType(options.for, [...READ, ...(options.permissions?.primary ?? [])]);
    if (options.permissions?.status?.length) set.addType(options.for, options.permissions.status, 'status');
    if (options.owns?.length) set.addType(options.for, ['update'], 'finalizers');
    for (const owned of options.owns ?? []) {
      set.addType(ownedResource(owned), [
        ...READ,
        'create',
        'patch',
        ...(ownedDeletes(owned) ? (['delete'] as const) : []),
      ]);
    }
    for (const w of options.watches ?? []) set.addType(w.resource, READ);
    for (const o of options.permissions?.other ?? []) {
      checkOther(`Controller "${name}" declares permissions.other`, o);
      if (o.namespace === undefined) set.addType(o.resource, o.verbs, o.subresource, o.resourceNames);
    }
  }
  if (controllers.length > 0) set.add('events.k8s.io', 'events', ['create', 'patch']);
  return set.rules();
}

/** The declared permissions given a `namespace`, by namespace (sorted): each becomes a Role there. */
export function namespacedRbacRules(
  controllers: ReadonlyArray<AnyControllerDefinition>,
  extra: ReadonlyArray<ExtraPermissions> = [],
): Array<{ namespace: string; rules: PolicyRule[] }> {
  const sets = new Map<string, RuleSet>();
  const declared = [
    ...controllers.map(({ name, options }) => ({
      who: `Controller "${name}" declares permissions.other`,
      permissions: options.permissions?.other ?? [],
    })),
    ...extra.map(({ name, permissions }) => ({ who: `${name} declare permissions`, permissions })),
  ];
  for (const { who, permissions } of declared) {
    for (const o of permissions) {
      checkOther(who, o);
      if (o.namespace === undefined) continue;
      const set = sets.get(o.namespace) ?? new RuleSet();
      sets.set(o.namespace, set);
      set.addType(o.resource, o.verbs, o.subresource, o.resourceNames);
    }
  }
  return [...sets.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, set]) => ({ namespace, rules: set.rules() }));
}

type OtherPermission = NonNullable<
  NonNullable<AnyControllerDefinition['options']['permissions']>['other']
>[number];

/** Permissions declared outside a controller (webhook handlers' lookups), named for messages. */
export interface ExtraPermissions {
  /** e.g. `webhooks of WebApp`. */
  name: string;
  permissions: ReadonlyArray<OtherPermission>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `who` says who declared it, e.g. `Controller "webapp" declares permissions.other`. */
function checkOther(who: string, o: OtherPermission): void {
  const what = `${who} on ${o.resource.plural}`;
  if (o.namespace !== undefined) {
    if (!o.resource.namespaced) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `${what} in namespace "${o.namespace}", but ${o.resource.kind} is cluster-scoped: a Role cannot grant it. Remove the namespace.`,
      );
    }
    if (!DNS_LABEL.test(o.namespace) || o.namespace.length > 63) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `${what} in "${o.namespace}", which is not a namespace name.`,
      );
    }
  }
  if (o.resourceNames !== undefined) {
    if (o.resourceNames.length === 0 || o.resourceNames.some((n) => typeof n !== 'string' || n === '')) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `${what} with resourceNames that are empty; name the objects, or leave resourceNames out for all of them.`,
      );
    }
    const unnamed = o.verbs.filter((v) => UNNAMED_VERBS.includes(v));
    if (unnamed.length > 0) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `${what} with resourceNames and the verbs ${unnamed.join(', ')}, which RBAC cannot restrict by name (their ` +
          'requests carry no name, so the rule would never allow them). Declare those verbs in a separate entry without resourceNames.',
      );
    }
  }
}

/**
 * What the manager needs to tell when a controller's CRD comes or goes (it watches
 * CustomResourceDefinitions): get, list and watch on them, when some controller uses a kind that
 * is not built in. Cluster-scoped, so always a ClusterRole; RBAC cannot narrow list or watch by name.
 */
export function crdWatchRules(controllers: ReadonlyArray<AnyControllerDefinition>): PolicyRule[] {
  const needed = controllers.some((c) => kindsOf(c).some((t) => !isBuiltinGroup(t.group)));
  return needed
    ? [{ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: [...READ] }]
    : [];
}

/**
 * Rules for Lease-based leader election, in the operator's own namespace: what the elector sends
 * (get, create, update). With the Lease's name, get and update are narrowed to that one Lease;
 * create cannot be (its request carries no name), so it stays a rule of its own.
 */
export function leaderElectionRules(leaseName?: string): PolicyRule[] {
  if (leaseName === undefined)
    return [
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ];
  return [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: [leaseName],
      verbs: ['get', 'update'],
    },
  ];
}

/** What the secure metrics filter needs: to ask the API server who a token is and what it may do. */
export function metricsAuthRules(): Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> {
  return [
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ];
}

export interface RbacOptions {
  name: string;
  /** Where the operator runs (its ServiceAccount and Lease). */
  namespace: string;
  /** Watch one namespace with Roles instead of the whole cluster with a ClusterRole. */
  watchNamespace?: string | undefined;
  /**
   * Watch these namespaces (the manager's `namespaces`): a Role and RoleBinding in each instead of
   * a ClusterRole. Together with `watchNamespace`, both count.
   */
  watchNamespaces?: readonly string[] | undefined;
  leaderElection: boolean;
  controllers: ReadonlyArray<AnyControllerDefinition>;
  /**
   * Secure metrics (the default): a ClusterRole `<name>-metrics-auth` (tokenreviews and
   * subjectaccessreviews create) bound to the ServiceAccount, and a ClusterRole
   * `<name>-metrics-reader` (get /metrics) to bind to Prometheus. Default true.
   */
  secureMetrics?: boolean;
  /** Permissions beyond the controllers', each like a controller's `permissions.other` (webhook handlers'). */
  extra?: ReadonlyArray<ExtraPermissions>;
}

/**
 * The ServiceAccount; the (Cluster)Role with its binding; a Role and RoleBinding in each namespace
 * that declared permissions name; the leader-election Role with its binding; and the metrics roles.
 */
export function rbacManifests(o: RbacOptions): Array<Record<string, unknown>> {
  const sa = { kind: 'ServiceAccount', name: o.name, namespace: o.namespace };
  const subject = [{ kind: 'ServiceAccount', name: o.name, namespace: o.namespace }];
  const out: Array<Record<string, unknown>> = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name, namespace: sa.namespace } },
  ];
  const rules = rbacRules(o.controllers, o.extra);
  let namespaced = namespacedRbacRules(o.controllers, o.extra);
  const confined = [
    ...new Set([...(o.watchNamespace ? [o.watchNamespace] : []), ...(o.watchNamespaces ?? [])]),
  ];
  for (const ns of confined) {
    if (!DNS_LABEL.test(ns) || ns.length > 63)
      throw new OperonError(ErrorCode.InvalidArgument, `Watched namespace "${ns}" is not a namespace name.`);
  }
  // Each watched namespace gets one Role with the controllers' rules and what was declared for it.
  const watchedRoles = confined.sort().map((namespace) => {
    const set = new RuleSet();
    const declared = namespaced.find((n) => n.namespace === namespace)?.rules ?? [];
    for (const r of [...rules, ...declared]) set.addRule(r);
    return { namespace, rules: set.rules() };
  });
  namespaced = namespaced.filter((n) => !confined.includes(n.namespace));
  const role = (namespace: string, roleRules: PolicyRule[]) => [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: `${o.name}-manager`, namespace },
      rules: roleRules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${o.name}-manager`, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${o.name}-manager` },
      subjects: subject,
    },
  ];
  if (confined.length > 0) {
    for (const w of watchedRoles) out.push(...role(w.namespace, w.rules));
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
  for (const n of namespaced) out.push(...role(n.namespace, n.rules));
  const crds = crdWatchRules(o.controllers);
  if (crds.length > 0) {
    out.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: `${o.name}-crd-watch` },
        rules: crds,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${o.name}-crd-watch` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${o.name}-crd-watch` },
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
        // The operator's Lease is named after it (operator.run() elects with name: definition.name).
        rules: leaderElectionRules(o.name),
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
  if (o.secureMetrics ?? true) {
    out.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: `${o.name}-metrics-auth` },
        rules: metricsAuthRules(),
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${o.name}-metrics-auth` },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: `${o.name}-metrics-auth`,
        },
        subjects: subject,
      },
      {
        // For Prometheus: bind it to the scraper's ServiceAccount.
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: `${o.name}-metrics-reader` },
        rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
      },
    );
  }
  return out;
}
