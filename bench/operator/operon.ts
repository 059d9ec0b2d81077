/**
 * The Operon contender of bench/operator.ts: the widget controller written the way Operon's
 * documentation writes controllers (`controller()` with `owns`, `applyOwned()`, `setCondition()`,
 * `updateStatus()`), run by a manager on one namespace.
 *
 *   node --expose-gc bench/dist/operator/operon.mjs KUBECONFIG NAMESPACE   (bundled by the bench)
 *
 * It answers `stats` (bench/operator/protocol.ts) with the time its reconciles spent per phase:
 * `get_ms` reading the widget from the cache (which waits for the informer to show this
 * controller's own last write: read-your-writes), `apply_ms` and `status_ms` the two write round
 * trips, `body_ms` the whole reconcile; `queue_ms` is the time keys waited in the work queue.
 */

import { ConfigMap, loadKubeconfig } from 'operon/client';
import { Action, applyOwned, controller, setCondition, updateStatus } from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager } from 'operon/manager';
import { announceSynced, serveBench } from './protocol.ts';
import { configMapData, READY, Widget } from './workload.ts';

const [kubeconfig, namespace] = process.argv.slice(2);
if (!kubeconfig || !namespace) throw new Error('usage: operon.ts KUBECONFIG NAMESPACE');

/** Time per phase of the reconciles, summed in ms, for the bench's `stats` line. */
const phases = { reconciles: 0, get_ms: 0, apply_ms: 0, status_ms: 0, body_ms: 0 };

const widgets = controller({
  name: 'widget',
  for: Widget,
  owns: [ConfigMap],
  concurrency: 4,
  async reconcile(_request, ctx) {
    const t0 = performance.now();
    phases.reconciles++;
    const widget = await ctx.get();
    const t1 = performance.now();
    phases.get_ms += t1 - t0;
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
    const t2 = performance.now();
    phases.apply_ms += t2 - t1;
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
    const t3 = performance.now();
    phases.status_ms += t3 - t2;
    phases.body_ms += t3 - t0;
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
/** The sum of a histogram of the manager's registry, in ms, and its count. */
async function histogram(name: string) {
  const metric = await manager.metrics.registry.getSingleMetric(name)?.get();
  const values = (metric?.values ?? []) as Array<{ metricName?: string; value: number }>;
  const pick = (suffix: string) =>
    values.filter((v) => v.metricName === `${name}_${suffix}`).reduce((sum, v) => sum + v.value, 0);
  return { ms: pick('sum') * 1000, count: pick('count') };
}
serveBench(
  () => stop.abort(),
  async () => {
    const queued = await histogram('workqueue_queue_duration_seconds');
    const worked = await histogram('workqueue_work_duration_seconds');
    return {
      ...phases,
      queue_ms: queued.ms,
      queue_count: queued.count,
      work_ms: worked.ms,
      work_count: worked.count,
      ryw_waited: manager.cache.readYourWrites.waited,
      ryw_fell_back: manager.cache.readYourWrites.fellBack,
    };
  },
);
// The informers the controller uses; made now so that their sync can be announced.
manager.cache.informerFor(Widget);
manager.cache.informerFor(ConfigMap);
manager.cache.waitForSync(stop.signal).then(announceSynced, () => {});
await manager.start(stop.signal);
process.exit(0);
