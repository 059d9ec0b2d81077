/**
 * Benchmark: the informer's initial state from a paged LIST or from a streaming list (watch with
 * sendInitialEvents), for the same objects on the same API server: time to sync, the client's
 * peak heap during the sync, and the API server's resident memory growth.
 *
 *   node --conditions=operon:source bench/streaming-list.ts [--quick]
 */

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createCache } from 'operon/cache';
import { ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { startControlPlane } from 'operon/testing';

interface Result {
  mode: string;
  syncMs: number;
  peakHeapDelta: number;
  apiserverRssDelta: number;
  objects: number;
}

async function child(kubeconfig: string, namespace: string, streaming: boolean): Promise<void> {
  const client = createClient(await loadKubeconfig({ kubeconfig }));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const cache = createCache(client, { namespace, informer: { watch: { streamingList: streaming } } });
  const informer = cache.informerFor(ConfigMap);
  const ac = new AbortController();
  const started = performance.now();
  const running = cache.start(ac.signal);
  await cache.waitForSync();
  const syncMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  process.stdout.write(
    `${JSON.stringify({ syncMs, peakHeapDelta: peak - base, objects: informer.store.size })}\n`,
  );
  ac.abort();
  await running;
  await client.close();
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function runChild(
  kubeconfig: string,
  namespace: string,
  streaming: boolean,
): Promise<Omit<Result, 'mode' | 'apiserverRssDelta'>> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--conditions=operon:source',
        fileURLToPath(import.meta.url),
        'child',
        kubeconfig,
        namespace,
        String(streaming),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    p.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`child exited ${code}`)),
    );
  });
}

export async function benchStreamingList(
  options: { objects?: number; quick?: boolean } = {},
): Promise<string> {
  const n = options.objects ?? (options.quick ? 1000 : 10_000);
  await using plane = await startControlPlane({
    apiServerArgs: ['--max-requests-inflight=2000', '--max-mutating-requests-inflight=1000'],
  });
  const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  const ns = await plane.createNamespace('streaming');
  const value = 'x'.repeat(900);
  for (let i = 0; i < n; i += 32) {
    await Promise.all(
      Array.from({ length: Math.min(32, n - i) }, (_, j) =>
        client.create(ConfigMap, {
          metadata: { name: `cm-${i + j}`, namespace: ns.name },
          data: { v: value },
        }),
      ),
    );
  }
  await client.close();
  const apiserver = plane.processes.get('kube-apiserver')!.pid;
  const results: Result[] = [];
  // Alternate, twice each, so that neither mode always runs on a warmer server.
  for (const streaming of [false, true, false, true]) {
    const before = await rssOf(apiserver);
    const r = await runChild(plane.kubeconfig.path, ns.name, streaming);
    const after = await rssOf(apiserver);
    results.push({
      mode: streaming ? 'streaming list (sendInitialEvents)' : 'paged LIST (limit 500)',
      ...r,
      apiserverRssDelta: after - before,
    });
  }
  const rows = results.map(
    (r) =>
      `| ${r.mode} | ${r.objects} | ${Math.round(r.syncMs)} ms | ${(r.peakHeapDelta / 1048576).toFixed(1)} MiB | ${(r.apiserverRssDelta / 1048576).toFixed(1)} MiB |`,
  );
  return [
    '### Informer start: paged LIST against streaming list',
    '',
    `${n} ConfigMaps of about 1 KB; each row is a fresh process syncing one informer; rows alternate.`,
    '',
    '| initial state from | objects | sync | client peak heap growth | kube-apiserver RSS growth |',
    '|---|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

if (process.argv[2] === 'child') {
  await child(process.argv[3]!, process.argv[4]!, process.argv[5] === 'true');
} else if (import.meta.main) {
  process.stdout.write(`${await benchStreamingList({ quick: process.argv.includes('--quick') })}\n`);
}
