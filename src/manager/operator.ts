/**
 * An operator as one value: `defineOperator({ name, resources, controllers })` is what an entry
 * module exports. `run()` starts it with a manager; `operon generate` reads the same value to
 * write its CRDs, RBAC and deployment manifests.
 */

import { type Client, createClient } from '../client/client.ts';
import { loadConfig } from '../client/config.ts';
import { SelfSubjectAccessReview } from '../client/types/index.ts';
import type { AnyControllerDefinition } from '../controller/controller.ts';
import { ErrorCode, isOperonError, OperonError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import type { CustomResource, VersionDefinition } from '../resource/define-resource.ts';
import type { ResourceWebhooks } from '../webhook/define-webhooks.ts';
import { createManager, ExitCode, type ManagerOptions } from './manager.ts';
import { describeSetting, type RunSettingValues, readRunSettings } from './settings.ts';

// biome-ignore lint/suspicious/noExplicitAny: any custom resource
type AnyCustomResource = CustomResource<string, string, Record<string, VersionDefinition<any, any>>>;

export interface OperatorDefinition {
  /** A DNS label: names the Deployment, ServiceAccount, roles and Lease, e.g. `webapp-operator`. */
  name: string;
  /** Where the operator is deployed; default `<name>-system`. */
  namespace?: string;
  /**
   * The container image of the generated Deployment, e.g. `ghcr.io/acme/webapp-operator:1.2.0` or
   * one pinned by digest (`...@sha256:...`). No default: `operon generate manifests` takes
   * `--image` or this, and refuses a `:latest` or untagged image.
   */
  image?: string;
  /** Custom resources it defines (their CRDs are generated). */
  resources?: readonly AnyCustomResource[];
  controllers: readonly AnyControllerDefinition[];
  /**
   * Admission and conversion webhooks, one `defineWebhooks(resource, ...)` per resource (from
   * `operon/webhook`); `operon generate` writes their configurations and the CRD conversion stanza.
   */
  webhooks?: readonly ResourceWebhooks[];
  /**
   * Where webhook certificates come from: `self-signed` (default) keeps a CA in a Secret and
   * rotates it; `cert-manager` generates a Certificate and mounts its Secret into the pod.
   */
  webhookCertificates?: 'self-signed' | 'cert-manager';
  /**
   * Watch one namespace (namespaced Roles) instead of the whole cluster (a ClusterRole). For several,
   * `manager: { namespaces: [...] }` (a Role in each); at run time `WATCH_NAMESPACE=a` or
   * `WATCH_NAMESPACE=a,b,c` overrides both.
   */
  watchNamespace?: string;
  /** Lease-based leader election, so several replicas can run; default true. */
  leaderElection?: boolean;
  /** Replicas in the generated Deployment; default 1 (2 is safe with leader election). */
  replicas?: number;
  /** Extra manager options for `run()`. */
  manager?: Omit<ManagerOptions, 'leaderElection' | 'namespace'>;
}

/** The manager's namespace scope from `WATCH_NAMESPACE` (`a` or `a,b,c`); nothing when unset. */
function watchScope(value: string | undefined): { namespace: string } | { namespaces: string[] } | object {
  const names = (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0) return {};
  return names.length === 1 ? { namespace: names[0]! } : { namespaces: names };
}

function withoutNamespaces<T extends { namespaces?: unknown }>(
  o: T | undefined,
): Omit<T, 'namespaces'> | undefined {
  if (!o) return o;
  const { namespaces: _dropped, ...rest } = o;
  return rest;
}

export interface Operator {
  readonly definition: Readonly<OperatorDefinition> & {
    namespace: string;
    leaderElection: boolean;
  };
  /**
   * Runs the operator until SIGTERM or SIGINT; resolves to the exit code (`ExitCode`). After a loss
   * of leadership, or a shutdown whose grace period ran out, it exits the process at once with
   * `ExitCode.LeadershipLost` or `ExitCode.ShutdownTimedOut` instead: a reconcile may still be
   * running, and a process that is no longer the leader must not go on (controller-runtime's rule).
   */
  run(overrides?: Partial<ManagerOptions>): Promise<number>;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Declares an operator, checking its names and that no two resources or controllers collide. */
export function defineOperator(def: OperatorDefinition): Operator {
  const problems: string[] = [];
  if (typeof def.name !== 'string' || !DNS_LABEL.test(def.name) || def.name.length > 50) {
    problems.push(
      `name "${def.name}" must be a lower-case DNS label of at most 50 characters, e.g. "webapp-operator"`,
    );
  }
  const kinds = new Map<string, string>();
  for (const r of def.resources ?? []) {
    const key = `${r.group}/${r.kind}`;
    if (kinds.has(r.kind)) {
      problems.push(
        `two resources have the kind "${r.kind}" (${kinds.get(r.kind)} and ${key}); kinds must be unique within an operator, rename one`,
      );
    }
    kinds.set(r.kind, key);
  }
  const names = new Set<string>();
  for (const c of def.controllers ?? []) {
    if (names.has(c.name)) problems.push(`two controllers are named "${c.name}"`);
    names.add(c.name);
  }
  if (!def.controllers?.length) problems.push('it has no controllers');
  const hooked = new Set<string>();
  for (const w of def.webhooks ?? []) {
    const key = `${w.resource.group}/${w.resource.kind}`;
    if (hooked.has(key))
      problems.push(`two webhook sets are defined for ${key}; merge them into one defineWebhooks()`);
    hooked.add(key);
    if (
      !def.resources?.some((r) => r.group === w.resource.group && r.kind === w.resource.kind) &&
      w.converter
    ) {
      problems.push(`the conversion webhook of ${key} needs that resource in resources, for its CRD`);
    }
  }
  if (problems.length > 0) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `Invalid operator "${def.name}": ${problems.join('; ')}.`,
    );
  }
  const definition = Object.freeze({
    ...def,
    namespace: def.namespace ?? `${def.name}-system`,
    leaderElection: def.leaderElection ?? true,
  });
  return {
    definition,
    async run(overrides = {}) {
      const env = process.env;
      const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
      let manager: Awaited<ReturnType<typeof createManager>>;
      let settings: RunSettingValues;
      let serveWebhooks: boolean;
      try {
        // Every setting below is in RUN_SETTINGS (settings.ts) and docs/configuration.md.
        settings = readRunSettings(process.argv.slice(2), env);
        const lease = {
          leaseDurationMs: settings.ms('leader-elect-lease-duration-ms'),
          renewDeadlineMs: settings.ms('leader-elect-renew-deadline-ms'),
          retryPeriodMs: settings.ms('leader-elect-retry-period-ms'),
        };
        const watchNamespace = settings.string('watch-namespace') ?? def.watchNamespace;
        // Leader election in a cluster; off for a local run unless asked for; --leader-elect=false turns it off.
        const elect = definition.leaderElection && (settings.boolean('leader-elect') ?? inCluster);
        // In a cluster the API server reaches the webhook Service; a local run serves them only
        // when asked for (as leader election), since no API server would call it.
        serveWebhooks = Boolean(def.webhooks?.length) && (settings.boolean('webhooks') ?? inCluster);
        const level = settings.level('log-level');
        const log = overrides.log ?? def.manager?.log ?? createLogger(level ? { level } : {});
        // KUBECONFIG alone is read by the client itself (it may list several files); the flag names one.
        const kubeconfig = settings.string('kubeconfig');
        const kubeconfigFlag =
          kubeconfig !== undefined && kubeconfig !== env.KUBECONFIG ? kubeconfig : undefined;
        const given = overrides.client ?? def.manager?.client;
        // Loaded here, with the logger: unknown kubeconfig fields and exec plugin stderr go to its warn.
        const config =
          overrides.config ??
          def.manager?.config ??
          (given
            ? undefined
            : await loadConfig({
                ...(kubeconfigFlag ? { kubeconfig: kubeconfigFlag } : {}),
                warn: (msg, fields) => log.warn(msg, fields),
              }));
        const leaseNamespace = settings.string('leader-elect-namespace') ?? definition.namespace;
        // The generated Roles grant Lease and certificate Secret access in the operator's namespace
        // only: elsewhere the elector would retry 403s for ever, and the webhooks never get a
        // certificate. Fail now, saying so, unless access was granted there.
        const selfSigned = serveWebhooks && !settings.string('webhook-cert-path');
        if ((elect || selfSigned) && leaseNamespace !== definition.namespace) {
          const client = given ?? createClient(config!);
          try {
            if (elect) await checkLeaseAccess(client, def.name, leaseNamespace, definition.namespace);
            if (selfSigned)
              await checkWebhookSecretAccess(
                client,
                def.name,
                webhookSecretName(def.name),
                leaseNamespace,
                definition.namespace,
              );
          } finally {
            if (!given) await client.close();
          }
        }
        manager = await createManager({
          name: def.name,
          // Endpoint settings from the environment and the command line (kubebuilder's flags).
          ...endpointOptions(settings),
          log,
          ...(config ? { config } : {}),
          // A WATCH_NAMESPACE replaces the definition's namespaces.
          ...(settings.string('watch-namespace') ? withoutNamespaces(def.manager) : def.manager),
          // WATCH_NAMESPACE (the operator-sdk convention) narrows a cluster-wide operator to one
          // namespace, or to several when comma-separated.
          ...watchScope(watchNamespace),
          ...(elect
            ? {
                leaderElection: {
                  name: def.name,
                  namespace: leaseNamespace,
                  ...Object.fromEntries(Object.entries(lease).filter(([, v]) => v !== undefined)),
                },
              }
            : {}),
          ...overrides,
        });
      } catch (err) {
        // A bad kubeconfig or setting: say what and how to fix it, without a stack trace.
        if (!isOperonError(err)) throw err;
        process.stderr.write(`${def.name}: ${err.message}\n`);
        return 1;
      }
      for (const c of def.controllers) manager.add(c);
      // Lost leadership and a shutdown past its grace exit at once: nothing may outlive them.
      const finish = (code: number) => {
        if (code === ExitCode.LeadershipLost || code === ExitCode.ShutdownTimedOut) process.exit(code);
        return code;
      };
      if (serveWebhooks && def.webhooks) {
        // Loaded only when there are webhooks: an operator without them never loads the X.509 code.
        const { addOperatorWebhooks } = await import('../webhook/run.ts');
        const namespace = settings.string('leader-elect-namespace') ?? definition.namespace;
        const address = settings.string('webhook-bind-address');
        const certDir = settings.string('webhook-cert-path');
        // In the manager's `webhooks` group: on every replica, before the caches, in /readyz.
        addOperatorWebhooks(manager, {
          webhooks: def.webhooks,
          namespace,
          names: {
            secret: webhookSecretName(def.name),
            configuration: def.name,
            hosts: [
              `${def.name}-webhook.${namespace}.svc`,
              `${def.name}-webhook.${namespace}.svc.cluster.local`,
            ],
          },
          ...(address ? { address } : {}),
          ...(certDir ? { certDir } : {}),
        });
      }
      return finish(await manager.run());
    },
  };
}

