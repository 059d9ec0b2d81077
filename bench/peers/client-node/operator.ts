/**
 * The widget operator of bench/operator.ts, written the way most TypeScript operators are written
 * today: `@kubernetes/client-node` informers on the widgets and the ConfigMaps, a hand-written
 * deduplicating work queue (a key waits at most once, is never worked on twice at once, and failures
 * come back with exponential backoff), four workers, and a reconcile that reads from the informer
 * caches and writes the ConfigMap and the status only when they differ.
 *
 *   node --expose-gc bench/peers/client-node/operator.ts KUBECONFIG NAMESPACE
 *
 * client-node is typed locally (the few parts used) and loaded from this folder's node_modules, so
 * that the project type-checks before the peer is installed.
 */

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { announceSynced, serveBench } from '../../operator/protocol.ts';

const args = process.argv.slice(2);
if (args.length !== 2) throw new Error('usage: operator.ts KUBECONFIG NAMESPACE');
const [kubeconfig, namespace] = args as [string, string];

const GROUP = 'bench.operon.dev';
const VERSION = 'v1';
const PLURAL = 'widgets';

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}
interface Metadata {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  ownerReferences?: OwnerReference[];
}
interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}
interface Widget {
  apiVersion?: string;
  kind?: string;
  metadata?: Metadata;
  spec: {
    revision: number;
    owner: string;
    tier: string;
    replicas: number;
    labels: Record<string, string>;
    payload: string;
  };
  status?: { observedGeneration?: number; conditions?: Condition[] };
}
interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata?: Metadata;
  data?: Record<string, string>;
}
interface Informer<T> {
  on(verb: 'add' | 'update' | 'delete', cb: (object: T) => void): void;
  on(verb: 'error', cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  get(name: string, namespace?: string): T | undefined;
}
interface CoreV1Api {
  listNamespacedConfigMap(p: { namespace: string }): Promise<{ items: ConfigMap[] }>;
  createNamespacedConfigMap(p: { namespace: string; body: ConfigMap }): Promise<ConfigMap>;
  replaceNamespacedConfigMap(p: { name: string; namespace: string; body: ConfigMap }): Promise<ConfigMap>;
}
interface CustomObjectsApi {
  listNamespacedCustomObject(p: {
    group: string;
    version: string;
    namespace: string;
    plural: string;
  }): Promise<{ items: Widget[] }>;
  replaceNamespacedCustomObjectStatus(p: {
    group: string;
    version: string;
    namespace: string;
    plural: string;
    name: string;
    body: Widget;
  }): Promise<Widget>;
}
interface KubeConfig {
  loadFromFile(file: string): void;
  makeApiClient<A>(api: new (...args: never[]) => A): A;
}
interface ClientNode {
  KubeConfig: new () => KubeConfig;
  CoreV1Api: new (...args: never[]) => CoreV1Api;
  CustomObjectsApi: new (...args: never[]) => CustomObjectsApi;
  makeInformer<T>(kc: KubeConfig, path: string, list: () => Promise<{ items: T[] }>): Informer<T>;
}

const peer = createRequire(new URL('./package.json', import.meta.url));
const k8s = (await import(pathToFileURL(peer.resolve('@kubernetes/client-node')).href)) as ClientNode;

const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);

/** A deduplicating work queue with per-key exponential backoff, as client-go's workqueue. */
function createQueue() {
  const order: string[] = [];
  const waiting = new Set<string>();
  const working = new Set<string>();
  const failures = new Map<string, number>();
  const sleepers: Array<() => void> = [];
  let closed = false;

  const wake = () => sleepers.shift()?.();
  return {
    add(key: string): void {
      if (closed || waiting.has(key)) return;
      waiting.add(key);
      // A key being worked on goes back in line when its worker is done.
      if (working.has(key)) return;
      order.push(key);
      wake();
    },
    /** Resolves to the next key, or undefined once shut down. */
    async get(): Promise<string | undefined> {
      while (order.length === 0 && !closed) await new Promise<void>((resolve) => sleepers.push(resolve));
      const key = order.shift();
      if (key === undefined) return undefined;
      waiting.delete(key);
      working.add(key);
      return key;
    },
    done(key: string): void {
      working.delete(key);
      if (waiting.has(key)) {
        order.push(key);
        wake();
      }
    },
    /** Adds `key` again after 5 ms, doubling per failure up to 1000 s. */
    retry(key: string): void {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      setTimeout(() => this.add(key), Math.min(5 * 2 ** n, 1_000_000)).unref();
    },
    forget(key: string): void {
      failures.delete(key);
    },
    shutDown(): void {
      closed = true;
      for (const sleeper of sleepers.splice(0)) sleeper();
    },
  };
}

