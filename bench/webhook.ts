/**
 * Benchmark: admission round trips through the real API server. Dry-run creates of a custom
 * resource with an Operon validating webhook against the same creates with no webhook (the API
 * server's own cost): p50 / p99 latency one at a time, and throughput with 16 in flight.
 * A controller-runtime webhook peer doing the same validation is not in this section yet.
 *
 *   node --conditions=operon:source bench/webhook.ts [--quick]
 */

import { createClient, loadKubeconfig } from 'operon/client';
import { defineResource, Type } from 'operon/resource';
import { runWebhooks, startControlPlane } from 'operon/testing';
import { Admission, defineWebhooks } from 'operon/webhook';

const spec = Type.Object({ image: Type.String() });
const Hooked = defineResource({ group: 'bench.operon.dev', kind: 'Hooked', versions: { v1: { spec } } });
const Plain = defineResource({ group: 'bench.operon.dev', kind: 'Plain', versions: { v1: { spec } } });
const hooks = defineWebhooks(Hooked, {
  validate: (o) =>
    o.spec.image.startsWith('registry.example.com/') ? Admission.allow() : Admission.deny('registry'),
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchWebhook(options: { quick?: boolean } = {}): Promise<string> {
  const sequential = options.quick ? 100 : 1000;
  const concurrent = options.quick ? 400 : 4000;
  const inFlight = 16;
  await using plane = await startControlPlane({ crds: [Hooked.crd(), Plain.crd()] });
  const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  await using running = await runWebhooks(plane, [hooks]);
  const rows: string[] = [];
  try {
    const scenarios: Array<[string, typeof Hooked]> = [
      ['no webhook (API server alone)', Plain as unknown as typeof Hooked],
      ['Operon validating webhook', Hooked],
    ];
    for (const [name, type] of scenarios) {
      let n = 0;
      const create = () =>
        client.create(
          type,
          {
            metadata: { name: `o${n++}`, namespace: 'default' },
            spec: { image: 'registry.example.com/app:1' },
          },
          { dryRun: true },
        );
      for (let i = 0; i < 20; i++) await create(); // warm up connections and caches
      const latencies: number[] = [];
      for (let i = 0; i < sequential; i++) {
        const t = performance.now();
        await create();
        latencies.push(performance.now() - t);
      }
      latencies.sort((a, b) => a - b);
      let left = concurrent;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (left-- > 0) await create();
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      rows.push(
        `| ${name} | ${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} | ${Math.round(concurrent / seconds)} |`,
      );
    }
    const calls = running.calls.get(hooks.validating!.path) ?? 0;
    return [
      '## Admission webhook round trip',
      '',
      `Dry-run creates through kube-apiserver; latency over ${sequential} sequential requests, throughput over ${concurrent} with ${inFlight} in flight. The webhook answered ${calls} reviews.`,
      '',
      '| Path | p50 ms | p99 ms | creates/s |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
  } finally {
    await client.close();
  }
}

if (import.meta.main)
  process.stdout.write(`${await benchWebhook({ quick: process.argv.includes('--quick') })}\n`);
