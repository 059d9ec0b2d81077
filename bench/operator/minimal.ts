/**
 * The smallest Operon operator, for the idle figures of the benchmarks: one controller for
 * ConfigMaps that reads the object and does nothing, under a manager with its defaults except the
 * HTTP endpoints (off, as the Go peer has them), on one namespace. Speaks bench/operator/protocol.ts.
 *
 *   node --expose-gc bench/dist/operator/minimal.mjs KUBECONFIG NAMESPACE   (bundled by the bench)
 */

import { ConfigMap, loadKubeconfig } from 'operon/client';
import { Action, controller } from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager } from 'operon/manager';
import { announceSynced, serveBench } from './protocol.ts';

const [kubeconfig, namespace] = process.argv.slice(2);
if (!kubeconfig || !namespace) throw new Error('usage: minimal.ts KUBECONFIG NAMESPACE');

const configMaps = controller({
  name: 'configmap',
  for: ConfigMap,
  async reconcile(_request, ctx) {
    await ctx.get();
    return Action.done();
  },
});

const manager = await createManager({
  config: await loadKubeconfig({ kubeconfig }),
  namespace,
  metricsAddress: false,
  healthAddress: false,
  log: createLogger({ level: 'error' }),
});
manager.add(configMaps);

const stop = new AbortController();
serveBench(() => stop.abort());
manager.cache.informerFor(ConfigMap);
manager.cache.waitForSync(stop.signal).then(announceSynced, () => {});
await manager.start(stop.signal);
process.exit(0);
