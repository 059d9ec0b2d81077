/**
 * Informer benchmark contender: Operon's informer (`operon/cache`) on the ConfigMaps of one
 * namespace. bench/informer.ts runs it as
 * `node --expose-gc --conditions=operon:source operon-informer.ts KUBECONFIG NAMESPACE [--keep-managed-fields]`.
 */

import { createCache } from 'operon/cache';
import { ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { runContender } from './protocol.ts';

const [kubeconfig, namespace] = process.argv.slice(2);
if (!kubeconfig || !namespace)
  throw new Error('usage: operon-informer.ts KUBECONFIG NAMESPACE [--keep-managed-fields]');
const keepManagedFields = process.argv.includes('--keep-managed-fields');

const client = createClient(await loadKubeconfig({ kubeconfig }));

await runContender({
  async start(onUpdate) {
    const cache = createCache(client, {
      namespace,
      informer: {
        keepManagedFields,
        onError: (error) => process.stderr.write(`informer: ${error.message}\n`),
      },
    });
    const informer = cache.informerFor(ConfigMap);
    informer.addHandlers({ update: onUpdate });
    const controller = new AbortController();
    const running = cache.start(controller.signal);
    await informer.waitForSync();
    return {
      size: () => informer.store.size,
      async stop() {
        controller.abort();
        await running;
        await client.close();
      },
    };
  },
});
