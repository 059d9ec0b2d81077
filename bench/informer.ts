/**
 * Benchmark: Operon's informer against `@kubernetes/client-node`'s, on one control plane. Prints
 * the time to sync N ConfigMaps, the memory each cached object costs, and how fast update events
 * reach the cache while the API server takes M merge patches as fast as it can.
 *
 * Each contender runs alone in its own process (bench/contenders/), one after the other, and
 * speaks the protocol of bench/contenders/protocol.ts. The peer is installed from the npm registry
 * into bench/peers/client-node on first use.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { startControlPlane } from 'operon/testing';
import { pool, startChild } from './child.ts';
import { type ContenderMessage, wallClock } from './contenders/protocol.ts';

export interface InformerBenchOptions {
  /** ConfigMaps in the cache (about 1 KB each); default 10,000, or 1,000 with `quick`. */
  objects?: number;
  /** Merge patches for the throughput run; default `objects`, or 500 with `quick`. */
  updates?: number;
  quick?: boolean;
}

const CREATE_CONCURRENCY = 32;
const PATCH_CONCURRENCY = 64;
/** How long a contender may take to sync, and to see the last event after the last write. */
const TIMEOUT_MS = 120_000;
const VALUE_BYTES = 900;

const PEER_DIR = new URL('./peers/client-node/', import.meta.url);
const PEER_PACKAGE = new URL('node_modules/@kubernetes/client-node/package.json', PEER_DIR);

interface ContenderSpec {
  name: string;
  script: URL;
  args: string[];
  /** Set when the contender cannot run at all (its peer failed to install). */
  unavailable?: string;
}

interface Measured {
  syncMs: number;
  heapPerObject: number;
  rssPerObject: number;
  heapPerObjectAfterUpdates: number;
  eventsPerSecond: number;
  lagMs: number;
  cpuUsPerEvent: number;
  writeMs: number;
}

type Outcome = { spec: ContenderSpec } & ({ ok: true; m: Measured } | { ok: false; reason: string });

function log(message: string): void {
  process.stderr.write(`[bench informer] ${message}\n`);
}

/** A value of exactly VALUE_BYTES that differs per round, so that every patch is a real change. */
function valueFor(round: number, i: number): string {
  const head = `round ${round} object ${i} `;
  return head + 'x'.repeat(VALUE_BYTES - head.length);
}

