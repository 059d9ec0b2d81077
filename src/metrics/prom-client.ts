/**
 * The four prom-client classes Operon uses, imported from prom-client's own files: its index also
 * loads the default Node.js metrics (and with them @opentelemetry/api), Summary, Pushgateway and
 * the cluster aggregator, 85 modules that cost a minimal operator 8 MiB of RSS and 45 ms of start-up
 * CPU (bench/idle.ts) for nothing it uses. The package has no `exports` map; these are the very
 * modules its index re-exports, so `collectDefaultMetrics()` from 'prom-client' works on Operon's
 * registry as before. Imported statically, so that `operon build` bundles them.
 */

import type * as Prom from 'prom-client';
import counter from 'prom-client/lib/counter.js';
import gauge from 'prom-client/lib/gauge.js';
import histogram from 'prom-client/lib/histogram.js';
import registry from 'prom-client/lib/registry.js';

export const Registry: typeof Prom.Registry = registry;
export const Counter: typeof Prom.Counter = counter;
export const Gauge: typeof Prom.Gauge = gauge;
export const Histogram: typeof Prom.Histogram = histogram;
export type Registry<T extends Prom.RegistryContentType = Prom.PrometheusContentType> = Prom.Registry<T>;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;
