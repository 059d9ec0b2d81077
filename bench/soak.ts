/**
 * The soak: the WebApp operator (examples/webapp) in its own process for N minutes of churn —
 * creates, spec updates, deletes, and connection faults through the TCP fault proxy of
 * operon/testing — sampled for heap (after a full GC), RSS and open handles
 * (`process.getActiveResourcesInfo()`), then checked for final convergence: every WebApp
 * reconciled to its last spec, every deleted one gone, and the operator's cache equal to a fresh
 * LIST.
 *
 *   npm run bench -- --sections=soak [--soak-minutes=30] [--soak-heap-slope=BYTES_PER_MIN]
 *                    [--soak-heap-snapshots=DIR]
 *
 * With `--soak-heap-snapshots`, the operator writes a V8 heap snapshot to DIR when warm-up ends and
 * when the churn stops, and the report lists what grew between them (bench/heap-diff.ts), by
 * constructor: the way to find what a "not flat" verdict is made of.
 *
 * Heap is flat when the least-squares slope of the post-warm-up samples of heap used after GC is
 * below the threshold (default `HEAP_SLOPE_LIMIT`); the verdicts are printed and, when one fails,
 * the bench exits 1. Figures go to stdout only.
 *
 * This file is also the operator process: `node --expose-gc --conditions=operon:source
 * bench/soak.ts operator KUBECONFIG NAMESPACE REGISTRY_NAMESPACE SERVER_URL`, speaking JSON lines
 * (bench/child.ts): it prints `synced`, and answers `sample`, `check` and `stop`.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { writeHeapSnapshot } from 'node:v8';
import {
  type Client,
  ConfigMap,
  createClient,
  Deployment,
  isNotFound,
  type KubernetesObject,
  loadKubeconfig,
  type ResourceType,
  Service,
} from 'operon/client';
import { findCondition } from 'operon/controller';
import { SERIES_WINDOW_MS } from 'operon/events';
import { createLogger } from 'operon/log';
import { createManager } from 'operon/manager';
import { eventually, startFaultProxy, useControlPlane } from 'operon/testing';
import { REGISTRY, webAppController } from '../examples/webapp/src/controller.ts';
import { WebApp } from '../examples/webapp/src/webapp.ts';
import { startChild } from './child.ts';
import { diffSnapshots, heapDiffTable } from './heap-diff.ts';

/**
 * Heap growth after warm-up, in bytes per minute, below which the heap counts as flat: 128 KiB/min
 * is about 3 MB over the 25 measured minutes of a 30-minute soak, what a leak of half a kilobyte per
 * reconcile would show at the churn below (~250-550 reconciles a minute).
 */
export const HEAP_SLOPE_LIMIT = 128 * 1024;
/**
 * The Event recorder keeps each Event series for `SERIES_WINDOW_MS` (6 min) after its last
 * observation, and every new WebApp starts a few series: the heap rises for the first 6 minutes of
 * churn (measured: ~1 MiB/min at this churn, ~16 KiB per new WebApp), then turns over. A run whose
 * warm-up can cover that window plus a minute (runs of `FULL_RUN_MINUTES` or more) is judged by
 * `HEAP_SLOPE_LIMIT`; a shorter one (the 2-minute CI run) cannot tell that bounded rise from a leak
 * and is judged by `SHORT_RUN_HEAP_SLOPE_LIMIT`, which still catches a leak of ~10 KiB per reconcile.
 */
export const SHORT_RUN_HEAP_SLOPE_LIMIT = 4 * 1024 * 1024;
export const FULL_RUN_MINUTES = 10;
const WARMUP_FULL_SECONDS = SERIES_WINDOW_MS / 1000 + 60;
/** WebApps alive at any time; each step updates one or replaces one (delete, then create anew). */
const SLOTS = 12;
/** One churn step every this many ms. */
const CHURN_INTERVAL_MS = 400;
/** One fault every this many ms, cycling through FAULTS. */
const FAULT_INTERVAL_MS = 20_000;
const SILENCE_MS = 6_000;
const CHAOS_MS = 10_000;
const FAULTS = ['cut', 'silence', 'chaos'] as const;
type Fault = (typeof FAULTS)[number];
/** After the churn stops, how long the operator may take to converge. */
const CONVERGE_TIMEOUT_MS = 240_000;
const IMAGES = ['nginx:1.25', 'nginx:1.26', 'nginx:1.27', 'nginx:1.28'];
const PORTS = [80, 8080, 8443];

