/**
 * The manager runs an operator as one lifecycle: `createManager()` then `add(controller)`, and
 * `start(signal)` brings up probes and metrics, syncs the caches, wins leader election, then
 * starts the controllers; shutdown runs the other way, letting reconciles finish.
 */

import { hostname } from 'node:os';
import { type Cache, type CacheOptions, createCache } from '../cache/cache.ts';
import { type Client, type ClientOptions, createClient } from '../client/client.ts';
import { type ClusterConfig, loadConfig } from '../client/config.ts';
import type { KubernetesObject } from '../client/resource.ts';
import {
  type ControllerDefinition,
  describeReason,
  prepareController,
  type Reason,
  type ReconcileResult,
  type RunningController,
} from '../controller/controller.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import { createEventRecorder, type EventRecorder } from '../events/index.ts';
import { createLeaderElector, type LeaderElector } from '../leader/index.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { createMetrics, type Metrics } from '../metrics/index.ts';
import { createDelegatingAuth } from './endpoint-auth.ts';
import { type HttpEndpoints, startEndpoints } from './endpoints.ts';

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
  cache?: Omit<CacheOptions, 'namespace'>;
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
  /** How long in-flight reconciles may take to finish on shutdown; default 30 s. */
  gracefulShutdownMs?: number;
  log?: Logger;
  /** Name used for Events (`reportingController`); default `operon`. */
  name?: string;
}

/** One recent reconcile, for the live view. */
export interface ReconcileRecord {
  id: string;
  key: string;
  reasons: string[];
  result: ReconcileResult | 'running';
  seconds?: number;
  error?: string;
  at: string;
}

export interface ControllerStatus {
  name: string;
  kind: string;
  queueDepth: number;
  inFlight: number;
  reconciles: number;
  errors: number;
  /** Reconciles per second over the last minute. */
  ratePerSecond: number;
  /** The last reconcile of each key (bounded), newest first. */
  recent: ReconcileRecord[];
  lastByKey: Record<string, ReconcileRecord>;
}

export interface ManagerStatus {
  phase: 'starting' | 'syncing' | 'waiting-for-leadership' | 'running' | 'stopping' | 'stopped';
  leader: { enabled: boolean; leading: boolean; holder?: string | undefined; identity?: string };
  cacheSynced: boolean;
  healthy: boolean;
  controllers: ControllerStatus[];
}

export interface Manager {
  readonly client: Client;
  readonly cache: Cache;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly events: EventRecorder;
  /** Registers a controller; only before `start`. */
  add<T extends KubernetesObject>(controller: ControllerDefinition<T>): Manager;
  /** Runs until `signal` aborts, then shuts down cleanly; rejects if leadership is lost. */
  start(signal: AbortSignal): Promise<void>;
  /** `start()` with SIGTERM and SIGINT wired to shutdown; resolves to the exit code (0 after a clean stop). */
  run(): Promise<number>;
  /** Addresses the HTTP endpoints listen on, once started (`metricsSecure`: whether metrics speak HTTPS). */
  readonly addresses: { metrics?: string; health?: string; status?: string; metricsSecure?: boolean };
  status(): ManagerStatus;
}

const RECENT = 50;
const PER_KEY = 1000;

