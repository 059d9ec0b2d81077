/**
 * The settings `operator.run()` takes from its command line and environment: `RUN_SETTINGS` is
 * the one table of them (docs/configuration.md shows it), `readRunSettings()` reads them, a
 * kubebuilder-style flag winning over its variable.
 */

import { ErrorCode, OperonError } from '../errors.ts';

/** One setting: its flag, its variable, the code option it stands for, and what it does. */
export interface RunSetting {
  /** The command-line flag, without `--`. */
  readonly flag: string;
  /** The environment variable. */
  readonly env: string;
  /** The option in code that does the same (`defineOperator({ ... })` or its `manager` options). */
  readonly option: string;
  /** How the value is read. */
  readonly kind: 'address' | 'boolean' | 'ms' | 'path' | 'name' | 'level';
  readonly default: string;
  readonly description: string;
}

/**
 * Where the manager's endpoints listen when no address is given (kubebuilder's scaffold): HTTPS
 * metrics on `:8443` (plain `:8080` only when metrics are not secure), probes on `:8081`, and the
 * live view off.
 */
export function defaultAddresses(metricsSecure: boolean): {
  metrics: string;
  health: string;
  status: false;
} {
  return { metrics: metricsSecure ? ':8443' : ':8080', health: ':8081', status: false };
}

/** Every setting `run()` reads, in the order docs/configuration.md lists them. */
export const RUN_SETTINGS = [
  {
    flag: 'metrics-bind-address',
    env: 'OPERON_METRICS_ADDRESS',
    option: 'manager.metricsAddress',
    kind: 'address',
    default: '`:8443` (`:8080` when not secure)',
    description: 'Where `/metrics` listens; `0` turns it off.',
  },
  {
    flag: 'metrics-secure',
    env: 'OPERON_METRICS_SECURE',
    option: 'manager.metricsSecure',
    kind: 'boolean',
    default: '`true`',
    description: 'HTTPS with TokenReview and SubjectAccessReview on each scrape; `false` is plain HTTP.',
  },
  {
    flag: 'metrics-cert-path',
    env: 'OPERON_METRICS_CERT_DIR',
    option: 'manager.metricsCertDir',
    kind: 'path',
    default: 'a self-signed certificate',
    description: 'A folder with `tls.crt` and `tls.key` for `/metrics`, reloaded when they change.',
  },
  {
    flag: 'health-probe-bind-address',
    env: 'OPERON_HEALTH_ADDRESS',
    option: 'manager.healthAddress',
    kind: 'address',
    default: '`:8081`',
    description:
      'Where `/healthz` and `/readyz` listen; `0` turns them off. A 503 from `/readyz` says why: `the manager is stopping`, `caches not synced yet`, `controllers not synced yet`, or `ready checks failing: NAME, ...`.',
  },
  {
    flag: 'status-bind-address',
    env: 'OPERON_STATUS_ADDRESS',
    option: 'manager.statusAddress',
    kind: 'address',
    default: 'off',
    description:
      'Where the live view `/status` listens (loopback, or `metrics` to serve it behind the metrics auth).',
  },
  {
    flag: 'watch-namespace',
    env: 'WATCH_NAMESPACE',
    option: 'watchNamespace',
    kind: 'name',
    default: 'all namespaces',
    description:
      'Watch and reconcile one namespace only, or several when comma-separated (the operator-sdk convention).',
  },
  {
    flag: 'leader-elect',
    env: 'OPERON_LEADER_ELECTION',
    option: 'leaderElection',
    kind: 'boolean',
    default: '`true` in a cluster, `false` outside',
    description: 'Lease-based leader election, so that one replica reconciles at a time.',
  },
  {
    flag: 'leader-elect-namespace',
    env: 'POD_NAMESPACE',
    option: 'namespace',
    kind: 'name',
    default: 'the operator namespace (`<name>-system`)',
    description:
      "The namespace of the Lease and of the webhook certificate Secret (the Deployment sets it from the pod). Another namespace than the definition's needs Lease access there (and, with self-signed webhook certificates, Secret access): the generated Roles grant them in the definition's only, and `run()` exits 1 when one is missing.",
  },
  {
    flag: 'leader-elect-lease-duration-ms',
    env: 'OPERON_LEASE_DURATION_MS',
    option: 'leaderElection.leaseDurationMs',
    kind: 'ms',
    default: '`15000`',
    description: 'How long candidates wait after the last renewal before taking the Lease.',
  },
  {
    flag: 'leader-elect-renew-deadline-ms',
    env: 'OPERON_RENEW_DEADLINE_MS',
    option: 'leaderElection.renewDeadlineMs',
    kind: 'ms',
    default: '`10000`',
    description: 'How long the leader keeps trying to renew before it gives up leading (and exits 3).',
  },
  {
    flag: 'leader-elect-retry-period-ms',
    env: 'OPERON_RETRY_PERIOD_MS',
    option: 'leaderElection.retryPeriodMs',
    kind: 'ms',
    default: '`2000`',
    description: 'How often candidates try to take, and the leader to renew, the Lease.',
  },
  {
    flag: 'webhooks',
    env: 'OPERON_WEBHOOKS',
    option: 'webhooks',
    kind: 'boolean',
    default: '`true` in a cluster, `false` outside',
    description: 'Serve the admission and conversion webhooks (only when the operator defines some).',
  },
  {
    flag: 'webhook-bind-address',
    env: 'OPERON_WEBHOOK_ADDRESS',
    option: '`address` of the webhook server',
    kind: 'address',
    default: '`:9443`',
    description: 'Where the webhook server listens.',
  },
  {
    flag: 'webhook-cert-path',
    env: 'OPERON_WEBHOOK_CERT_DIR',
    option: '`certDir` of the webhook server',
    kind: 'path',
    default: 'a CA and certificate kept in a Secret',
    description:
      'A folder with the webhook `tls.crt` and `tls.key` (cert-manager), re-read when they change.',
  },
  {
    flag: 'log-level',
    env: 'OPERON_LOG_LEVEL',
    option: 'manager.log',
    kind: 'level',
    default: '`info`',
    description: 'The lowest level logged: `debug`, `info`, `warn` or `error`.',
  },
  {
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    option: 'manager.config',
    kind: 'path',
    default: 'in-cluster, else `~/.kube/config`',
    description: 'The kubeconfig to use (the variable may list several files, as kubectl reads it).',
  },
] as const satisfies readonly RunSetting[];

