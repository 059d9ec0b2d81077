/**
 * Helpers for tests that break the network or the control plane under a running operator: a
 * small real controller (each `role=source` ConfigMap gets an owned `<name>-mirror` with the same
 * data), a manager that runs it through a given server address, and the two end conditions of a
 * fault test — every informer store equals a fresh LIST, and every source is mirrored.
 */

import type { Informer } from 'operon/cache';
import {
  type Client,
  type ClientOptions,
  ConfigMap,
  type KubernetesObject,
  loadKubeconfig,
} from 'operon/client';
import { Action, applyOwned, controller } from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager, type Manager } from 'operon/manager';
import { eventually } from 'operon/testing';

export const SOURCE_LABEL = { role: 'source' } as const;

/** The controller: mirrors each source ConfigMap's data into `<name>-mirror`, which it owns. */
export function mirrorController() {
  return controller({
    name: 'mirror',
    for: ConfigMap,
    predicates: [(e) => e.object.metadata?.labels?.role === SOURCE_LABEL.role],
    async reconcile(request, ctx) {
      const source = await ctx.get();
      if (!source) return Action.done();
      await applyOwned(
        ctx.client,
        source,
        ConfigMap,
        { metadata: { name: `${request.name}-mirror` }, data: { ...source.data } },
        ctx,
      );
      return Action.done();
    },
  });
}

export interface MirrorOperator {
  manager: Manager;
  /** The manager's ConfigMap informer (the one the controller reads). */
  informer: Informer<ConfigMap>;
  /** HTTP statuses the operator's client received, by status. */
  statuses: Map<number, number>;
  stop(): Promise<void>;
}

/**
 * Runs the mirror controller in `namespace`, talking to `server` (a fault proxy's URL, say) with
 * the credentials of `kubeconfig`.
 */
export async function startMirrorOperator(options: {
  kubeconfig: string;
  server: string;
  namespace: string;
  clientOptions?: ClientOptions;
}): Promise<MirrorOperator> {
  const config = await loadKubeconfig({ kubeconfig: options.kubeconfig });
  const statuses = new Map<number, number>();
  const manager = await createManager({
    config: { ...config, server: options.server },
    namespace: options.namespace,
    clientOptions: {
      fieldManager: 'mirror',
      ...options.clientOptions,
      onResponse: (method, path, status) => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        options.clientOptions?.onResponse?.(method, path, status);
      },
    },
    cache: { informer: { watch: { backoff: { initialMs: 100, maxMs: 2000 } } } },
    metricsAddress: false,
    healthAddress: false,
    gracefulShutdownMs: 5000,
    log: createLogger({ level: 'error', format: 'json', write: () => {} }),
  });
  manager.add(mirrorController());
  const ac = new AbortController();
  const done = manager.start(ac.signal);
  const informer = manager.cache.informerFor(ConfigMap);
  await eventually('the operator to sync its cache', () => manager.cache.synced, 60_000);
  return {
    manager,
    informer,
    statuses,
    async stop() {
      ac.abort();
      await done;
    },
  };
}

/** Creates `count` source ConfigMaps `s0`… with `data.v = value`. */
export async function createSources(client: Client, namespace: string, count: number, value = '0') {
  for (let i = 0; i < count; i++) {
    await client.create(ConfigMap, {
      metadata: { name: `s${i}`, namespace, labels: { ...SOURCE_LABEL } },
      data: { v: value },
    });
  }
}

/** Sets `data.v` of every source to `value`, retrying while the server fails. */
export async function updateSources(client: Client, namespace: string, count: number, value: string) {
  for (let i = 0; i < count; i++) {
    await eventually(`s${i} to take v=${value}`, async () => {
      await client.patch(ConfigMap, `s${i}`, { data: { v: value } }, { namespace });
      return true;
    });
  }
}

/** What is wrong with the mirrors now, from the server: empty when every source is mirrored. */
export async function mirrorProblems(client: Client, namespace: string): Promise<string[]> {
  const all = (await client.list(ConfigMap, { namespace })).items;
  const byName = new Map(all.map((c) => [c.metadata!.name!, c]));
  const problems: string[] = [];
  for (const source of all.filter((c) => c.metadata?.labels?.role === SOURCE_LABEL.role)) {
    const name = source.metadata!.name!;
    const mirror = byName.get(`${name}-mirror`);
    if (!mirror) problems.push(`${name}: no mirror`);
    else if (JSON.stringify(mirror.data ?? {}) !== JSON.stringify(source.data ?? {}))
      problems.push(
        `${name}: mirror has ${JSON.stringify(mirror.data)}, source ${JSON.stringify(source.data)}`,
      );
  }
  return problems;
}

/** Waits until every source is mirrored (the final state converged). */
export async function untilMirrored(client: Client, namespace: string, timeoutMs = 60_000): Promise<void> {
  let last: string[] = [];
  await eventually(
    'every source to be mirrored',
    async () => {
      last = await mirrorProblems(client, namespace);
      if (last.length > 0) throw new Error(last.slice(0, 5).join('; '));
      return true;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** The names and resourceVersions an informer store holds in `namespace`, against a fresh LIST. */
export async function cacheDiff<T extends KubernetesObject>(
  client: Client,
  informer: Informer<T>,
  namespace: string,
): Promise<string[]> {
  const truth = await client.list(informer.type, { namespace });
  const want = new Map(truth.items.map((i) => [i.metadata!.name!, i.metadata!.resourceVersion!]));
  const have = new Map(
    informer.store.list(namespace).map((i) => [i.metadata!.name!, i.metadata!.resourceVersion!]),
  );
  const problems: string[] = [];
  for (const [n, rv] of want)
    if (have.get(n) !== rv) problems.push(`${n}: cache ${have.get(n)} server ${rv}`);
  for (const n of have.keys()) if (!want.has(n)) problems.push(`${n}: in cache, gone from server`);
  return problems;
}

/** Waits until the informer's store equals a fresh LIST (names and resourceVersions). */
export async function untilCacheMatchesList<T extends KubernetesObject>(
  client: Client,
  informer: Informer<T>,
  namespace: string,
  timeoutMs = 60_000,
): Promise<void> {
  await eventually(
    'the cache to equal a fresh LIST',
    async () => {
      const diff = await cacheDiff(client, informer, namespace);
      if (diff.length > 0) throw new Error(diff.slice(0, 5).join('; '));
      return true;
    },
    { timeoutMs, intervalMs: 200 },
  );
}