/** Creates a manager. The client is made from `options.config` or `loadConfig()` on `start`. */
export async function createManager(options: ManagerOptions = {}): Promise<Manager> {
  const log = options.log ?? createLogger();
  const client =
    options.client ??
    createClient(
      options.config ?? (await loadConfig({ warn: (msg, fields) => log.warn(msg, fields) })),
      options.clientOptions,
    );
  const cache = createCache(client, {
    ...options.cache,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    onWatchError: (type, error, attempt, retryInMs) => {
      metrics.watchError(type);
      log.warn('watch error; retrying', { kind: type.kind, err: error, attempt, retryInMs });
      options.cache?.onWatchError?.(type, error, attempt, retryInMs);
    },
  });
  const metrics = createMetrics();
  const name = options.name ?? 'operon';
  const identity =
    (options.leaderElection ? options.leaderElection.identity : undefined) ||
    `${hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const events = createEventRecorder(client, {
    reportingController: name,
    reportingInstance: identity,
    onError: (err: unknown) => log.warn('could not record an Event', { err }),
  });
  const definitions: ControllerDefinition<KubernetesObject>[] = [];
  const running: RunningController[] = [];
  const views = new Map<
    string,
    {
      kind: string;
      reconciles: number;
      errors: number;
      recent: ReconcileRecord[];
      byKey: Map<string, ReconcileRecord>;
      times: number[];
    }
  >();
  let phase: ManagerStatus['phase'] = 'starting';
  let elector: LeaderElector | undefined;
  let leading = false;
  let endpoints: HttpEndpoints | undefined;
  const addresses: Manager['addresses'] = {};

  function observerFor(def: ControllerDefinition<KubernetesObject>) {
    const m = metrics.controller(def.name);
    m.setMaxConcurrent(def.options.concurrency ?? 1);
    const view = {
      kind: def.options.for.kind,
      reconciles: 0,
      errors: 0,
      recent: [] as ReconcileRecord[],
      byKey: new Map<string, ReconcileRecord>(),
      times: [] as number[],
    };
    views.set(def.name, view);
    const open = new Map<string, ReconcileRecord>();
    return {
      enqueued: (_key: string, reason: Reason) => m.reason(reason.kind),
      reconcileStarted(key: string, id: string, reasons: readonly Reason[]) {
        m.reconcileStarted();
        const record: ReconcileRecord = {
          id,
          key,
          reasons: reasons.map(describeReason),
          result: 'running',
          at: new Date().toISOString(),
        };
        open.set(id, record);
        view.byKey.delete(key);
        view.byKey.set(key, record);
        if (view.byKey.size > PER_KEY) view.byKey.delete(view.byKey.keys().next().value!);
      },
      reconcileFinished(
        key: string,
        o: {
          id: string;
          result: ReconcileResult;
          seconds: number;
          error?: unknown;
          terminal?: boolean;
          invalid?: boolean;
        },
      ) {
        m.reconcileFinished(o.result, o.seconds);
        if (o.result === 'error') {
          m.error();
          view.errors++;
        }
        if (o.terminal) m.terminalError();
        if (o.invalid) m.panic();
        view.reconciles++;
        const now = Date.now();
        view.times.push(now);
        while (view.times.length > 0 && now - view.times[0]! > 60_000) view.times.shift();
        const record = open.get(o.id) ?? {
          id: o.id,
          key,
          reasons: [],
          result: o.result,
          at: new Date().toISOString(),
        };
        open.delete(o.id);
        record.result = o.result;
        record.seconds = Math.round(o.seconds * 1e6) / 1e6;
        if (o.error !== undefined)
          record.error = o.error instanceof Error ? o.error.message : String(o.error);
        view.recent.unshift(record);
        if (view.recent.length > RECENT) view.recent.pop();
      },
      handlerError: () => m.panic(),
    };
  }

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
      controllers: running.map((r) => {
        const view = views.get(r.name)!;
        return {
          name: r.name,
          kind: view.kind,
          queueDepth: r.queue.stats().depth,
          inFlight: r.inFlight,
          reconciles: view.reconciles,
          errors: view.errors,
          ratePerSecond: Math.round((view.times.length / 60) * 100) / 100,
          recent: view.recent.slice(0, 20),
          lastByKey: Object.fromEntries(view.byKey),
        };
      }),
    };
  }

  const manager: Manager = {
    client,
    cache,
    log,
    metrics,
    events,
    addresses,
    add(def) {
      if (phase !== 'starting' || running.length > 0) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `Add controller ${def.name} before the manager starts.`,
        );
      }
      if (definitions.some((d) => d.name === def.name)) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `Two controllers are named "${def.name}"; names must be unique.`,
        );
      }
      definitions.push(def as unknown as ControllerDefinition<KubernetesObject>);
      return manager;
    },

    async start(signal) {
      const grace = options.gracefulShutdownMs ?? 30_000;
      const cacheStop = new AbortController();
      const electionStop = new AbortController();
      let cacheRun: Promise<void> | undefined;
      let electionRun: Promise<void> | undefined;
      let lost: Error | undefined;
      try {
        // 1. Probes and metrics first, so the kubelet sees the process from the start.
        const metricsSecure = options.metricsSecure ?? true;
        endpoints = await startEndpoints({
          metricsAddress: options.metricsAddress ?? (metricsSecure ? ':8443' : ':8080'),
          healthAddress: options.healthAddress ?? ':8081',
          metricsSecure,
          ...(metricsSecure
            ? {
                auth: createDelegatingAuth(
                  client,
                  options.metricsAuthCacheTtlMs !== undefined
                    ? { cacheTtlMs: options.metricsAuthCacheTtlMs }
                    : {},
                ),
              }
            : {}),
          ...(options.metricsCertDir ? { metricsCertDir: options.metricsCertDir } : {}),
          statusAddress: options.statusAddress ?? false,
          log,
          metrics,
          beforeScrape: () => {
            for (const { type, objects } of cache.objectCounts()) metrics.setCacheObjects(type, objects);
          },
          healthy: () => cache.healthy,
          ready: () => cache.synced && phase !== 'stopping',
          status,
        });
        if (endpoints.metrics) addresses.metrics = endpoints.metrics;
        if (endpoints.health) addresses.health = endpoints.health;
        if (endpoints.status) addresses.status = endpoints.status;
        if (endpoints.metrics) addresses.metricsSecure = endpoints.metricsSecure;
        log.info('manager starting', { ...addresses, controllers: definitions.map((d) => d.name) });

        // 2. Controllers hook into the informers before they list, then the caches sync.
        for (const def of definitions) {
          running.push(
            prepareController(def, {
              client,
              cache,
              log,
              events,
              observer: observerFor(def),
              queueMetrics: metrics.queue(def.name),
            }),
          );
        }
        phase = 'syncing';
        cacheRun = cache.start(cacheStop.signal);
        await cache.waitForSync(signal);
        log.info('caches synced');

        // 3. Leader election.
        let leaderSignal: AbortSignal | undefined;
        if (options.leaderElection) {
          const le = options.leaderElection;
          phase = 'waiting-for-leadership';
          elector = createLeaderElector({
            client,
            namespace: le.namespace ?? client.config.namespace,
            name: le.name,
            identity,
            ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
            ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
            ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
            releaseOnCancel: true,
            onNewLeader: (holder) => log.info('leader observed', { holder }),
            log: (level, msg, fields) => log[level](msg, fields),
          });
          electionRun = elector.run(electionStop.signal);
          leaderSignal = await elector.leading(signal);
          leading = true;
          log.info('became leader', { identity });
        }

        // 4. Controllers.
        phase = 'running';
        for (const r of running) r.start();
        await new Promise<void>((resolve) => {
          const finish = () => resolve();
          if (signal.aborted || leaderSignal?.aborted) return resolve();
          signal.addEventListener('abort', finish, { once: true });
          leaderSignal?.addEventListener(
            'abort',
            () => {
              // Our own shutdown stops the elector too; that is not a loss.
              if (signal.aborted || phase !== 'running') return finish();
              lost = new OperonError(
                ErrorCode.LeadershipLost,
                'Leadership lost: stopped reconciling at once. Exiting so that a fresh process campaigns again.',
              );
              finish();
            },
            { once: true },
          );
        });
      } catch (err) {
        if (!signal.aborted) throw err;
      } finally {
        phase = 'stopping';
        leading = false;
        if (lost) for (const r of running) r.abort();
        else {
          log.info('shutting down: finishing in-flight reconciles', { graceMs: grace });
          await Promise.all(running.map((r) => r.stop(grace)));
        }
        // Release the lease so another replica takes over at once.
        electionStop.abort();
        await electionRun;
        await events.close();
        cacheStop.abort();
        await cacheRun;
        await endpoints?.close();
        await client.close();
        phase = 'stopped';
        log.info('manager stopped');
      }
      if (lost) throw lost;
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
        return 0;
      } catch (err) {
        log.error('manager failed', { err });
        return 1;
      } finally {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
    },

    status,
  };
  return manager;
}