/** The Secret the self-signed webhook certificates are kept in (the generated RBAC names it). */
const webhookSecretName = (operator: string) => `${operator}-webhook-cert`;

/**
 * The verbs of `checks` this identity may not use on `resource` in `namespace`, as
 * SelfSubjectAccessReviews answer; none when the API server cannot answer (what then fails
 * reports itself).
 */
async function deniedVerbs(
  client: Client,
  namespace: string,
  group: string,
  resource: string,
  checks: readonly (readonly [verb: string, name: string | undefined])[],
): Promise<string[]> {
  const allowed = async (verb: string, object?: string) => {
    try {
      const review = await client.create(SelfSubjectAccessReview, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            group,
            resource,
            namespace,
            verb,
            ...(object ? { name: object } : {}),
          },
        },
      });
      return review.status?.allowed === true;
    } catch {
      return true;
    }
  };
  const answers = await Promise.all(checks.map(([verb, object]) => allowed(verb, object)));
  return checks.filter((_, i) => !answers[i]).map(([verb]) => verb);
}

/**
 * Throws, saying where the generated RBAC grants it, when this identity may not hold the Lease
 * `name` in `namespace` (get and update on it, create on leases there).
 */
async function checkLeaseAccess(
  client: Client,
  name: string,
  namespace: string,
  operatorNamespace: string,
): Promise<void> {
  const denied = await deniedVerbs(client, namespace, 'coordination.k8s.io', 'leases', [
    ['get', name],
    ['update', name],
    ['create', undefined],
  ]);
  if (denied.length === 0) return;
  throw new OperonError(
    ErrorCode.InvalidArgument,
    `Leader election would keep the Lease "${name}" in namespace "${namespace}" (${describeSetting('leader-elect-namespace')}), ` +
      `but this identity may not ${denied.join(', ')} Leases there. The RBAC from operon generate rbac grants Lease access ` +
      `in the operator's namespace "${operatorNamespace}" only (Role ${name}-leader-election). Run the operator in ` +
      `"${operatorNamespace}" or leave the setting unset; set namespace in defineOperator() and generate the RBAC again; ` +
      `or grant get and update on the Lease "${name}" and create on leases in "${namespace}".`,
  );
}

