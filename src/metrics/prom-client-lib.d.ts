/** Types of the prom-client files src/metrics/prom-client.ts imports: prom-client ships types for its index only. */

declare module 'prom-client/lib/registry.js' {
  const Registry: typeof import('prom-client').Registry;
  export = Registry;
}

declare module 'prom-client/lib/counter.js' {
  const Counter: typeof import('prom-client').Counter;
  export = Counter;
}

declare module 'prom-client/lib/gauge.js' {
  const Gauge: typeof import('prom-client').Gauge;
  export = Gauge;
}

declare module 'prom-client/lib/histogram.js' {
  const Histogram: typeof import('prom-client').Histogram;
  export = Histogram;
}
