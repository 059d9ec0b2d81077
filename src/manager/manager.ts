/**
 * The manager runs an operator as one lifecycle: `createManager()`, then `add(controller)` (and
 * `addRunnable()` for anything else), and `start(signal)` runs every part as a Runnable in ordered
 * groups: probes and metrics, webhooks, caches until synced, then, once leading, the controllers.
 * Shutdown runs the other way within one grace period; the Lease is released only after the
 * controllers have stopped or that period ran out, and after a loss of leadership nothing more is sent.
 */

import { hostname } from 'node:os';
import { type Cache, type CacheOptions, createCache } from '../cache/cache.ts';
import { type Client, type ClientOptions, createClient } from '../client/client.ts';
import { type ClusterConfig, loadConfig } from '../client/config.ts';
import type { KubernetesObject } from '../client/resource.ts';
import type { ControllerDefinition } from '../controller/controller.ts';
import { ErrorCode, isOperonError, OperonError } from '../errors.ts';
import { createEventRecorder, type EventRecorder } from '../events/index.ts';
import {
  createLeaderElector,
  type LeaderElectionClock,
  type LeaderElector,
  LeadershipLostError,
} from '../leader/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { createMetrics, type Metrics } from '../metrics/index.ts';
import { Gauge } from '../metrics/prom-client.ts';
import { type Clock, wallTime } from '../queue/clock.ts';
import { createControllerSet } from './controller-set.ts';
import { createDelegatingAuth } from './endpoint-auth.ts';
import { startEndpoints } from './endpoints.ts';
import { fenceClient } from './fenced-client.ts';
import { createKindTracker } from './kinds.ts';
import {
  DEFAULT_GRACEFUL_SHUTDOWN_MS,
  type LifecyclePhase,
  runLifecycle,
  ShutdownTimeoutError,
} from './lifecycle.ts';
import { type ControllerStatus, createLiveView } from './live-view.ts';
import { aborted, type Runnable, type RunnableGroup, runnable } from './runnable.ts';
import { defaultAddresses } from './settings.ts';

