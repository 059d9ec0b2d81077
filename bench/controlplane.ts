/**
 * Benchmark: how long a test waits for a control plane. Prints, side by side, the start time of a
 * fresh plane (binaries present) and the cost of a fresh namespace on a shared plane, the two ways
 * a test suite can isolate its tests.
 */

import { startControlPlane } from 'operon/testing';

export interface ControlPlaneBenchOptions {
  starts?: number;
  namespaces?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function p(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export async function benchControlPlane(options: ControlPlaneBenchOptions = {}): Promise<string> {
  const starts: number[] = [];
  const stops: number[] = [];
  const fullStarts: number[] = [];
  for (let i = 0; i < (options.starts ?? 3); i++) {
    let t = performance.now();
    const plane = await startControlPlane();
    starts.push(performance.now() - t);
    t = performance.now();
    await plane.stop();
    stops.push(performance.now() - t);
    t = performance.now();
    const full = await startControlPlane({
      components: ['kube-controller-manager', 'kube-scheduler', 'kwok'],
    });
    fullStarts.push(performance.now() - t);
    await full.stop();
  }

  const plane = await startControlPlane();
  const creates: number[] = [];
  const deletes: number[] = [];
  try {
    for (let i = 0; i < (options.namespaces ?? 20); i++) {
      let t = performance.now();
      const ns = await plane.createNamespace('bench');
      // A namespace is usable once a write into it succeeds.
      await plane.connection.call('POST', `/api/v1/namespaces/${ns.name}/configmaps`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'probe' },
      });
      creates.push(performance.now() - t);
      t = performance.now();
      await ns[Symbol.asyncDispose]();
      deletes.push(performance.now() - t);
    }
  } finally {
    await plane.stop();
  }

  const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;
  const rows = [
    ['plane start (etcd + kube-apiserver)', ms(median(starts)), ms(p(starts, 1)), String(starts.length)],
    [
      'plane start (+ controller-manager, scheduler, kwok)',
      ms(median(fullStarts)),
      ms(p(fullStarts, 1)),
      String(fullStarts.length),
    ],
    ['plane stop', ms(median(stops)), ms(p(stops, 1)), String(stops.length)],
    [
      'fresh namespace on a shared plane (create + first write)',
      ms(median(creates)),
      ms(p(creates, 1)),
      String(creates.length),
    ],
    ['namespace delete', ms(median(deletes)), ms(p(deletes, 1)), String(deletes.length)],
  ];
  const ratio = median(starts) / median(creates);
  return [
    '### Control plane for tests',
    '',
    '| what | median | max | runs |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    `A fresh namespace on a shared plane is ${ratio.toFixed(0)}x cheaper than a fresh plane.`,
  ].join('\n');
}