/** Installs the client-node peer unless present; resolves to its version, or throws why not. */
async function ensurePeer(): Promise<string> {
  if (!existsSync(PEER_PACKAGE)) {
    const prefix = fileURLToPath(PEER_DIR);
    log(`installing @kubernetes/client-node into ${prefix} (npm install, once)`);
    // npm's own `node` is the pinned one, so engines checks and install scripts match the bench.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const child = spawn('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund'], {
      env,
      // npm's output goes to our stderr: stdout carries the report.
      stdio: ['ignore', 2, 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    const code = await new Promise<number | string>((resolve) => {
      child.on('error', (err) => resolve(err.message));
      child.on('exit', (c, signal) => resolve(c ?? signal ?? 'unknown'));
    });
    if (code !== 0 || !existsSync(PEER_PACKAGE)) {
      throw new Error(`npm install failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
    }
  }
  return (JSON.parse(await readFile(PEER_PACKAGE, 'utf8')) as { version: string }).version;
}

async function measure(
  spec: ContenderSpec,
  client: Client,
  namespace: string,
  n: number,
  m: number,
  round: number,
): Promise<Measured> {
  const child = startChild<ContenderMessage>(fileURLToPath(spec.script), spec.args);
  try {
    const baseline = await child.next('baseline', 60_000);
    const synced = await child.next('synced', TIMEOUT_MS);
    if (synced.objects !== n) throw new Error(`cached ${synced.objects} objects after sync, not ${n}`);
    log(`${spec.name}: synced ${n} objects in ${synced.syncMs.toFixed(0)} ms`);

    child.send(`expect ${m}`);
    await child.next('ready', 10_000);
    const writeStart = wallClock();
    let failed = 0;
    let firstFailure = '';
    await pool(m, PATCH_CONCURRENCY, async (i) => {
      try {
        await client.patch(
          ConfigMap,
          `bench-${i % n}`,
          { data: { value: valueFor(round, i) } },
          { namespace },
        );
      } catch (err) {
        failed++;
        firstFailure ||= err instanceof Error ? err.message : String(err);
      }
    });
    const writeEnd = wallClock();
    if (failed > 0) throw new Error(`${failed} of ${m} patches failed, first: ${firstFailure}`);
    log(`${spec.name}: ${m} patches written in ${(writeEnd - writeStart).toFixed(0)} ms`);
    const done = await child.next('done', TIMEOUT_MS);
    return {
      syncMs: synced.syncMs,
      heapPerObject: (synced.heapUsed - baseline.heapUsed) / n,
      rssPerObject: (synced.rss - baseline.rss) / n,
      heapPerObjectAfterUpdates: (done.heapUsed - baseline.heapUsed) / n,
      eventsPerSecond: m / ((done.lastEventAt - writeStart) / 1000),
      lagMs: done.lastEventAt - writeEnd,
      cpuUsPerEvent: (done.cpuMs * 1000) / m,
      writeMs: writeEnd - writeStart,
    };
  } finally {
    await child.stop(5000);
  }
}

async function createObjects(client: Client, namespace: string, n: number): Promise<number> {
  const started = performance.now();
  let created = 0;
  const step = Math.max(1, Math.floor(n / 10));
  await pool(n, CREATE_CONCURRENCY, async (i) => {
    await client.create(
      ConfigMap,
      {
        metadata: { name: `bench-${i}`, labels: { app: 'operon-bench', shard: String(i % 16) } },
        data: { value: valueFor(0, i) },
      },
      { namespace },
    );
    created++;
    if (created % step === 0 || created === n) {
      log(`created ${created}/${n} ConfigMaps (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  });
  return performance.now() - started;
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => `${x.toFixed(x < 100 ? 1 : 0)} ms`;
const bytes = (x: number) => `${int(x)} B`;
const ratio = (x: number, base: number | undefined) =>
  base === undefined || !Number.isFinite(x / base) ? 'n/a' : `${(x / base).toFixed(2)}x`;

export async function benchInformer(options: InformerBenchOptions = {}): Promise<string> {
  const n = options.objects ?? (options.quick ? 1000 : 10_000);
  const m = options.updates ?? (options.quick ? 500 : n);

  let peerVersion = '';
  let peerProblem: string | undefined;
  try {
    peerVersion = await ensurePeer();
  } catch (err) {
    peerProblem = err instanceof Error ? err.message : String(err);
  }

  log(`starting a control plane for ${int(n)} ConfigMaps`);
  const plane = await startControlPlane({
    apiServerArgs: ['--max-requests-inflight=2000', '--max-mutating-requests-inflight=1000'],
  });
  const outcomes: Outcome[] = [];
  let createMs = 0;
  let servedBytes = 0;
  let strippedBytes = 0;
  try {
    const namespace = (await plane.createNamespace('bench-informer')).name;
    const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
    try {
      createMs = await createObjects(client, namespace, n);
      const sample = await client.get(ConfigMap, 'bench-0', { namespace });
      servedBytes = JSON.stringify(sample).length;
      delete sample.metadata?.managedFields;
      strippedBytes = JSON.stringify(sample).length;

      const args = [plane.kubeconfig.path, namespace];
      const contenders: ContenderSpec[] = [
        {
          name: `client-node ${peerVersion || '2'} makeInformer`,
          script: new URL('./contenders/client-node-informer.ts', import.meta.url),
          args,
          ...(peerProblem ? { unavailable: peerProblem } : {}),
        },
        {
          name: 'Operon informer (default: managedFields stripped)',
          script: new URL('./contenders/operon-informer.ts', import.meta.url),
          args,
        },
        {
          name: 'Operon informer (keepManagedFields: true)',
          script: new URL('./contenders/operon-informer.ts', import.meta.url),
          args: [...args, '--keep-managed-fields'],
        },
      ];
      let round = 0;
      for (const spec of contenders) {
        round++;
        if (spec.unavailable) {
          outcomes.push({ spec, ok: false, reason: spec.unavailable });
          continue;
        }
        log(`${spec.name}: starting`);
        try {
          outcomes.push({ spec, ok: true, m: await measure(spec, client, namespace, n, m, round) });
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          log(`${spec.name}: FAILED: ${reason}`);
          outcomes.push({ spec, ok: false, reason });
        }
      }
    } finally {
      await client.close();
    }
  } finally {
    await plane.stop();
  }

  const base = outcomes[0]?.ok ? outcomes[0].m : undefined;
  const rows = outcomes.map((o) => {
    if (!o.ok) return `| ${o.spec.name} | FAILED: ${o.reason.replaceAll('|', '\\|')} |||||||||||`;
    const x = o.m;
    return `| ${[
      o.spec.name,
      ms(x.syncMs),
      bytes(x.heapPerObject),
      bytes(x.rssPerObject),
      bytes(x.heapPerObjectAfterUpdates),
      int(x.eventsPerSecond),
      ms(x.lagMs),
      `${x.cpuUsPerEvent.toFixed(0)} µs`,
      ms(x.writeMs),
      ratio(x.syncMs, base?.syncMs),
      ratio(x.heapPerObject, base?.heapPerObject),
      ratio(x.eventsPerSecond, base?.eventsPerSecond),
    ].join(' | ')} |`;
  });
  const cpu = cpus();
  return [
    '### Informer: sync, memory per cached object, watch-event throughput',
    '',
    `${int(n)} ConfigMaps in one namespace (each ${int(servedBytes)} B of JSON as served, ${int(strippedBytes)} B ` +
      `without managedFields: a ${VALUE_BYTES}-byte value and 2 labels), created in ${(createMs / 1000).toFixed(1)} s ` +
      `at concurrency ${CREATE_CONCURRENCY}; then ${int(m)} merge patches at concurrency ${PATCH_CONCURRENCY} ` +
      `per contender. ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; the control plane, the writer and the ` +
      'contender share these cores.',
    '',
    '| contender | sync | heap / object | RSS / object | heap / object after updates | events/s | lag after last write | CPU / event | writes took | sync vs client-node | heap vs client-node | events/s vs client-node |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    '- *sync*: from starting the informer to a full cache (client-node: `await informer.start()`, which also waits ' +
      'for the watch request to connect, after one unpaged list; Operon: `waitForSync()`, after a list in pages ' +
      'of 500). Timings are one sample each and move by tens of percent between runs on a busy machine; the ' +
      'memory figures repeat to within a few bytes.',
    '- *heap / object*: (heapUsed after sync − heapUsed before the informer started) / N, each after two forced GCs; ' +
      '*RSS / object* likewise, noisier (the heap does not give pages back at once). *After updates*: the same once ' +
      'every patched object was replaced by its watch event.',
    '- *events/s*: patches / (last update event seen by the contender − first write), so it is bounded by how fast ' +
      'the API server takes writes (*writes took*); *lag* is the last event after the last write returned, and ' +
      '*CPU / event* is the contender process’s CPU time per update event, the cost the write rate hides. A lag ' +
      'below zero means the last event reached the contender before the writer, busy with ' +
      `${PATCH_CONCURRENCY} requests in flight, had read the last response: the informer kept up.`,
    '- Operon strips `metadata.managedFields` from cached objects by default; client-node keeps them, so the ' +
      '`keepManagedFields: true` row is the like-for-like memory comparison.',
  ].join('\n');
}