export interface LeaderElectionConfig {
  /** Namespace of the Lease; default the client's namespace. */
  namespace?: string;
  /** Name of the Lease, e.g. `webapp-operator`. */
  name: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ManagerOptions {
  /** Cluster settings; default `loadConfig()` (kubeconfig or in-cluster, as kubectl). */
  config?: ClusterConfig;
  /** An existing client (its config wins). */
  client?: Client;
  clientOptions?: ClientOptions;
  /** Watch and reconcile in this namespace only (default: all). */
  namespace?: string;
  /**
   * Watch and reconcile in these namespaces only (controller-runtime's `DefaultNamespaces`): one
   * watch per namespace and kind, one store for readers; objects elsewhere are never cached nor
   * reconciled. Not together with `namespace`. `operon generate rbac` grants a Role in each
   * (`watchNamespaces`) instead of a ClusterRole.
   */
  namespaces?: readonly string[];
  cache?: Omit<CacheOptions, 'namespace' | 'namespaces'>;
  /** Lease-based leader election; default off (one replica). */
  leaderElection?: LeaderElectionConfig | false;
  /** `host:port` for /metrics (`:0` picks a free port); false to turn off. Default `:8443` (`:8080` when `metricsSecure` is false). */
  metricsAddress?: string | false;
  /**
   * Serve /metrics over HTTPS and let only callers the API server authenticates (TokenReview) and
   * authorizes (SubjectAccessReview: `get` on the non-resource URL `/metrics`) read it, as
   * kubebuilder's scaffold does. Default true; false serves plain HTTP to anyone and logs a warning
   * (local development). The operator then needs `create` on tokenreviews and subjectaccessreviews,
   * which `operon generate rbac` grants.
   */
  metricsSecure?: boolean;
  /** Folder with `tls.crt` and `tls.key` for the metrics server (a mounted Secret), reloaded when they change; default a self-signed certificate made at start. */
  metricsCertDir?: string;
  /** How long an authenticated token and an allowed scrape are remembered; default 60 s, 0 asks every time. See `createDelegatingAuth`. */
  metricsAuthCacheTtlMs?: number;
  /** `host:port` for the probes /healthz and /readyz (plain HTTP); false to turn off. Default `:8081`. */
  healthAddress?: string | false;
  /**
   * The live view `/status`: false (default) off; a loopback `host:port` such as `127.0.0.1:8082`
   * (plain HTTP; reach it with `kubectl port-forward`); or `'metrics'` to serve it on the metrics
   * server behind the same authentication and authorization (`get` on `/status`). Error texts in it
   * are redacted.
   */
  statusAddress?: string | false;
  /**
   * How long in-flight reconciles may take to finish on shutdown before their signal aborts; the
   * Lease is released after they stop or this has passed, and `start()` returns within this plus
   * `STOP_MARGIN_MS`. Longer lets slow reconciles finish; shorter hands over sooner. Default 30 s
   * (controller-runtime's GracefulShutdownTimeout). `operon generate` sizes the pod's
   * terminationGracePeriodSeconds from it (40 s for the default).
   */
  gracefulShutdownMs?: number;
  log?: Logger;
  /** Name used for Events (`reportingController`); default `operon`. */
  name?: string;
  /**
   * Time for the controllers (`Action.requeueAfter`, backoff, `ctx.now()` for conditions and
   * schedules), Events, leader election and the shutdown deadline; default the process clock. Tests
   * pass `createTestClock()` from operon/testing and move it; the cache keeps the real clock (its
   * waits are for the API server, not for the operator's schedule).
   */
  clock?: Clock;
}

export interface ManagerStatus {
  phase: LifecyclePhase;
  leader: { enabled: boolean; leading: boolean; holder?: string | undefined; identity?: string };
  cacheSynced: boolean;
  healthy: boolean;
  controllers: ControllerStatus[];
}

export interface Manager {
  /**
   * The client reconciles get (`ctx.client`), fenced: once leadership is lost, or the manager has
   * stopped, it refuses every request and cancels those in flight. Watches and the elector use their own.
   */
  readonly client: Client;
  /**
   * The same client without the fence, for work every replica does whether or not it leads and
   * that must go on while the manager stops (webhook reviews, certificate rotation, scrape auth).
   * Never for a leader's writes. Closed once every Runnable has stopped.
   */
  readonly unfencedClient: Client;
  readonly cache: Cache;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly events: EventRecorder;
  /**
   * Registers a controller (its workers run in the `leader-election` group), before or after
   * `start`. While one of its kinds (primary, owned, watched) is not served, it waits (`waiting for
   * CRD <plural>.<group>` in `/status`, a log line, `operon_controller_waiting_for_crd`) and the
   * others run; it starts once the CRD is Established, and stops and waits again if it is deleted.
   */
  add<T extends KubernetesObject>(controller: ControllerDefinition<T>): Manager;
  /**
   * Registers any Runnable in a group (default `leader-election`: it runs only while this process
   * leads, and must stop when its signal aborts); only before `start`.
   */
  addRunnable(runnable: Runnable, group?: RunnableGroup): Manager;
  /**
   * Adds a condition to `/readyz` (controller-runtime's `AddReadyzCheck`): the probe answers 200
   * only while the caches are synced, the manager is not stopping and every check returns true.
   * `name` names it in errors. A check that throws counts as not ready. Only before `start`.
   */
  addReadyCheck(name: string, check: () => boolean): Manager;
  /**
   * Runs until `signal` aborts, then shuts down within `gracefulShutdownMs` (plus `STOP_MARGIN_MS`)
   * and resolves. Rejects with an OperonError `LeadershipLost` after leadership is lost (reconciles
   * are aborted at once and nothing more is sent), a `ShutdownTimeoutError` (code `Timeout`) when
   * the grace period ran out before the controllers stopped, or the error a Runnable failed with.
   * After a rejection, exit the process (`exitCodeOf(err)`). Once only.
   */
  start(signal: AbortSignal): Promise<void>;
  /** `start()` with SIGTERM and SIGINT wired to shutdown; resolves to an `ExitCode`. */
  run(): Promise<number>;
  /** Addresses the HTTP endpoints listen on, once started (`metricsSecure`: whether metrics speak HTTPS). */
  readonly addresses: { metrics?: string; health?: string; status?: string; metricsSecure?: boolean };
  status(): ManagerStatus;
}

/** What `run()` resolves to, for `process.exitCode`. */
export const ExitCode = {
  /** Stopped cleanly: every controller finished within the grace period. */
  Clean: 0,
  /** Failed to start, or a Runnable failed. */
  Failed: 1,
  /** Stopped, but the grace period ran out first: some reconcile ignored its signal. */
  ShutdownTimedOut: 2,
  /** Leadership was lost; the process must exit so that a fresh one campaigns. */
  LeadershipLost: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for how `start()` ended: `undefined` for a clean stop, else its rejection. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err === undefined) return ExitCode.Clean;
  if (isOperonError(err, ErrorCode.LeadershipLost)) return ExitCode.LeadershipLost;
  if (err instanceof ShutdownTimeoutError) return ExitCode.ShutdownTimedOut;
  return ExitCode.Failed;
}