/**
 * Throws, as checkLeaseAccess does, when the self-signed webhook certificates' Secret `secret`
 * cannot be kept in `namespace` (get and update on it, create on secrets there): without it no
 * replica gets a serving certificate and readiness waits for ever.
 */
async function checkWebhookSecretAccess(
  client: Client,
  name: string,
  secret: string,
  namespace: string,
  operatorNamespace: string,
): Promise<void> {
  const denied = await deniedVerbs(client, namespace, '', 'secrets', [
    ['get', secret],
    ['update', secret],
    ['create', undefined],
  ]);
  if (denied.length === 0) return;
  throw new OperonError(
    ErrorCode.InvalidArgument,
    `The webhook certificates would be kept in the Secret "${secret}" in namespace "${namespace}" (${describeSetting('leader-elect-namespace')}), ` +
      `but this identity may not ${denied.join(', ')} Secrets there. The RBAC from operon generate rbac grants it ` +
      `in the operator's namespace "${operatorNamespace}" only (Role ${name}-webhook-certs). Run the operator in ` +
      `"${operatorNamespace}" or leave the setting unset; set namespace in defineOperator() and generate the RBAC again; ` +
      `grant get and update on the Secret "${secret}" and create on secrets in "${namespace}"; ` +
      `or give the certificates as files (${describeSetting('webhook-cert-path')}, cert-manager mode).`,
  );
}

