/**
 * The Operon contender of bench/operator.ts: the widget controller written the way Operon's
 * documentation writes controllers (`controller()` with `owns`, `applyOwned()`, `setCondition()`,
 * `updateStatus()`), run by a manager on one namespace.
 *
 *   node --expose-gc --conditions=operon:source bench/operator/operon.ts KUBECONFIG NAMESPACE
 */

import { ConfigMap, loadKubeconfig } from 'operon/client';
import { Action, applyOwned, controller, setCondition, updateStatus } from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager } from 'operon/manager';
import { announceSynced, serveBench } from './protocol.ts';
import { configMapData, READY, Widget } from './workload.ts';

const [kubeconfig, namespace] = process.argv.slice(2);
if (!kubeconfig || !namespace) throw new Error('usage: operon.ts KUBECONFIG NAMESPACE');

const widgets = controller({
  name: 'widget',
  for: Widget,
  owns: [ConfigMap],
  concurrency: 4,
  async reconcile(_request, ctx) {
    const widget = await ctx.get();
    if (!widget) return Action.done();
    const generation = widget.metadata?.generation ?? 0;
    await applyOwned(
      ctx.client,
      widget,
      ConfigMap,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: widget.metadata!.name! },
        data: configMapData(widget.spec),
      },
      ctx,
    );
    await updateStatus(
      ctx.client,
      Widget,
      widget,
      {
        observedGeneration: generation,
        conditions: setCondition(widget.status?.conditions, { ...READY, observedGeneration: generation }),
      },
      { signal: ctx.signal },
    );
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
manager.add(widgets);

const stop = new AbortController();
serveBench(() => stop.abort());
// The informers the controller uses; made now so that their sync can be announced.
manager.cache.informerFor(Widget);
manager.cache.informerFor(ConfigMap);
manager.cache.waitForSync(stop.signal).then(announceSynced, () => {});
await manager.start(stop.signal);
process.exit(0);