/** Creates a manager. The client is made from `options.config` or `loadConfig()`. */
export async function createManager(options: ManagerOptions = {}): Promise<Manager> {
  const grace = options.gracefulShutdownMs;
  if (grace !== undefined && !(Number.isFinite(grace) && grace >= 0)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `gracefulShutdownMs must be a finite number of milliseconds >= 0, not ${grace}.`,
    );
  }
  const log = options.log ?? createLogger();
  const base =
    options.client ??
    createClient(
      options.config ?? (await loadConfig({ warn: (msg, fields) => log.warn(msg, fields) })),
      options.clientOptions,
    );
  // Reconciles, Events and `manager.client` write through the fence; watches and the elector do not.
  const fence = new AbortController();
  const client = fenceClient(base, fence.signal);
  const metrics = createMetrics();
  const cache = createCache(base, {
    ...options.cache,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    onWatchError: (type, error, attempt, retryInMs) => {
      metrics.watchError(type);
      log.warn('watch error; retrying', { kind: type.kind, err: error, attempt, retryInMs });
      options.cache?.onWatchError?.(type, error, attempt, retryInMs);
    },
    onInformerError: (type, error, info) => {
      metrics.informerError(type, info.stage);
      log.warn('informer skipped an object or restarted', {
        kind: type.kind,
        stage: info.stage,
        ...(info.key !== undefined ? { key: info.key } : {}),
        err: error,
      });
      options.cache?.onInformerError?.(type, error, info);
    },
  });
  const name = options.name ?? 'operon';
  const identity =
    (options.leaderElection ? options.leaderElection.identity : undefined) ||
    `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const events = createEventRecorder(client, {
    ...(options.clock ? { clock: options.clock } : {}),
    reportingController: name,
    reportingInstance: identity,
    onError: (err: unknown) => log.warn('could not record an Event', { err }),
  });
  const view = createLiveView(metrics);
  const waitingGauge = new Gauge({
    name: 'operon_controller_waiting_for_crd',
    help: 'Whether a controller waits for a CRD (1) to be served, per controller and CRD.',
    labelNames: ['controller', 'crd'] as const,
    registers: [metrics.registry],
  });
  const controllers = createControllerSet({
    cache,
    kinds: createKindTracker(cache),
    log,
    // The controllers' grace runs on the lifecycle's clock, or the two deadlines disagree.
    runtime: { client, events, ...(options.clock ? { clock: options.clock } : {}) },
    observerFor: (def) => view.observerFor(def),
    queueMetrics: (n) => metrics.queue(n),
    onWaiting(controller, crds, waiting) {
      for (const crd of crds) waitingGauge.set({ controller, crd }, waiting ? 1 : 0);
    },
  });
  const extra: Array<{ runnable: Runnable; group: RunnableGroup }> = [];
  const readyChecks: Array<{ name: string; check: () => boolean }> = [];
  /** Names of the ready checks that fail now (one that throws fails). */
  const failingChecks = () =>
    readyChecks
      .filter(({ check }) => {
        try {
          return check() !== true;
        } catch {
          return true;
        }
      })
      .map(({ name }) => name);
  /** True when ready; otherwise why not, for /readyz's body. */
  const readiness = (): true | string => {
    if (phase === 'stopping') return 'the manager is stopping';
    if (!cache.synced) return 'caches not synced yet';
    if (!controllers.ready) return 'controllers not synced yet';
    const failing = failingChecks();
    if (failing.length > 0) return `ready checks failing: ${failing.join(', ')}`;
    return true;
  };
  let started = false;
  let phase: LifecyclePhase = 'starting';
  let elector: LeaderElector | undefined;
  let leading = false;
  const addresses: Manager['addresses'] = {};

  function status(): ManagerStatus {
    return {
      phase,
      leader: {
        enabled: Boolean(options.leaderElection),
        leading,
        holder: elector?.leader(),
        ...(elector ? { identity: elector.identity } : {}),
      },
      cacheSynced: cache.synced,
      healthy: cache.healthy,
      controllers: view.controllers(controllers.slots),
    };
  }

  const notStarted = (what: string) => {
    if (started) throw new OperonError(ErrorCode.InvalidArgument, `Add ${what} before the manager starts.`);
  };

  /** Probes and metrics: ready once listening, so a port in use fails `start()` at once. */
  const endpoints = (): Runnable => {
    let listening: () => void = () => {};
    const isListening = new Promise<void>((resolve) => {
      listening = resolve;
    });
    return runnable(
      'http endpoints',
      async (signal) => {
        const metricsSecure = options.metricsSecure ?? true;
        const defaults = defaultAddresses(metricsSecure);
        const served = await startEndpoints({
          metricsAddress: options.metricsAddress ?? defaults.metrics,
          healthAddress: options.healthAddress ?? defaults.health,
          metricsSecure,
          // The unfenced client: scrapes stay authorized while the manager stops or after a loss.
          ...(metricsSecure
            ? {
                auth: createDelegatingAuth(
                  base,
                  options.metricsAuthCacheTtlMs !== undefined
                    ? { cacheTtlMs: options.metricsAuthCacheTtlMs }
                    : {},
                ),
              }
            : {}),
          ...(options.metricsCertDir ? { metricsCertDir: options.metricsCertDir } : {}),
          statusAddress: options.statusAddress ?? defaults.status,
          log,
          metrics,
          beforeScrape: () => {
            for (const { type, objects } of cache.objectCounts()) metrics.setCacheObjects(type, objects);
          },
          healthy: () => cache.healthy,
          // Every controller synced or waiting for a kind that is absent, and every ready check passing.
          ready: readiness,
          status,
        });
        if (served.metrics) addresses.metrics = served.metrics;
        if (served.health) addresses.health = served.health;
        if (served.status) addresses.status = served.status;
        if (served.metrics) addresses.metricsSecure = served.metricsSecure;
        log.info('manager starting', { ...addresses, controllers: controllers.slots.map((d) => d.name) });
        listening();
        await aborted(signal);
        await served.close();
      },
      () => isListening,
    );
  };

  function electionFor(le: LeaderElectionConfig) {
    const e = createLeaderElector({
      client: base,
      namespace: le.namespace ?? base.config.namespace,
      name: le.name,
      identity,
      ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
      ...(options.clock ? { clock: leaderClockOf(options.clock) } : {}),
      releaseOnCancel: true,
      onNewLeader: (holder) => log.info('leader observed', { holder }),
      log: (level, msg, fields) => log[level](msg, fields),
    });
    elector = e;
    return {
      runnable: runnable('leader election', (signal) => e.run(signal)),
      async leading(signal: AbortSignal) {
        const term = await e.leading(signal);
        leading = !term.aborted;
        term.addEventListener('abort', () => (leading = false), { once: true });
        log.info('became leader', { identity });
        return term;
      },
    };
  }

  const manager: Manager = {
    client,
    unfencedClient: base,
    cache,
    log,
    metrics,
    events,
    addresses,
    add(def) {
      if (controllers.slots.some((d) => d.name === def.name)) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `Two controllers are named "${def.name}"; names must be unique.`,
        );
      }
      controllers.add(def as unknown as ControllerDefinition<KubernetesObject>);
      return manager;
    },
    addRunnable(r, group = 'leader-election') {
      notStarted(`runnable ${r.name}`);
      extra.push({ runnable: r, group });
      return manager;
    },
    addReadyCheck(checkName, check) {
      notStarted(`ready check ${checkName}`);
      readyChecks.push({ name: checkName, check });
      return manager;
    },

    async start(signal) {
      if (started) throw new OperonError(ErrorCode.InvalidArgument, 'A manager starts once; create another.');
      started = true;
      const graceMs = options.gracefulShutdownMs ?? DEFAULT_GRACEFUL_SHUTDOWN_MS;
      const lost = new AbortController();
      const inGroup = (g: RunnableGroup) => extra.filter((e) => e.group === g).map((e) => e.runnable);
      try {
        await runLifecycle(
          {
            groups: {
              http: [endpoints(), ...inGroup('http')],
              webhooks: inGroup('webhooks'),
              caches: [
                runnable(
                  'cache',
                  (s) => cache.start(s),
                  (s) => cache.waitForSync(s),
                ),
                // Hooks each controller whose kinds are served into the cache: ready once they synced.
                controllers.supervisor(),
                ...inGroup('caches'),
              ],
              others: inGroup('others'),
              'leader-election': [
                ...controllers.leaders({ graceMs, lost: lost.signal }),
                ...inGroup('leader-election'),
              ],
            },
            election: options.leaderElection ? electionFor(options.leaderElection) : undefined,
            graceMs,
            clock: options.clock,
            log,
            hooks: {
              phase: (p) => {
                phase = p;
              },
              leadershipLost(reason) {
                // Before anything else can run: from here on the reconciles' client sends nothing.
                leading = false;
                fence.abort(reason);
                lost.abort(reason);
              },
              async beforeRelease(o) {
                await events.close({ signal: o.lost ? AbortSignal.abort(lost.signal.reason) : o.deadline });
                fence.abort(
                  options.leaderElection
                    ? new LeadershipLostError('stopped', 'The manager stopped leading: it is shutting down.')
                    : new OperonError(
                        ErrorCode.InvalidArgument,
                        'The manager has stopped: it sends nothing more.',
                      ),
                );
              },
              afterStop: () => base.close(),
            },
          },
          signal,
        );
      } finally {
        // Controllers that never started (stopped while syncing or campaigning, or a failed start)
        // still have a queue with a timer and handlers on the informers: shut them down too.
        for (const slot of controllers.slots) slot.running?.abort();
      }
    },

    async run() {
      const controller = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => {
        log.info('signal received; shutting down', { signal: sig });
        controller.abort();
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        await manager.start(controller.signal);
        return ExitCode.Clean;
      } catch (err) {
        const code = exitCodeOf(err);
        log.error('manager failed', { err, exitCode: code });
        return code;
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    },

    status,
  };
  return manager;
}

/** The elector's view of a clock: its wall time, and sleeps on its timers (exported for tests; not public API). */
export function leaderClockOf(clock: Clock): LeaderElectionClock {
  return {
    now: () => wallTime(clock),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const timer = clock.setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms);
        const onAbort = () => {
          clock.clearTimeout(timer);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }),
  };
}
