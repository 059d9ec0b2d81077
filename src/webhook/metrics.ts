/** The webhook server's Prometheus series, under controller-runtime's names, labelled by `webhook` (the path). */

import { ErrorCode, OperonError } from '../errors.ts';
import { Counter, Gauge, Histogram, Registry } from '../metrics/prom-client.ts';

/**
 * Buckets of `controller_runtime_webhook_latency_seconds`: Prometheus' default buckets (5 ms to
 * 10 s), which cover the API server's 1–30 s webhook timeouts at their low end.
 */
export const WEBHOOK_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The callbacks the server makes; every one is cheap and never throws. */
export interface WebhookMetrics {
  /** A review arrived at `webhook`: in-flight + 1. */
  started(webhook: string): void;
  /** A review at `webhook` was answered with HTTP `code` after `seconds`: in-flight − 1, latency, requests. */
  finished(webhook: string, code: number, seconds: number): void;
}

/** Registers (or reuses) the webhook series in `registry`. */
export function createWebhookMetrics(registry: Registry = new Registry()): WebhookMetrics {
  const registers = [registry];
  const requests = reuse(
    registry,
    'controller_runtime_webhook_requests_total',
    Counter,
    () =>
      new Counter({
        name: 'controller_runtime_webhook_requests_total',
        help: 'Total number of admission and conversion requests, by webhook path and HTTP status code.',
        labelNames: ['webhook', 'code'],
        registers,
      }),
  );
  const latency = reuse(
    registry,
    'controller_runtime_webhook_latency_seconds',
    Histogram,
    () =>
      new Histogram({
        name: 'controller_runtime_webhook_latency_seconds',
        help: 'How long the webhook took to answer a request, by webhook path.',
        labelNames: ['webhook'],
        buckets: [...WEBHOOK_LATENCY_BUCKETS],
        registers,
      }),
  );
  const inFlight = reuse(
    registry,
    'controller_runtime_webhook_requests_in_flight',
    Gauge,
    () =>
      new Gauge({
        name: 'controller_runtime_webhook_requests_in_flight',
        help: 'Requests the webhook is handling now, by webhook path.',
        labelNames: ['webhook'],
        registers,
      }),
  );
  return {
    started: (webhook) => inFlight.inc({ webhook }),
    finished(webhook, code, seconds) {
      inFlight.dec({ webhook });
      if (Number.isFinite(seconds)) latency.observe({ webhook }, Math.max(0, seconds));
      requests.inc({ webhook, code: String(code) });
    },
  };
}

function reuse<M>(
  registry: Registry,
  name: string,
  type: typeof Counter | typeof Gauge | typeof Histogram,
  create: () => M,
): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof type) return existing as M;
  throw new OperonError(
    ErrorCode.InvalidArgument,
    `createWebhookMetrics: the registry already has a metric named ${name} of another type; pass a registry without it.`,
  );
}
