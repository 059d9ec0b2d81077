/**
 * An operator as one value: `defineOperator({ name, resources, controllers })` is what an entry
 * module exports. `run()` starts it with a manager; `operon generate` reads the same value to
 * write its CRDs, RBAC and deployment manifests.
 */

import type { AnyControllerDefinition } from '../controller/controller.ts';
import { ErrorCode, isOperonError, OperonError } from '../errors.ts';
import type { CustomResource, VersionDefinition } from '../resource/define-resource.ts';
import type { ResourceWebhooks } from '../webhook/define-webhooks.ts';
import { createManager, ExitCode, type ManagerOptions } from './manager.ts';

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
      const ms = (name: string) => {
        const v = env[name];
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) {
          throw new OperonError(
            ErrorCode.InvalidArgument,
            `${name}=${v} is not a positive number of milliseconds.`,
          );
        }
        return n;
      };
      const lease = {
        leaseDurationMs: ms('OPERON_LEASE_DURATION_MS'),
        renewDeadlineMs: ms('OPERON_RENEW_DEADLINE_MS'),
        retryPeriodMs: ms('OPERON_RETRY_PERIOD_MS'),
      };
      let manager: Awaited<ReturnType<typeof createManager>>;
      try {
        manager = await createManager({
          name: def.name,
          // Endpoint settings from the environment and the command line (kubebuilder's flags).
          ...runFlags(process.argv.slice(2), env),
          // A WATCH_NAMESPACE replaces the definition's namespaces.
          ...(env.WATCH_NAMESPACE ? withoutNamespaces(def.manager) : def.manager),
          // WATCH_NAMESPACE (the operator-sdk convention) narrows a cluster-wide operator to one
          // namespace, or to several when comma-separated.
          ...watchScope(env.WATCH_NAMESPACE || def.watchNamespace),
          // Leader election in a cluster; off for a local run unless OPERON_LEADER_ELECTION=true.
          ...(definition.leaderElection && (inCluster || env.OPERON_LEADER_ELECTION === 'true')
            ? {
                leaderElection: {
                  name: def.name,
                  namespace: env.POD_NAMESPACE ?? definition.namespace,
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
      // In a cluster the API server reaches the webhook Service; a local run serves them only with
      // OPERON_WEBHOOKS=true (as leader election), since no API server would call it.
      const serveWebhooks =
        Boolean(def.webhooks?.length) &&
        (inCluster ? env.OPERON_WEBHOOKS !== 'false' : env.OPERON_WEBHOOKS === 'true');
      if (serveWebhooks && def.webhooks) {
        // Loaded only when there are webhooks: an operator without them never loads the X.509 code.
        const { addOperatorWebhooks } = await import('../webhook/run.ts');
        const namespace = env.POD_NAMESPACE ?? definition.namespace;
        // In the manager's `webhooks` group: on every replica, before the caches, in /readyz.
        addOperatorWebhooks(manager, {
          webhooks: def.webhooks,
          namespace,
          names: {
            secret: `${def.name}-webhook-cert`,
            configuration: def.name,
            hosts: [
              `${def.name}-webhook.${namespace}.svc`,
              `${def.name}-webhook.${namespace}.svc.cluster.local`,
            ],
          },
          ...(env.OPERON_WEBHOOK_ADDRESS ? { address: env.OPERON_WEBHOOK_ADDRESS } : {}),
          ...(env.OPERON_WEBHOOK_CERT_DIR ? { certDir: env.OPERON_WEBHOOK_CERT_DIR } : {}),
        });
      }
      // Lost leadership and a shutdown past its grace exit at once: nothing may outlive them.
      const code = await manager.run();
      if (code === ExitCode.LeadershipLost || code === ExitCode.ShutdownTimedOut) process.exit(code);
      return code;
    },
  };
}

const BOOLEAN = /^(true|false)$/;

/**
 * The endpoint settings `run()` takes from the environment and from kubebuilder-style flags (a
 * flag wins over its variable): `--metrics-bind-address` / `OPERON_METRICS_ADDRESS`,
 * `--health-probe-bind-address` / `OPERON_HEALTH_ADDRESS`, `--metrics-secure=false` /
 * `OPERON_METRICS_SECURE=false`, `--metrics-cert-path` / `OPERON_METRICS_CERT_DIR`, and
 * `--status-bind-address` / `OPERON_STATUS_ADDRESS` (`0` turns an endpoint off). Other arguments are left alone.
 */
export function runFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Pick<
  ManagerOptions,
  'metricsAddress' | 'healthAddress' | 'metricsSecure' | 'metricsCertDir' | 'statusAddress'
> {
  const flags = new Map<string, string>();
  const known = [
    'metrics-bind-address',
    'health-probe-bind-address',
    'metrics-secure',
    'metrics-cert-path',
    'status-bind-address',
  ];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m || !known.includes(m[1]!)) continue;
    const [, name, inline] = m as unknown as [string, string, string | undefined];
    if (inline !== undefined) flags.set(name, inline);
    else if (name === 'metrics-secure' && !BOOLEAN.test(argv[i + 1] ?? '')) flags.set(name, 'true');
    else if (argv[i + 1] !== undefined) flags.set(name, argv[++i]!);
    else throw new OperonError(ErrorCode.InvalidArgument, `--${name} needs a value.`);
  }
  const pick = (flag: string, variable: string) => flags.get(flag) ?? (env[variable] || undefined);
  const address = (flag: string, variable: string) => {
    const v = pick(flag, variable);
    return v === undefined ? undefined : v === '0' || v === 'false' ? false : v;
  };
  const out: ReturnType<typeof runFlags> = {};
  const metrics = address('metrics-bind-address', 'OPERON_METRICS_ADDRESS');
  if (metrics !== undefined) out.metricsAddress = metrics;
  const health = address('health-probe-bind-address', 'OPERON_HEALTH_ADDRESS');
  if (health !== undefined) out.healthAddress = health;
  const status = address('status-bind-address', 'OPERON_STATUS_ADDRESS');
  if (status !== undefined) out.statusAddress = status;
  const secure = pick('metrics-secure', 'OPERON_METRICS_SECURE');
  if (secure !== undefined) {
    if (!BOOLEAN.test(secure)) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `--metrics-secure / OPERON_METRICS_SECURE is "${secure}"; use true or false.`,
      );
    }
    out.metricsSecure = secure === 'true';
  }
  const certDir = pick('metrics-cert-path', 'OPERON_METRICS_CERT_DIR');
  if (certDir !== undefined) out.metricsCertDir = certDir;
  return out;
}