export interface SoakOptions {
  minutes: number;
  /** Heap slope threshold in bytes per minute; default HEAP_SLOPE_LIMIT. */
  heapSlopeLimit?: number;
  /** A folder for two heap snapshots (end of warm-up, end of churn) and their diff in the report. */
  heapSnapshots?: string;
}

/** One sample of the operator process. */
export interface Sample {
  /** Seconds since the churn began. */
  at: number;
  heap: number;
  rss: number;
  handles: Record<string, number>;
  reconciles: number;
  errors: number;
  watchErrors: number;
  /** `workqueue_depth` of the WebApp controller: keys waiting for a worker. */
  depth: number;
  /** `workqueue_longest_running_processor_seconds`: how long the oldest running reconcile has run. */
  longestRunning: number;
  /** Watch events the operator's WebApp informer has received, and its watch errors and lists. */
  webAppEvents: number;
  webAppWatchErrors: number;
  webAppLists: number;
  /** Churn steps the load generator had finished (written to the server) by then. */
  steps: number;
}

type ToParent =
  | { type: 'synced' }
  | ({ type: 'sample' } & Omit<Sample, 'at' | 'steps'>)
  | { type: 'check'; mismatches: string[]; objects: number }
  | { type: 'stopped'; handles: Record<string, number> }
  | { type: 'snapshot'; path: string }
  | { type: 'error'; message: string };

/** The least-squares line through `(x, y)` points: slope and intercept. */
export function linearFit(points: ReadonlyArray<readonly [number, number]>): {
  slope: number;
  intercept: number;
} {
  const n = points.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN };
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  if (sxx === 0) return { slope: Number.NaN, intercept: Number.NaN };
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export interface HeapVerdict {
  flat: boolean;
  /** Bytes per minute, from the post-warm-up samples. */
  slope: number;
  limit: number;
  samples: number;
  why: string;
}

/**
 * Whether heap is flat: the slope (bytes/min) of a least-squares fit of the samples taken at or
 * after `warmupSeconds` is below `limit`. Fewer than 5 such samples is no verdict (not flat).
 */
