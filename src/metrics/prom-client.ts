/**
 * The four prom-client classes Operon uses, loaded from prom-client's own files: its index also
 * loads the default Node.js metrics (and with them @opentelemetry/api), Summary, Pushgateway and
 * the cluster aggregator, 85 modules that cost a minimal operator 8 MiB of RSS and 45 ms of start-up
 * CPU (bench/idle.ts) for nothing it uses. The package has no `exports` map; these are the very
 * modules its index re-exports, so `collectDefaultMetrics()` from 'prom-client' works on Operon's
 * registry as before.
 */

import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const require = createRequire(import.meta.url);

export const Registry: typeof Prom.Registry = require('prom-client/lib/registry.js');
export const Counter: typeof Prom.Counter = require('prom-client/lib/counter.js');
export const Gauge: typeof Prom.Gauge = require('prom-client/lib/gauge.js');
export const Histogram: typeof Prom.Histogram = require('prom-client/lib/histogram.js');
export type Registry<T extends Prom.RegistryContentType = Prom.PrometheusContentType> = Prom.Registry<T>;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;