/**
 * The endpoint settings `run()` takes from the environment and from kubebuilder-style flags (a
 * flag wins over its variable): `--metrics-bind-address` / `OPERON_METRICS_ADDRESS`,
 * `--health-probe-bind-address` / `OPERON_HEALTH_ADDRESS`, `--metrics-secure=false` /
 * `OPERON_METRICS_SECURE=false`, `--metrics-cert-path` / `OPERON_METRICS_CERT_DIR`, and
 * `--status-bind-address` / `OPERON_STATUS_ADDRESS` (`0` turns an endpoint off). Other arguments
 * are left alone. Every setting `run()` reads is in `RUN_SETTINGS` (docs/configuration.md).
 */
export function runFlags(argv: readonly string[], env: NodeJS.ProcessEnv): EndpointOptions {
  return endpointOptions(readRunSettings(argv, env));
}

type EndpointOptions = Pick<
  ManagerOptions,
  'metricsAddress' | 'healthAddress' | 'metricsSecure' | 'metricsCertDir' | 'statusAddress'
>;

function endpointOptions(settings: RunSettingValues): EndpointOptions {
  const out: EndpointOptions = {};
  const metrics = settings.address('metrics-bind-address');
  if (metrics !== undefined) out.metricsAddress = metrics;
  const health = settings.address('health-probe-bind-address');
  if (health !== undefined) out.healthAddress = health;
  const status = settings.address('status-bind-address');
  if (status !== undefined) out.statusAddress = status;
  const secure = settings.boolean('metrics-secure');
  if (secure !== undefined) out.metricsSecure = secure;
  const certDir = settings.string('metrics-cert-path');
  if (certDir !== undefined) out.metricsCertDir = certDir;
  return out;
}