export function heapVerdict(
  samples: ReadonlyArray<Pick<Sample, 'at' | 'heap'>>,
  warmupSeconds: number,
  limit: number = HEAP_SLOPE_LIMIT,
): HeapVerdict {
  const after = samples.filter((s) => s.at >= warmupSeconds);
  if (after.length < 5) {
    return { flat: false, slope: Number.NaN, limit, samples: after.length, why: 'too few samples' };
  }
  const { slope: perSecond } = linearFit(after.map((s) => [s.at, s.heap] as const));
  const slope = perSecond * 60;
  const flat = Number.isFinite(slope) && slope < limit;
  return {
    flat,
    slope,
    limit,
    samples: after.length,
    why: `${kib(slope)} KiB/min ${flat ? '<' : '>='} ${kib(limit)} KiB/min over ${after.length} samples`,
  };
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const sumHandles = (h: Record<string, number>) => Object.values(h).reduce((a, b) => a + b, 0);
const describeHandles = (h: Record<string, number>) =>
  Object.entries(h)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

function log(message: string): void {
  process.stderr.write(`[bench soak] ${message}\n`);
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What the load generator last asked of one WebApp. */
interface Wanted {
  image: string;
  replicas: number;
  port: number;
}

function randomSpec(): Wanted {
  return {
    image: IMAGES[Math.floor(Math.random() * IMAGES.length)]!,
    replicas: Math.floor(Math.random() * 4),
    port: PORTS[Math.floor(Math.random() * PORTS.length)]!,
  };
}

/** Why `name` is not reconciled to `want` (undefined when it is). */
async function notConverged(
  client: Client,
  namespace: string,
  name: string,
  want: Wanted,
): Promise<string | undefined> {
  const app = await client.get(WebApp, name, { namespace });
  const s = app.spec;
  if (s.image !== want.image || s.replicas !== want.replicas || s.port !== want.port)
    return `${name}: spec is not what was last written`;
  if (app.status?.observedGeneration !== app.metadata?.generation)
    return `${name}: observedGeneration ${app.status?.observedGeneration} of ${app.metadata?.generation}`;
  if (findCondition(app.status?.conditions, 'Available')?.status !== 'True') return `${name}: not Available`;
  if (findCondition(app.status?.conditions, 'Progressing')?.status !== 'False') return `${name}: Progressing`;
  if ((app.status?.readyReplicas ?? 0) !== want.replicas)
    return `${name}: ${app.status?.readyReplicas} of ${want.replicas} ready`;
  const d = await client.get(Deployment, name, { namespace });
  if (d.spec?.replicas !== want.replicas || d.spec?.template.spec?.containers[0]?.image !== want.image)
    return `${name}: Deployment not at the spec`;
  const svc = await client.get(Service, name, { namespace });
  if (svc.spec?.ports?.[0]?.port !== want.port) return `${name}: Service port ${svc.spec?.ports?.[0]?.port}`;
  return undefined;
}

export interface SoakResult {
  report: string;
  passed: boolean;
}

export async function benchSoak(options: SoakOptions): Promise<SoakResult> {
  const minutes = options.minutes;
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new Error(`--soak-minutes must be a positive number of minutes, not ${minutes}`);
  const durationMs = minutes * 60_000;
  const full = minutes >= FULL_RUN_MINUTES;
  const limit = options.heapSlopeLimit ?? (full ? HEAP_SLOPE_LIMIT : SHORT_RUN_HEAP_SLOPE_LIMIT);
  // Warm-up: JIT, caches filling, pools growing, and (full runs) the Event series window turning over.
  const warmupSeconds = full
    ? Math.max(WARMUP_FULL_SECONDS, (durationMs / 1000) * 0.25)
    : (durationMs / 1000) * 0.25;
  // About 40 samples after warm-up, at most one every 10 s.
  const sampleMs = Math.min(10_000, Math.max(1_000, (durationMs - warmupSeconds * 1000) / 40));

  const plane = await useControlPlane({
    components: ['kube-controller-manager', 'kube-scheduler', 'kwok'],
    crds: [WebApp.crd()],
  });
  const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  const ns = await plane.createNamespace('soak');
  const registryNs = await plane.createNamespace('soak-registry');
  const proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
  const child = startChild<ToParent>(new URL(import.meta.url).pathname, [
    'operator',
    plane.kubeconfig.path,
    ns.name,
    registryNs.name,
    proxy.url,
  ]);
  try {
    await child.next('synced', 120_000);
    log(`operator synced; ${minutes} min of churn in ${ns.name}, faults every ${FAULT_INTERVAL_MS / 1000} s`);

    const live = new Map<string, Wanted>();
    const deleted = new Set<string>();
    let created = 0;
    let updates = 0;
    let deletes = 0;
    let writeFailures = 0;
    let firstWriteFailure = '';
    const faults: Record<Fault, number> = { cut: 0, silence: 0, chaos: 0 };
    const slotName = new Array<string>(SLOTS);
    const create = async (slot: number) => {
      const name = `app-${slot}-${created++}`;
      const want = randomSpec();
      await client.create(WebApp, { metadata: { name, namespace: ns.name }, spec: want });
      slotName[slot] = name;
      live.set(name, want);
    };
    for (let i = 0; i < SLOTS; i++) await create(i);

    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const stopChurn = new AbortController();
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        if (stopChurn.signal.aborted) return resolve();
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          stopChurn.signal.removeEventListener('abort', done);
          resolve();
        }
        stopChurn.signal.addEventListener('abort', done, { once: true });
      });

    const churn = (async () => {
      while (!stopChurn.signal.aborted) {
        const slot = Math.floor(Math.random() * SLOTS);
        const name = slotName[slot]!;
        try {
          if (Math.random() < 0.7) {
            const want = randomSpec();
            await client.patch(WebApp, name, { spec: want }, { namespace: ns.name });
            live.set(name, want);
            updates++;
          } else {
            await client.delete(WebApp, name, { namespace: ns.name });
            live.delete(name);
            deleted.add(name);
            deletes++;
            await create(slot);
          }
        } catch (err) {
          writeFailures++;
          firstWriteFailure ||= `${name}: ${reason(err)}`;
        }
        await sleep(CHURN_INTERVAL_MS);
      }
    })();

    const faulting = (async () => {
      for (let k = 0; ; k++) {
        await sleep(FAULT_INTERVAL_MS);
        if (stopChurn.signal.aborted) return;
        const fault = FAULTS[k % FAULTS.length]!;
        faults[fault]++;
        if (fault === 'cut') {
          proxy.cutAll();
        } else if (fault === 'silence') {
          // A dead network: nothing forwarded, nothing closed; then the connections are reset
          // (what was sent while silent is lost, so they cannot carry on).
          proxy.pause();
          await sleep(SILENCE_MS);
          proxy.resume();
          proxy.cutAll();
        } else {
          proxy.chaos({ minMs: 200, maxMs: 3_000 });
          await sleep(CHAOS_MS);
          proxy.calm();
        }
      }
    })();

    const samples: Sample[] = [];
    const sample = async () => {
      child.send('sample');
      const m = await child.next('sample', 60_000);
      const { type: _, ...figures } = m;
      samples.push({ at: seconds(), ...figures, steps: updates + deletes });
    };
    await sample();
    const snapshots: string[] = [];
    const snapshot = async (label: string) => {
      if (!options.heapSnapshots) return;
      mkdirSync(options.heapSnapshots, { recursive: true });
      child.send(`snapshot ${join(options.heapSnapshots, `${label}.heapsnapshot`)}`);
      const m = await child.next('snapshot', 300_000);
      snapshots.push(m.path);
      log(`heap snapshot ${m.path}`);
    };
    while (seconds() * 1000 < durationMs) {
      if (snapshots.length === 0 && seconds() >= warmupSeconds) await snapshot('warm');
      await new Promise((r) => setTimeout(r, Math.min(sampleMs, durationMs - seconds() * 1000)));
      await sample();
      const last = samples[samples.length - 1]!;
      const previous = samples[samples.length - 2]!;
      if (last.reconciles === previous.reconciles && last.steps !== previous.steps)
        log(
          `${(last.at / 60).toFixed(1)} min: no reconcile finished since the last sample though the churn went on ` +
            `(steps ${previous.steps} -> ${last.steps}, WebApp watch events ${previous.webAppEvents} -> ${last.webAppEvents}, ` +
            `queue depth ${last.depth}, oldest running reconcile ${last.longestRunning.toFixed(1)} s)`,
        );
      if (samples.length % 10 === 0)
        log(
          `${(last.at / 60).toFixed(1)} min: heap ${mib(last.heap)} MiB, rss ${mib(last.rss)} MiB, ` +
            `${sumHandles(last.handles)} handles, ${last.reconciles} reconciles, ${last.errors} errors`,
        );
    }
    await snapshot('end');
    stopChurn.abort();
    await Promise.all([churn, faulting]);
    proxy.calm();
    proxy.resume();
    const churnSeconds = seconds();
    log(`churn stopped after ${churnSeconds.toFixed(0)} s; waiting for convergence`);

    // Final convergence: every live WebApp at its last spec, every deleted one gone, the registry
    // naming exactly the live ones.
    let lastWhy = '';
    let registryLeft = 0;
    const converged = await eventually(
      'convergence',
      async () => {
        for (const name of deleted) {
          const gone = await client.get(WebApp, name, { namespace: ns.name }).then(
            () => false,
            (e: unknown) => isNotFound(e),
          );
          if (!gone) {
            lastWhy = `${name}: deleted but still there`;
            return false;
          }
        }
        for (const [name, want] of live) {
          const why = await notConverged(client, ns.name, name, want);
          if (why) {
            lastWhy = why;
            return false;
          }
        }
        const reg = await client.get(ConfigMap, REGISTRY, { namespace: registryNs.name });
        const expected = Object.fromEntries([...live].map(([n, w]) => [`${ns.name}.${n}`, w.image]));
        if (JSON.stringify(sortKeys(reg.data ?? {})) !== JSON.stringify(sortKeys(expected))) {
          const have = reg.data ?? {};
          const extra = Object.keys(have).filter((k) => !(k in expected));
          const wrong = Object.keys(expected).filter((k) => have[k] !== expected[k]);
          lastWhy =
            `the registry does not name exactly the live WebApps: ${extra.length} entries of deleted ` +
            `WebApps (${extra.slice(0, 4).join(', ')}${extra.length > 4 ? ', ...' : ''}), ` +
            `${wrong.length} live ones missing or at another image`;
          registryLeft = extra.length;
          return false;
        }
        registryLeft = 0;
        return true;
      },
      { timeoutMs: CONVERGE_TIMEOUT_MS, intervalMs: 1_000 },
    ).then(
      () => true,
      () => false,
    );
    const convergeSeconds = seconds() - churnSeconds;
    await sample();
    child.send('check');
    const check = await child.next('check', 60_000);
    child.send('stop');
    const stopped = await child.next('stopped', 120_000);

    const reconciles = samples[samples.length - 1]!.reconciles;
    const errors = samples[samples.length - 1]!.errors;
    const churnSamples = samples.filter((s) => s.at <= churnSeconds);
    const heap = heapVerdict(churnSamples, warmupSeconds, limit);
    const post = churnSamples.filter((s) => s.at >= warmupSeconds);
    const rssFit = linearFit(post.map((s) => [s.at, s.rss] as const));
    const handleCounts = post.map((s) => sumHandles(s.handles));
    const stall = longestStall(churnSamples);
    const handleFit = linearFit(post.map((s) => [s.at, sumHandles(s.handles)] as const));
    // Left after shutdown: stdio pipes are the harness', anything else the operator leaked.
    const leftover = Object.fromEntries(
      Object.entries(stopped.handles).filter(([k]) => k !== 'PipeWrap' && k !== 'TTYWrap'),
    );
    // Lost events: cache entries that differ from the server, plus (not converged) the changes the
    // operator never acted on: registry entries it never removed, or one unnamed failure.
    const lost = check.mismatches.length + (converged ? 0 : Math.max(1, registryLeft));
    const passed = converged && check.mismatches.length === 0 && heap.flat && writeFailures === 0;

    const rows = pick(samples, 16).map(
      (s) =>
        `| ${(s.at / 60).toFixed(1)} | ${mib(s.heap)} | ${mib(s.rss)} | ${sumHandles(s.handles)} | ${s.reconciles} | ${s.errors} | ${s.watchErrors} |`,
    );
    const report = [
      `### Soak: the WebApp operator, ${minutes} min of churn and faults`,
      '',
      `${SLOTS} WebApps alive at a time; a step every ${CHURN_INTERVAL_MS} ms updates one (70 %) or deletes ` +
        `it and creates a new one (30 %): ${created} created, ${updates} updated, ${deletes} deleted. ` +
        `Faults through the TCP proxy every ${FAULT_INTERVAL_MS / 1000} s: ${faults.cut} cuts of every connection, ` +
        `${faults.silence} silences of ${SILENCE_MS / 1000} s then a cut, ${faults.chaos} chaos windows of ` +
        `${CHAOS_MS / 1000} s (each connection cut after 0.2-3 s); ${proxy.stats.cut} connections cut in all. ` +
        `Heap is measured after a full GC in the operator process; warm-up is the first ${warmupSeconds.toFixed(0)} s.`,
      '',
      '| min | heap MiB | RSS MiB | handles | reconciles | reconcile errors | watch errors |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      `- Heap after warm-up: ${heap.flat ? 'flat' : 'NOT FLAT'} (criterion: least-squares slope of the ` +
        `post-warm-up heap samples below ${kib(limit)} KiB/min${full ? '' : `, the short-run limit: a run under ${FULL_RUN_MINUTES} min ends before the Event series window (${SERIES_WINDOW_MS / 60_000} min) turns over`}): ${heap.why}; ` +
        `${mib(Math.min(...post.map((s) => s.heap)))}-${mib(Math.max(...post.map((s) => s.heap)))} MiB.`,
      `- RSS after warm-up: ${mib(Math.min(...post.map((s) => s.rss)))}-${mib(Math.max(...post.map((s) => s.rss)))} MiB, ` +
        `slope ${kib(rssFit.slope * 60)} KiB/min (reported, not judged: the allocator keeps pages).`,
      `- Open handles after warm-up: ${Math.min(...handleCounts)}-${Math.max(...handleCounts)}, slope ` +
        `${(handleFit.slope * 60).toFixed(2)}/min; at the end: ${describeHandles(samples[samples.length - 1]!.handles)}; ` +
        `after shutdown (stdio pipes aside): ${describeHandles(leftover)}.`,
      `- Reconciles: ${reconciles}, errors ${errors} (${reconciles ? ((100 * errors) / reconciles).toFixed(2) : '0'} %); ` +
        `watch errors ${samples[samples.length - 1]!.watchErrors}; load-generator write failures ${writeFailures}` +
        `${firstWriteFailure ? ` (first: ${firstWriteFailure})` : ''}.`,
      `- Longest stretch of the churn without a finished reconcile: ${stall ? `${stall.seconds.toFixed(0)} s from minute ${(stall.from.at / 60).toFixed(1)} (meanwhile: churn steps ${stall.from.steps} -> ${stall.to.steps}, WebApp watch events ${stall.from.webAppEvents} -> ${stall.to.webAppEvents}, its watch errors ${stall.from.webAppWatchErrors} -> ${stall.to.webAppWatchErrors}, its lists ${stall.from.webAppLists} -> ${stall.to.webAppLists}, all watch errors ${stall.from.watchErrors} -> ${stall.to.watchErrors}; at its end: queue depth ${stall.to.depth}, the oldest running reconcile ${stall.to.longestRunning.toFixed(1)} s old)` : 'none (a reconcile finished between every two samples)'}.`,
      `- Final convergence: ${converged ? `converged ${convergeSeconds.toFixed(0)} s after the churn stopped` : `NOT CONVERGED within ${CONVERGE_TIMEOUT_MS / 1000} s (${lastWhy})`}; ` +
        `cache == fresh LIST: ${check.mismatches.length === 0 ? `yes (${check.objects} objects)` : `NO: ${check.mismatches.slice(0, 5).join('; ')}`}.`,
      '',
      ...(snapshots.length === 2
        ? [
            `Heap growth from the end of warm-up to the end of the churn, by constructor (${snapshots.join(' -> ')}):`,
            '',
            ...heapDiffTable(diffSnapshots(snapshots[0]!, snapshots[1]!), 20),
            '',
          ]
        : []),
      `Soak verdict: converged=${converged ? 'yes' : 'no'} lost-events=${lost} heap=${heap.flat ? 'flat' : 'growing'} ` +
        `heap-slope=${Math.round(heap.slope)}B/min write-failures=${writeFailures} leaked-handles=${sumHandles(leftover)} ` +
        `=> ${passed ? 'PASS' : 'FAIL'}`,
    ].join('\n');
    return { report, passed };
  } finally {
    await child.stop(10_000);
    await proxy.close();
    await client.close();
    await registryNs[Symbol.asyncDispose]();
    await ns[Symbol.asyncDispose]();
    await plane.stop();
  }
}

