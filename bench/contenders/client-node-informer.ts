/**
 * Informer benchmark contender: `makeInformer()` of `@kubernetes/client-node` 2, installed under
 * bench/peers/client-node, on the ConfigMaps of one namespace. bench/informer.ts runs it as
 * `node --expose-gc client-node-informer.ts KUBECONFIG NAMESPACE`.
 */

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { runContender } from './protocol.ts';

const [kubeconfig, namespace] = process.argv.slice(2);
if (!kubeconfig || !namespace) throw new Error('usage: client-node-informer.ts KUBECONFIG NAMESPACE');

// The few parts of client-node 2 used here. Typed locally so that the project type-checks before
// the peer is installed.
interface ConfigMapLike {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}
interface ClientNodeInformer {
  on(verb: 'update', cb: (object: ConfigMapLike) => void): void;
  on(verb: 'error', cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  list(namespace?: string): ReadonlyArray<ConfigMapLike>;
}
interface CoreV1Api {
  listNamespacedConfigMap(param: { namespace: string }): Promise<{ items: ConfigMapLike[] }>;
}
interface KubeConfig {
  loadFromFile(file: string): void;
  makeApiClient(api: unknown): CoreV1Api;
}
interface ClientNode {
  KubeConfig: new () => KubeConfig;
  CoreV1Api: unknown;
  makeInformer(
    kc: KubeConfig,
    path: string,
    list: () => Promise<{ items: ConfigMapLike[] }>,
  ): ClientNodeInformer;
}

const peer = createRequire(new URL('../peers/client-node/package.json', import.meta.url));
const k8s = (await import(pathToFileURL(peer.resolve('@kubernetes/client-node')).href)) as ClientNode;

const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
const coreApi = kc.makeApiClient(k8s.CoreV1Api);

await runContender({
  async start(onUpdate) {
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, () =>
      coreApi.listNamespacedConfigMap({ namespace }),
    );
    informer.on('update', onUpdate);
    informer.on('error', (err) =>
      process.stderr.write(`informer: ${err instanceof Error ? err.message : String(err)}\n`),
    );
    await informer.start();
    return {
      size: () => informer.list(namespace).length,
      stop: () => informer.stop(),
    };
  },
});