export type RunSettingFlag = (typeof RUN_SETTINGS)[number]['flag'];

/** `--flag (ENV)`, as error messages name a setting. */
export function describeSetting(flag: RunSettingFlag): string {
  const s = RUN_SETTINGS.find((x) => x.flag === flag)!;
  return `--${s.flag} / ${s.env}`;
}

/** The values read, by flag name; absent when neither the flag nor the variable was given. */
export interface RunSettingValues {
  string(flag: RunSettingFlag): string | undefined;
  /** `false` for `0` or `false` (the endpoint is off). */
  address(flag: RunSettingFlag): string | false | undefined;
  boolean(flag: RunSettingFlag): boolean | undefined;
  ms(flag: RunSettingFlag): number | undefined;
  level(flag: RunSettingFlag): 'debug' | 'info' | 'warn' | 'error' | undefined;
}

const BOOLEAN = /^(true|false)$/;
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Reads `RUN_SETTINGS` from `argv` (`--flag=value` or `--flag value`; a boolean flag alone means
 * true) and `env`; a flag wins over its variable, an empty variable counts as unset. Other
 * arguments are left alone. A bad value throws an OperonError naming the flag and the variable.
 */
export function readRunSettings(argv: readonly string[], env: NodeJS.ProcessEnv): RunSettingValues {
  const byFlag = new Map<string, RunSetting>(RUN_SETTINGS.map((s) => [s.flag, s]));
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]!);
    const setting = m ? byFlag.get(m[1]!) : undefined;
    if (!m || !setting) continue;
    const inline = m[2];
    if (inline !== undefined) flags.set(setting.flag, inline);
    else if (setting.kind === 'boolean' && !BOOLEAN.test(argv[i + 1] ?? '')) flags.set(setting.flag, 'true');
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) flags.set(setting.flag, argv[++i]!);
    else
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `--${setting.flag} needs a value (or set ${setting.env}).`,
      );
  }
  const raw = (flag: RunSettingFlag) => {
    const s = byFlag.get(flag)!;
    return flags.get(flag) ?? (env[s.env] || undefined);
  };
  const bad = (flag: RunSettingFlag, value: string, want: string) =>
    new OperonError(ErrorCode.InvalidArgument, `${describeSetting(flag)} is "${value}"; ${want}.`);
  return {
    string: raw,
    address(flag) {
      const v = raw(flag);
      return v === undefined ? undefined : v === '0' || v === 'false' ? false : v;
    },
    boolean(flag) {
      const v = raw(flag);
      if (v === undefined) return undefined;
      if (!BOOLEAN.test(v)) throw bad(flag, v, 'use true or false');
      return v === 'true';
    },
    ms(flag) {
      const v = raw(flag);
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw bad(flag, v, 'use a positive number of milliseconds');
      return n;
    },
    level(flag) {
      const v = raw(flag);
      if (v === undefined) return undefined;
      if (!(LEVELS as readonly string[]).includes(v)) throw bad(flag, v, `use one of ${LEVELS.join(', ')}`);
      return v as (typeof LEVELS)[number];
    },
  };
}

/** The Markdown table of `RUN_SETTINGS` that docs/configuration.md holds (a test keeps the two equal). */
export function settingsTable(): string {
  const rows = RUN_SETTINGS.map(
    (s) =>
      `| \`--${s.flag}\` | \`${s.env}\` | ${s.option.includes('`') ? s.option : `\`${s.option}\``} | ${s.default} | ${s.description} |`,
  );
  return [
    '| Flag | Environment variable | In code | Default | What it does |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
