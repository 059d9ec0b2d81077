/**
 * The widget operator of bench/operator.ts, written the way `@dot-i/k8s-operator`'s README writes
 * operators: a subclass of `Operator` whose `init()` watches the widgets; each event applies the
 * ConfigMap with the client-node 0.20 `CoreV1Api` the base class provides and patches the status
 * with `patchResourceStatus()`. The framework runs events one at a time, every event (no dedup).
 *
 *   node --expose-gc bench/peers/dot-i/operator.ts KUBECONFIG NAMESPACE
 *
 * The bench protocol (bench/operator/protocol.ts): the framework keeps no cache, so `synced` is
 * printed once the handler has seen BENCH_EXPECT widgets (at once when 0).
 *
 * The framework is typed locally (the few parts used) and loaded from this folder's node_modules,
 * so that the project type-checks before the peer is installed.
 */

import { createRequire } from 'node:module';
import { announceSynced, serveBench } from '../../operator/protocol.ts';

const args = process.argv.slice(2);
if (args.length !== 2) throw new Error('usage: operator.ts KUBECONFIG NAMESPACE');
const [kubeconfig, namespace] = args as [string, string];
process.env.KUBECONFIG = kubeconfig; // the base class loads the default kubeconfig
const expect = Number(process.env.BENCH_EXPECT ?? '0');

const GROUP = 'bench.operon.dev';
const VERSION = 'v1';
const PLURAL = 'widgets';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}
interface Widget {
  metadata?: { name?: string; uid?: string; generation?: number };
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
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: {
    name: string;
    namespace: string;
    ownerReferences: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller: boolean;
      blockOwnerDeletion: boolean;
    }>;
  };
  data: Record<string, string>;
}
interface ResourceMeta {
  name: string;
  namespace?: string;
  resourceVersion: string;
}
interface ResourceEvent {
  meta: ResourceMeta;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: unknown;
}
/** client-node 0.20's CoreV1Api: positional arguments, errors carry `statusCode`. */
interface CoreV1Api {
  createNamespacedConfigMap(namespace: string, body: ConfigMap): Promise<unknown>;
  replaceNamespacedConfigMap(name: string, namespace: string, body: ConfigMap): Promise<unknown>;
}
interface OperatorBase {
  start(): Promise<void>;
  stop(): void;
  init(): Promise<void>;
  readonly k8sApi: CoreV1Api;
  watchResource(
    group: string,
    version: string,
    plural: string,
    onEvent: (event: ResourceEvent) => Promise<void>,
    namespace?: string,
  ): Promise<void>;
  patchResourceStatus(meta: ResourceMeta, status: unknown): Promise<ResourceMeta | null>;
}

const peer = createRequire(new URL('./package.json', import.meta.url));
const Operator = (peer('@dot-i/k8s-operator') as { default: abstract new () => OperatorBase }).default;

const statusCode = (err: unknown) =>
  (err as { statusCode?: number; response?: { statusCode?: number } }).statusCode ??
  (err as { response?: { statusCode?: number } }).response?.statusCode;

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

const seen = new Set<string>();
function count(name: string): void {
  if (expect === 0 || seen.size >= expect) return;
  seen.add(name);
  if (seen.size === expect) announceSynced();
}

class WidgetOperator extends Operator {
  override async init(): Promise<void> {
    await this.watchResource(GROUP, VERSION, PLURAL, (e) => this.reconcile(e), namespace);
  }

  private async reconcile(event: ResourceEvent): Promise<void> {
    if (event.type === 'DELETED') return; // the ConfigMap goes with its owner
    const widget = event.object as Widget;
    const name = widget.metadata!.name!;
    const generation = widget.metadata?.generation ?? 0;
    const ready = widget.status?.conditions?.find((c) => c.type === 'Ready');
    // Every event comes here, our own status writes included: skip what is done already.
    if (
      widget.status?.observedGeneration === generation &&
      ready?.status === 'True' &&
      ready.observedGeneration === generation
    ) {
      count(name);
      return;
    }
    const configMap: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        namespace,
        ownerReferences: [
          {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'Widget',
            name,
            uid: widget.metadata!.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      data: configMapData(widget.spec),
    };
    if (event.type === 'ADDED') {
      try {
        await this.k8sApi.createNamespacedConfigMap(namespace, configMap);
      } catch (err) {
        if (statusCode(err) !== 409) throw err;
        await this.k8sApi.replaceNamespacedConfigMap(name, namespace, configMap);
      }
    } else {
      try {
        await this.k8sApi.replaceNamespacedConfigMap(name, namespace, configMap);
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
        await this.k8sApi.createNamespacedConfigMap(namespace, configMap);
      }
    }
    const conditions = (widget.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
    conditions.push({
      type: 'Ready',
      status: 'True',
      reason: 'Applied',
      message: 'ConfigMap applied',
      observedGeneration: generation,
      lastTransitionTime:
        ready?.status === 'True' ? ready.lastTransitionTime : `${new Date().toISOString().slice(0, 19)}Z`,
    });
    await this.patchResourceStatus(event.meta, { observedGeneration: generation, conditions });
    count(name);
  }
}

const operator = new WidgetOperator();
await operator.start();
if (expect === 0) announceSynced();
serveBench(() => {
  operator.stop();
  process.exit(0);
});