/**
 * The longest run of consecutive samples over which the reconcile count did not move: from the
 * sample before the run to the last sample of it. Undefined when it moved between every two.
 */
export function longestStall<S extends Pick<Sample, 'at' | 'reconciles'>>(
  samples: readonly S[],
): { seconds: number; from: S; to: S } | undefined {
  let best: { seconds: number; from: S; to: S } | undefined;
  let start = 0;
  for (let i = 1; i < samples.length; i++) {
    if (samples[i]!.reconciles !== samples[start]!.reconciles) {
      start = i;
      continue;
    }
    const seconds = samples[i]!.at - samples[start]!.at;
    if (!best || seconds > best.seconds) best = { seconds, from: samples[start]!, to: samples[i]! };
  }
  return best;
}

function sortKeys(o: Record<string, string>): Array<[string, string]> {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

/** At most `n` items spread over `items`, always the first and last. */
function pick<T>(items: readonly T[], n: number): T[] {
  if (items.length <= n) return [...items];
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!);
}

function countHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** The metric `name{labels}` summed over the series whose labels include `match`. */
function metricSum(text: string, name: string, match: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) || !line.includes(match)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return total;
}

/** The operator process: the WebApp controller on `namespace`, through the proxy at `server`. */
async function operatorProcess(args: string[]): Promise<void> {
  const [kubeconfig, namespace, registryNamespace, server] = args;
  if (!kubeconfig || !namespace || !registryNamespace || !server)
    throw new Error('usage: soak.ts operator KUBECONFIG NAMESPACE REGISTRY_NAMESPACE SERVER_URL');
  const say = (m: ToParent) => process.stdout.write(`${JSON.stringify(m)}\n`);
  const config = await loadKubeconfig({ kubeconfig });
  const manager = await createManager({
    config: { ...config, server },
    namespace,
    metricsAddress: false,
    healthAddress: false,
    gracefulShutdownMs: 10_000,
    log: createLogger({ level: 'error', format: 'json' }),
  });
  manager.add(webAppController({ registryNamespace }));
  // The check reads the server directly, not through the proxy.
  const direct = createClient(config);
  const stop = new AbortController();
  const running = manager.start(stop.signal);
  running.catch((err: unknown) => say({ type: 'error', message: `manager: ${reason(err)}` }));

  const lines = createInterface({ input: process.stdin });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    stop.abort();
    await running.catch(() => {});
    await direct.close();
    lines.close();
    await new Promise((r) => setImmediate(r));
    say({ type: 'stopped', handles: countHandles() });
  };
  lines.on('line', (line) => {
    const command = line.trim();
    if (command.startsWith('snapshot ')) {
      const path = command.slice('snapshot '.length);
      globalThis.gc?.();
      say({ type: 'snapshot', path: writeHeapSnapshot(path) });
      return;
    }
    const work =
      command === 'sample'
        ? sample()
        : command === 'check'
          ? check()
          : command === 'stop'
            ? shutdown()
            : undefined;
    work?.catch((err: unknown) => say({ type: 'error', message: `${command}: ${reason(err)}` }));
  });
  lines.on('close', () => void shutdown());

  const controllerMatch = 'controller="webapp"';
  const sample = async () => {
    globalThis.gc?.();
    await new Promise((r) => setImmediate(r));
    globalThis.gc?.();
    const text = await manager.metrics.text();
    const webApps = manager.cache.informerFor(WebApp).stats();
    const mem = process.memoryUsage();
    say({
      type: 'sample',
      heap: mem.heapUsed,
      rss: mem.rss,
      handles: countHandles(),
      reconciles: metricSum(text, 'controller_runtime_reconcile_total', controllerMatch),
      errors: metricSum(text, 'controller_runtime_reconcile_errors_total', controllerMatch),
      watchErrors: metricSum(text, 'operon_watch_errors_total', ''),
      depth: metricSum(text, 'workqueue_depth', 'name="webapp"'),
      webAppEvents: webApps.events,
      webAppWatchErrors: webApps.errors,
      webAppLists: webApps.lists,
      longestRunning: metricSum(text, 'workqueue_longest_running_processor_seconds', 'name="webapp"'),
    });
  };
  const check = async () => {
    const mismatches: string[] = [];
    let objects = 0;
    const compare = async <T extends KubernetesObject>(type: ResourceType<T>) => {
      const fresh = await direct.list(type, { namespace });
      const cached = new Map(
        manager.cache
          .informerFor(type)
          .store.list()
          .map((o) => [o.metadata?.name ?? '', o.metadata?.resourceVersion] as const),
      );
      objects += fresh.items.length;
      for (const o of fresh.items) {
        const name = o.metadata?.name ?? '';
        const rv = cached.get(name);
        if (rv === undefined) mismatches.push(`${type.kind} ${name}: missing from the cache`);
        else if (rv !== o.metadata?.resourceVersion)
          mismatches.push(`${type.kind} ${name}: cache at ${rv}, server at ${o.metadata?.resourceVersion}`);
        cached.delete(name);
      }
      for (const name of cached.keys())
        mismatches.push(`${type.kind} ${name}: in the cache, gone from the server`);
    };
    await compare(WebApp);
    await compare(Deployment);
    await compare(Service);
    say({ type: 'check', mismatches, objects });
  };

  // Listening before the sync: a parent that dies while the operator starts still stops it.
  try {
    await manager.cache.waitForSync(stop.signal);
  } catch (err) {
    if (!stopping) throw err;
  }
  if (!stopping) say({ type: 'synced' });
}

if (import.meta.main && process.argv[2] === 'operator') {
  await operatorProcess(process.argv.slice(3));
}
