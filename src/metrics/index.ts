/** Prometheus metrics for an operator: `createMetrics()` gives a prom-client registry with controller-runtime's controller and workqueue series, so existing dashboards work, plus Operon's own. */

export {
  type ControllerMetrics,
  createMetrics,
  INFORMER_ERROR_STAGES,
  type Metrics,
  RECONCILE_REASONS,
  RECONCILE_TIME_BUCKETS,
  type ReconcileReason,
  type ReconcileResult,
  resourceLabel,
  WORKQUEUE_DURATION_BUCKETS,
} from './metrics.ts';