const queue = createQueue();

const widgets = k8s.makeInformer<Widget>(
  kc,
  `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
  () => custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL }),
);
const configMaps = k8s.makeInformer<ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () =>
  core.listNamespacedConfigMap({ namespace }),
);

const enqueueWidget = (w: Widget) => queue.add(w.metadata!.name!);
widgets.on('add', enqueueWidget);
widgets.on('update', enqueueWidget);
const enqueueOwner = (cm: ConfigMap) => {
  const owner = cm.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'Widget');
  if (owner) queue.add(owner.name);
};
configMaps.on('add', enqueueOwner);
configMaps.on('update', enqueueOwner);
configMaps.on('delete', enqueueOwner);
// client-node informers stop on a watch error; restarting them is the caller's job.
for (const informer of [widgets, configMaps] as Array<Informer<unknown>>) {
  informer.on('error', (err) => {
    process.stderr.write(`informer error: ${err instanceof Error ? err.message : String(err)}\n`);
    setTimeout(() => informer.start().catch(() => {}), 1000);
  });
}

function configMapData(spec: Widget['spec']): Record<string, string> {
  const labels = Object.keys(spec.labels)
    .sort()
    .map((k) => `${k}=${spec.labels[k]}`)
    .join(',');
  return {
    revision: String(spec.revision),
    owner: spec.owner,
    tier: spec.tier,
    replicas: String(spec.replicas),
    labels,
    payload: spec.payload,
  };
}

const sameData = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  a !== undefined &&
  Object.keys(a).length === Object.keys(b).length &&
  Object.keys(b).every((k) => a[k] === b[k]);

async function reconcile(name: string): Promise<void> {
  const widget = widgets.get(name, namespace);
  if (!widget) return;
  const generation = widget.metadata?.generation ?? 0;
  const owner: OwnerReference = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Widget',
    name,
    uid: widget.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
  const data = configMapData(widget.spec);
  const existing = configMaps.get(name, namespace);
  if (!existing) {
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace, ownerReferences: [owner] },
        data,
      },
    });
  } else if (
    !sameData(existing.data, data) ||
    !existing.metadata?.ownerReferences?.some((r) => r.controller && r.uid === owner.uid)
  ) {
    await core.replaceNamespacedConfigMap({
      name,
      namespace,
      body: { ...existing, metadata: { ...existing.metadata, ownerReferences: [owner] }, data },
    });
  }

  const conditions = [...(widget.status?.conditions ?? [])];
  const index = conditions.findIndex((c) => c.type === 'Ready');
  const previous = index >= 0 ? conditions[index] : undefined;
  const ready: Condition = {
    type: 'Ready',
    status: 'True',
    reason: 'Applied',
    message: 'ConfigMap applied',
    observedGeneration: generation,
    lastTransitionTime:
      previous?.status === 'True' ? previous.lastTransitionTime : `${new Date().toISOString().slice(0, 19)}Z`,
  };
  const unchanged =
    widget.status?.observedGeneration === generation &&
    previous !== undefined &&
    previous.status === ready.status &&
    previous.reason === ready.reason &&
    previous.message === ready.message &&
    previous.observedGeneration === generation;
  if (unchanged) return;
  if (index >= 0) conditions[index] = ready;
  else conditions.push(ready);
  await custom.replaceNamespacedCustomObjectStatus({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL,
    name,
    body: { ...widget, status: { observedGeneration: generation, conditions } },
  });
}

async function worker(): Promise<void> {
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    try {
      await reconcile(key);
      queue.forget(key);
    } catch (err) {
      // A conflict means the cache was behind: retry with fresh data, like any other failure.
      const code = (err as { code?: number }).code;
      if (code !== 409)
        process.stderr.write(`reconcile ${key}: ${err instanceof Error ? err.message : err}\n`);
      queue.retry(key);
    } finally {
      queue.done(key);
    }
  }
}

await Promise.all([widgets.start(), configMaps.start()]);
announceSynced();
const workers = Array.from({ length: 4 }, () => worker());
serveBench(() => {
  queue.shutDown();
  void Promise.all([widgets.stop(), configMaps.stop(), ...workers]).then(() => process.exit(0));
});
