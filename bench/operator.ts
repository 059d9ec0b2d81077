/**
 * Benchmark: one operator workload (bench/operator/workload.ts: a Widget whose controller applies a
 * ConfigMap and sets Ready) implemented by each contender, on one shared control plane. Prints how
 * fast each converges N new objects and at what cost in API requests, its reconcile latency under a
 * steady stream of spec updates, and its cache's sync time and memory; every figure next to
 * controller-runtime's and to the ceiling (the same writes by a plain Go client with no controller).
 *
 * Each contender runs alone in its own process, one after the other (bench/operator/process.ts);
 * peers are built or installed on first use (bench/operator/peers.ts): the first run needs Go,
 * Python 3 with venv and npm, and takes minutes more for the controller-runtime build.
 *
 *   npm run bench -- --sections=operator [--quick | --large] [--contenders=operon,kopf] [--rate=N]
 *
 * Figures go to stdout and bench/results/operator[-quick][-large][-subset].md.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { createInformer } from 'operon/cache';
import { type Client, ConfigMap, createClient, loadKubeconfig } from 'operon/client';
import { startControlPlane } from 'operon/testing';
import { type ContenderDef, prepareCeiling, prepareContenders } from './operator/peers.ts';
import { type Contender, launch } from './operator/process.ts';
import {
  describePerObject,
  ownRequestCounter,
  type RequestCounts,
  requestsBetween,
  scrapeRequests,
  total,
} from './operator/requests.ts';
import {
  checkConverged,
  configMapData,
  isReady,
  nameOf,
  READY,
  specFor,
  Widget,
} from './operator/workload.ts';

export interface OperatorBenchOptions {
  quick?: boolean;
  /** 10,000 objects in the converge scenario instead of 1,000. */
  large?: boolean;
  /** Only these contender ids (controller-runtime, operon, kopf, client-node, dot-i). */
  only?: readonly string[];
  /** Spec updates per second in the latency scenario; default 200. */
  rate?: number;
  /** Length of each of the three latency windows; default 20 s, or 3 s with `quick`. */
  latencySeconds?: number;
}

interface Sizes {
  converge: number;
  cache: number;
  /** Spec updates per second in the latency scenario, as run. */
  rate: number;
  /** Why `rate` differs from what was asked, if it does. */
  rateNote: string;
  /** Length of each latency window. */
  latencySeconds: number;
}

/** The latency scenario is run this many times in a row; the median window decides. */
const LATENCY_WINDOWS = 3;

/** The rate the issue asks for, when the machine can take it. */
const DEFAULT_RATE = 200;
/**
 * The latency scenario runs at most at this share of the ceiling's converge rate. Each update costs
 * the server a spec patch, a ConfigMap write and a status write (the ceiling's 3 writes per object)
 * plus reads and watch events; on 2 cores the ceiling's own update chain queues from about half its
 * create rate on, and a saturated server measures its backlog, not reconcile latency.
 */
const RATE_SHARE_OF_CEILING = 0.25;

const CREATE_CONCURRENCY = 32;
const SYNC_TIMEOUT_MS = 120_000;
/** How long a contender may take to go idle (CPU) after syncing, before memory is read anyway. */
const QUIET_TIMEOUT_MS = 180_000;
/** After the last latency write, how long the last status may take. */
const DRAIN_TIMEOUT_MS = 30_000;

function log(message: string): void {
  process.stderr.write(`[bench operator] ${message}\n`);
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** The generation a widget's status reports Ready at (0 if not Ready). */
function readyGeneration(w: Widget): number {
  const ready = w.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return 0;
  return Math.min(w.status?.observedGeneration ?? 0, ready.observedGeneration ?? 0);
}

/** The bench's own watch on the widgets of a namespace: which are Ready, and when each generation was. */
async function watchWidgets(client: Client, namespace: string) {
  const informer = createInformer(client, Widget, { namespace });
  const ready = new Set<string>();
  const observed = new Map<string, number>();
  let onReady: (() => void) | undefined;
  let onObserved: ((name: string, generation: number, at: number) => void) | undefined;
  const seen = (w: Widget) => {
    const name = w.metadata?.name ?? '';
    if (isReady(w)) ready.add(name);
    else ready.delete(name);
    const g = readyGeneration(w);
    if (g > (observed.get(name) ?? 0)) {
      observed.set(name, g);
      onObserved?.(name, g, performance.now());
    }
    onReady?.();
  };
  informer.addHandlers({ add: seen, update: (_old, w) => seen(w) });
  const stop = new AbortController();
  const running = informer.start(stop.signal);
  await informer.waitForSync();
  return {
    observed,
    /** Resolves once `n` widgets are Ready at their generation; rejects after `timeoutMs`. */
    allReady(n: number, timeoutMs: number): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          onReady = undefined;
          reject(new Error(`${ready.size} of ${n} Ready after ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        onReady = () => {
          if (ready.size < n) return;
          clearTimeout(timer);
          onReady = undefined;
          resolve();
        };
        onReady();
      });
    },
    set onObserved(f: ((name: string, generation: number, at: number) => void) | undefined) {
      onObserved = f;
    },
    async stop() {
      stop.abort();
      await running;
    },
  };
}

async function createWidgets(client: Client, namespace: string, n: number): Promise<void> {
  await pool(n, CREATE_CONCURRENCY, async (i) => {
    await client.create(
      Widget,
      {
        apiVersion: 'bench.operon.dev/v1',
        kind: 'Widget',
        metadata: { name: nameOf(i) },
        spec: specFor(i, 1),
      },
      { namespace },
    );
  });
}

/** What a contender (or the ceiling) costs the API server in a window: scrape, run, scrape. */
async function countRequests<T>(
  client: Client,
  own: RequestCounts,
  work: () => Promise<T>,
): Promise<{ result: T; requests: RequestCounts }> {
  const before = await scrapeRequests(client);
  const ownBefore = new Map(own);
  const result = await work();
  const after = await scrapeRequests(client);
  const ownDelta = requestsBetween(ownBefore, own);
  return { result, requests: requestsBetween(before, after, ownDelta) };
}

interface ConvergeFigures {
  /** First create to every widget Ready. */
  ms: number;
  /** First create to the contender going idle (its queue drained); absent if it never did. */
  idleMs?: number;
  requests: RequestCounts;
  cpuSeconds?: number;
  /** The contender's `stats` over the converge (differences of its counters), if it answers them. */
  stats?: Record<string, number>;
}
interface LatencyWindow {
  updates: number;
  p50: number;
  p99: number;
  max: number;
  /** The contender's `stats` over the window, if it answers them. */
  stats?: Record<string, number>;
}
interface LatencyFigures extends LatencyWindow {
  /** Each window, in order; p50 and p99 above are their medians, max the largest. */
  windows: LatencyWindow[];
  cpuSeconds?: number;
}
interface CacheFigures {
  startMs: number;
  syncMs: number;
  idleRss: number;
  /** The idle RSS's anonymous and file-backed parts (the runtime's binary pages are the latter). */
  idleRssParts: { anon: number; file: number } | undefined;
  rss: number;
  /** Live heap after GC as the runtime reports it (Go, Node), idle and with the objects. */
  idleHeap: number | undefined;
  heap: number | undefined;
  quiet: boolean;
  quietMs: number;
}
type Result<T> = { ok: true; m: T } | { ok: false; reason: string };

interface Row {
  def: ContenderDef;
  converge: Result<ConvergeFigures>;
  latency: Result<LatencyFigures>;
  cache: Result<CacheFigures>;
}

const failed = <T>(why: string): Result<T> => ({ ok: false, reason: why });

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The latency scenario: `rate` spec updates per second for `seconds`, round-robin over `n` widgets. */
async function measureLatency(
  client: Client,
  namespace: string,
  watch: Awaited<ReturnType<typeof watchWidgets>>,
  n: number,
  sizes: Sizes,
  /** Each widget's spec revision so far, advanced by this window. */
  revision: number[],
): Promise<Omit<LatencyWindow, 'stats'>> {
  const total = Math.round(sizes.rate * sizes.latencySeconds);
  const samples: number[] = [];
  // Writes whose generation is known and not yet observed, per widget.
  const pending = new Map<string, Array<{ generation: number; sentAt: number }>>();
  const firstSeen = new Map<string, Array<{ generation: number; at: number }>>();
  let outstanding = 0;
  let drained: (() => void) | undefined;
  const settle = () => {
    outstanding--;
    if (outstanding === 0) drained?.();
  };
  watch.onObserved = (name, generation, at) => {
    const seen = firstSeen.get(name) ?? [];
    firstSeen.set(name, seen);
    seen.push({ generation, at });
    const waiting = pending.get(name);
    if (!waiting) return;
    while (waiting.length > 0 && waiting[0]!.generation <= generation) {
      samples.push(at - waiting.shift()!.sentAt);
      settle();
    }
  };
  let failures = 0;
  let firstFailure = '';
  const writes: Promise<void>[] = [];
  const interval = 1000 / sizes.rate;
  const started = performance.now();
  for (let k = 0; k < total; k++) {
    const due = started + k * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const i = k % n;
    const name = nameOf(i);
    const spec = specFor(i, ++revision[i]!);
    outstanding++;
    const sentAt = performance.now();
    writes.push(
      client.patch(Widget, name, { spec }, { namespace }).then(
        (w) => {
          const generation = w.metadata?.generation ?? 0;
          // The status may already have shown it (the watch event raced the answer).
          const early = firstSeen.get(name)?.find((s) => s.generation >= generation);
          if (early) {
            samples.push(Math.max(0, early.at - sentAt));
            settle();
            return;
          }
          const waiting = pending.get(name) ?? [];
          pending.set(name, waiting);
          waiting.push({ generation, sentAt });
        },
        (err) => {
          failures++;
          firstFailure ||= reason(err);
          settle();
        },
      ),
    );
  }
  await Promise.all(writes);
  if (failures > 0) throw new Error(`${failures} of ${total} updates failed, first: ${firstFailure}`);
  if (outstanding > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
      drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  watch.onObserved = undefined;
  if (outstanding > 0) {
    throw new Error(
      `${outstanding} of ${total} updates never showed in status within ${DRAIN_TIMEOUT_MS / 1000} s of the last write`,
    );
  }
  samples.sort((a, b) => a - b);
  return {
    updates: total,
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    max: samples[samples.length - 1] ?? Number.NaN,
  };
}

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** The latency windows as one figure: the median window's p50 and p99 decide, max is the largest. */
function combineWindows(windows: LatencyWindow[]): Omit<LatencyFigures, 'cpuSeconds'> {
  return {
    windows,
    updates: windows.reduce((sum, w) => sum + w.updates, 0),
    p50: median(windows.map((w) => w.p50)),
    p99: median(windows.map((w) => w.p99)),
    max: Math.max(...windows.map((w) => w.max)),
  };
}

/**
 * Two `stats` answers as one window: counters (every figure but the `eld_*` ones) as differences,
 * event-loop delays as the later answer has them (it covers the time since the earlier one).
 */
function between(
  before: Record<string, number> | undefined,
  after: Record<string, number> | undefined,
): Record<string, number> | undefined {
  if (!before || !after) return undefined;
  return Object.fromEntries(
    Object.entries(after).map(([k, v]) => [k, k.startsWith('eld_') ? v : v - (before[k] ?? 0)]),
  );
}

/** Converge, then latency, on a fresh namespace with one contender process. */
async function runLive(
  def: ContenderDef,
  client: Client,
  own: RequestCounts,
  kubeconfig: string,
  namespace: string,
  sizes: Sizes,
): Promise<Pick<Row, 'converge' | 'latency'>> {
  const n = sizes.converge;
  let proc: Contender | undefined;
  let watch: Awaited<ReturnType<typeof watchWidgets>> | undefined;
  try {
    proc = launch(def.launch(kubeconfig, namespace, 0));
    const syncedAt = await proc.synced(SYNC_TIMEOUT_MS);
    log(`${def.id}: started and synced in ${(syncedAt - proc.startedAt).toFixed(0)} ms`);
    watch = await watchWidgets(client, namespace);

    const stats = def.stats ? () => proc!.stats(10_000) : async () => undefined;
    const stats0 = await stats();
    const cpu0 = await proc.cpuSeconds();
    const timeoutMs = 30_000 + n * 60;
    const { result, requests } = await countRequests(client, own, async () => {
      const t0 = performance.now();
      const ready = watch!.allReady(n, timeoutMs);
      ready.catch(() => {});
      await createWidgets(client, namespace, n);
      await ready;
      const readyMs = performance.now() - t0;
      // Work a contender still has queued once all is Ready (reconciles its own writes caused) is
      // part of what converging cost: count its requests and CPU until it goes idle.
      const idleAt = await proc!.quiet(QUIET_TIMEOUT_MS);
      return { readyMs, idleMs: idleAt === undefined ? undefined : Math.max(readyMs, idleAt - t0) };
    });
    const cpuSeconds = (await proc.cpuSeconds()) - cpu0;
    const convergeStats = between(stats0, await stats());
    const ms = result.readyMs;
    log(
      `${def.id}: converged ${n} in ${ms.toFixed(0)} ms, idle after ${result.idleMs?.toFixed(0) ?? '(never)'} ms; ` +
        describePerObject(requests, n),
    );
    const wrong = await checkConverged(client, namespace, n);
    if (wrong) {
      const why = `converged wrongly: ${wrong}`;
      return { converge: failed(why), latency: failed('skipped: converge failed') };
    }
    const converge: Result<ConvergeFigures> = {
      ok: true,
      m: {
        ms,
        requests,
        cpuSeconds,
        ...(result.idleMs !== undefined ? { idleMs: result.idleMs } : {}),
        ...(convergeStats ? { stats: convergeStats } : {}),
      },
    };

    try {
      const cpu1 = await proc.cpuSeconds();
      const windows: LatencyWindow[] = [];
      const revision = new Array<number>(n).fill(1);
      for (let w = 0; w < LATENCY_WINDOWS; w++) {
        const before = await stats();
        const figures = await measureLatency(client, namespace, watch, n, sizes, revision);
        const windowStats = between(before, await stats());
        windows.push({ ...figures, ...(windowStats ? { stats: windowStats } : {}) });
        log(
          `${def.id}: latency window ${w + 1}: p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms`,
        );
      }
      const latencyCpu = (await proc.cpuSeconds()) - cpu1;
      const after = await checkConverged(client, namespace, n);
      if (after) return { converge, latency: failed(`wrong after the updates: ${after}`) };
      return { converge, latency: { ok: true, m: { ...combineWindows(windows), cpuSeconds: latencyCpu } } };
    } catch (err) {
      return { converge, latency: failed(`${reason(err)}${proc.exited ? ` (${proc.exited})` : ''}`) };
    }
  } catch (err) {
    const why = `${reason(err)}${proc?.exited && !reason(err).includes(proc.exited) ? ` (${proc.exited})` : ''}`;
    return { converge: failed(why), latency: failed('skipped: converge failed') };
  } finally {
    await watch?.stop();
    await proc?.stop();
  }
}

/** Creates the cache scenario's objects already converged: widgets Ready, ConfigMaps right. */
export async function createConvergedFixture(client: Client, namespace: string, n: number): Promise<void> {
  const started = performance.now();
  let done = 0;
  await pool(n, CREATE_CONCURRENCY, async (i) => {
    const spec = specFor(i, 1);
    const w = await client.create(
      Widget,
      { apiVersion: 'bench.operon.dev/v1', kind: 'Widget', metadata: { name: nameOf(i) }, spec },
      { namespace },
    );
    await client.create(
      ConfigMap,
      {
        metadata: {
          name: nameOf(i),
          ownerReferences: [
            {
              apiVersion: 'bench.operon.dev/v1',
              kind: 'Widget',
              name: nameOf(i),
              uid: w.metadata!.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        data: configMapData(spec),
      },
      { namespace },
    );
    const generation = w.metadata?.generation ?? 1;
    await client.status.replace(Widget, {
      ...w,
      status: {
        observedGeneration: generation,
        conditions: [
          {
            ...READY,
            observedGeneration: generation,
            lastTransitionTime: `${new Date().toISOString().slice(0, 19)}Z`,
          },
        ],
      },
    });
    if (n >= 1000 && ++done % Math.floor(n / 5) === 0) {
      log(`cache fixture: ${done}/${n} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  });
}

/** The cache scenario for one contender: an idle baseline on an empty namespace, then the full one. */
async function runCache(
  def: ContenderDef,
  kubeconfig: string,
  idleNamespace: string,
  namespace: string,
  objects: number,
): Promise<Result<CacheFigures>> {
  const measureOne = async (ns: string, expect: number) => {
    const proc = launch(def.launch(kubeconfig, ns, expect));
    try {
      const syncedAt = await proc.synced(SYNC_TIMEOUT_MS + expect * 30);
      const q0 = performance.now();
      const quietAt = await proc.quiet(QUIET_TIMEOUT_MS);
      const quiet = quietAt !== undefined;
      const quietMs = (quietAt ?? performance.now()) - q0;
      const { heap } = await proc.gc(30_000);
      const parts = await proc.rssParts().catch(() => undefined);
      return { ms: syncedAt - proc.startedAt, rss: await proc.rss(), parts, heap, quiet, quietMs };
    } finally {
      await proc.stop();
    }
  };
  try {
    const idle = await measureOne(idleNamespace, 0);
    log(`${def.id}: idle: started in ${idle.ms.toFixed(0)} ms, RSS ${(idle.rss / 2 ** 20).toFixed(1)} MiB`);
    const full = await measureOne(namespace, objects);
    log(
      `${def.id}: ${objects} widgets + ${objects} ConfigMaps: synced in ${full.ms.toFixed(0)} ms, ` +
        `RSS ${(full.rss / 2 ** 20).toFixed(1)} MiB${full.quiet ? '' : ' (never went idle)'}`,
    );
    return {
      ok: true,
      m: {
        startMs: idle.ms,
        syncMs: full.ms,
        idleRss: idle.rss,
        idleRssParts: idle.parts,
        rss: full.rss,
        idleHeap: idle.heap,
        heap: full.heap,
        quiet: full.quiet,
        quietMs: full.quietMs,
      },
    };
  } catch (err) {
    return failed(reason(err));
  }
}

/** Runs the ceiling program; resolves to its JSON line. */
async function runCeiling(path: string, args: string[]): Promise<Record<string, number>> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.on('error', (e) => reject(e));
    child.on('exit', (code) => {
      if (code !== 0)
        return reject(new Error(`ceiling ${args[0]} failed (exit ${code}): ${err.trim().slice(-300)}`));
      try {
        resolve(JSON.parse(out) as Record<string, number>);
      } catch {
        reject(new Error(`ceiling ${args[0]} printed ${out.slice(0, 200)}`));
      }
    });
  });
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(x < 100 ? 1 : 0)} ms`);
const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
/** `x / base` as `0.52x`; n/a without a base. */
const times = (x: number | undefined, base: number | undefined) =>
  x === undefined || base === undefined || !Number.isFinite(x / base) ? 'n/a' : `${(x / base).toFixed(2)}x`;
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export async function benchOperator(options: OperatorBenchOptions = {}): Promise<string> {
  const sizes: Sizes = {
    converge: options.large ? 10_000 : options.quick ? 100 : 1000,
    cache: options.quick ? 500 : 10_000,
    rate: options.rate ?? DEFAULT_RATE,
    rateNote: '',
    latencySeconds: options.latencySeconds ?? (options.quick ? 3 : 20),
  };
  const started = new Date();
  const contenders = await prepareContenders(options.only);
  let ceilingPath: string | undefined;
  let ceilingName = 'ceiling: client-go, no controller';
  let ceilingProblem: string | undefined;
  try {
    const c = await prepareCeiling();
    ceilingPath = c.path;
    ceilingName = `ceiling: client-go ${c.clientGo}, no controller`;
  } catch (err) {
    ceilingProblem = reason(err);
  }

  log('starting a control plane');
  const plane = await startControlPlane({
    apiServerArgs: ['--max-requests-inflight=2000', '--max-mutating-requests-inflight=1000'],
    crds: [Widget.crd()],
  });
  const kubeconfig = plane.kubeconfig.path;
  const own = ownRequestCounter();
  const client = createClient(await loadKubeconfig({ kubeconfig }), { onResponse: own.onResponse });
  const rows: Row[] = [];
  let ceilingConverge: Result<ConvergeFigures> = failed(ceilingProblem ?? 'not run');
  let ceilingLatency: Result<LatencyFigures> = failed(ceilingProblem ?? 'not run');
  let ceilingList: Result<{ ms: number }> = failed(ceilingProblem ?? 'not run');
  let fixtureMs = 0;
  try {
    // A fresh API server answers its first few hundred writes of a kind slowly: warm it up first.
    const warmup = (await plane.createNamespace('op-warmup')).name;
    await createConvergedFixture(client, warmup, 300);
    await client.deleteCollection(Widget, { namespace: warmup });
    await client.deleteCollection(ConfigMap, { namespace: warmup });

    if (ceilingPath) {
      const ns = (await plane.createNamespace('op-ceiling')).name;
      try {
        const { result, requests } = await countRequests(client, own.counts, () =>
          runCeiling(ceilingPath, [
            'writes',
            kubeconfig,
            ns,
            String(sizes.converge),
            String(CREATE_CONCURRENCY),
          ]),
        );
        ceilingConverge = { ok: true, m: { ms: result.ms!, requests } };
        log(
          `ceiling: ${sizes.converge} objects in ${result.ms!.toFixed(0)} ms; ${describePerObject(requests, sizes.converge)}`,
        );
        const wrong = await checkConverged(client, ns, sizes.converge);
        if (wrong) ceilingConverge = failed(`wrote wrongly: ${wrong}`);
        const ceilingRate = sizes.converge / (result.ms! / 1000);
        if (options.rate === undefined && sizes.rate > ceilingRate * RATE_SHARE_OF_CEILING) {
          sizes.rate = Math.max(10, Math.floor((ceilingRate * RATE_SHARE_OF_CEILING) / 10) * 10);
          sizes.rateNote =
            `${DEFAULT_RATE} asked, capped at a quarter of the ceiling’s ${int(ceilingRate)} widgets/s so that the ` +
            'API server is not saturated; `--rate=N` forces a rate';
          log(`latency: running at ${sizes.rate} updates/s (${sizes.rateNote})`);
        }
        const windows: LatencyWindow[] = [];
        for (let w = 0; w < LATENCY_WINDOWS; w++) {
          const l = await runCeiling(ceilingPath, [
            'latency',
            kubeconfig,
            ns,
            String(sizes.converge),
            String(sizes.rate),
            String(sizes.latencySeconds),
          ]);
          windows.push({ updates: l.updates!, p50: l.p50!, p99: l.p99!, max: l.max! });
          log(`ceiling: latency window ${w + 1}: p50 ${l.p50!.toFixed(1)} ms, p99 ${l.p99!.toFixed(1)} ms`);
        }
        ceilingLatency = { ok: true, m: combineWindows(windows) };
      } catch (err) {
        if (!ceilingConverge.ok) ceilingConverge = failed(reason(err));
        ceilingLatency = failed(reason(err));
      }
    }

    for (const def of contenders) {
      if (def.unavailable) {
        rows.push({
          def,
          converge: failed(def.unavailable),
          latency: failed(def.unavailable),
          cache: failed(def.unavailable),
        });
        continue;
      }
      log(`${def.id}: converge and latency`);
      const ns = (await plane.createNamespace(`op-${def.id}`)).name;
      const live = await runLive(def, client, own.counts, kubeconfig, ns, sizes);
      rows.push({ def, ...live, cache: failed('not run') });
      // Leave the API server as it was for the next contender.
      await client.deleteCollection(Widget, { namespace: ns }).catch(() => {});
      await client.deleteCollection(ConfigMap, { namespace: ns }).catch(() => {});
    }

    const cacheNs = (await plane.createNamespace('op-cache')).name;
    const idleNs = (await plane.createNamespace('op-idle')).name;
    log(`cache fixture: ${sizes.cache} converged widgets and their ConfigMaps`);
    const f0 = performance.now();
    await createConvergedFixture(client, cacheNs, sizes.cache);
    fixtureMs = performance.now() - f0;
    if (ceilingPath) {
      try {
        const l = await runCeiling(ceilingPath, ['list', kubeconfig, cacheNs]);
        ceilingList = { ok: true, m: { ms: l.ms! } };
      } catch (err) {
        ceilingList = failed(reason(err));
      }
    }
    // Contenders that write to objects they find converged run last, so that the others see the
    // objects as created: Operon applies every ConfigMap again (new managedFields), kopf annotates
    // every widget with its last-handled configuration.
    const writesLast = ['operon', 'kopf'];
    const cacheOrder = [...rows].sort((a, b) => writesLast.indexOf(a.def.id) - writesLast.indexOf(b.def.id));
    for (const row of cacheOrder) {
      if (row.def.unavailable) {
        row.cache = failed(row.def.unavailable);
        continue;
      }
      log(`${row.def.id}: cache`);
      row.cache = await runCache(row.def, kubeconfig, idleNs, cacheNs, sizes.cache);
      const wrong = await checkConverged(client, cacheNs, sizes.cache);
      if (wrong && row.cache.ok) row.cache = failed(`left the objects wrong: ${wrong}`);
      if (wrong) {
        // Put them right for the next contender.
        await client.deleteCollection(Widget, { namespace: cacheNs });
        await client.deleteCollection(ConfigMap, { namespace: cacheNs });
        await createConvergedFixture(client, cacheNs, sizes.cache);
      }
    }
  } finally {
    await client.close();
    await plane.stop();
  }

  const section = report(rows, sizes, {
    name: ceilingName,
    converge: ceilingConverge,
    latency: ceilingLatency,
    list: ceilingList,
    fixtureMs,
  });
  // Also on its own, so that a run of this section alone (or a subset) keeps its figures.
  const variant = `${options.quick ? '-quick' : ''}${options.large ? '-large' : ''}${options.only ? '-subset' : ''}`;
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(
    new URL(`operator${variant}.md`, dir),
    `# Operator benchmark, ${started.toISOString()}${variant ? ` (${variant.slice(1).replaceAll('-', ', ')})` : ''}\n\n${section}\n`,
  );
  return section;
}

/** One target of issue #15: Operon's figure against a limit, as a ratio to controller-runtime or absolute. */
interface Target {
  what: string;
  operon: number | undefined;
  go: number | undefined;
  format: (x: number) => string;
  /** `ratio`: Operon / controller-runtime against `limit`; `absolute`: Operon's figure itself. */
  kind: 'ratio' | 'absolute';
  /** Whether smaller is better (a ceiling) or larger (a floor). */
  better: 'lower' | 'higher';
  limit: number;
}

/**
 * The targets table: every target of issue #15 from this run, Operon beside controller-runtime, the
 * ratio (or the absolute figure), the target and whether it is met.
 */
function targets(operon: Row | undefined, base: Row | undefined, sizes: Sizes): string[] {
  const pick = <T>(r: Result<T> | undefined) => (r?.ok ? r.m : undefined);
  const objects = 2 * sizes.cache;
  const oc = pick(operon?.cache);
  const gc = pick(base?.cache);
  const oConv = pick(operon?.converge);
  const gConv = pick(base?.converge);
  const oLat = pick(operon?.latency);
  const gLat = pick(base?.latency);
  const rssPer = (m: CacheFigures | undefined) => m && (m.rss - m.idleRss) / objects;
  const heapPer = (m: CacheFigures | undefined) =>
    m?.heap === undefined || m.idleHeap === undefined ? undefined : (m.heap - m.idleHeap) / objects;
  const rate = (m: ConvergeFigures | undefined) => m && sizes.converge / (m.ms / 1000);
  const cpuPer = (m: ConvergeFigures | undefined) =>
    m?.cpuSeconds === undefined ? undefined : (m.cpuSeconds * 1e6) / sizes.converge;
  const bytes = (x: number) => `${int(x)} B`;
  const us = (x: number) => `${int(x)} µs`;
  const perSecond = (x: number) => `${int(x)}/s`;
  const list: Target[] = [
    {
      what: `RSS per cached object (${int(sizes.cache)} widgets + ${int(sizes.cache)} ConfigMaps)`,
      operon: rssPer(oc),
      go: rssPer(gc),
      format: bytes,
      kind: 'ratio',
      better: 'lower',
      limit: 1.5,
    },
    {
      what: 'live heap per cached object',
      operon: heapPer(oc),
      go: heapPer(gc),
      format: bytes,
      kind: 'ratio',
      better: 'lower',
      limit: 1.0,
    },
    {
      what: 'idle RSS (the widget operator on an empty namespace)',
      operon: oc?.idleRss,
      go: gc?.idleRss,
      format: mib,
      kind: 'absolute',
      better: 'lower',
      limit: 60 * 2 ** 20,
    },
    {
      what: 'process start to synced, empty namespace',
      operon: oc?.startMs,
      go: gc?.startMs,
      format: ms,
      kind: 'absolute',
      better: 'lower',
      limit: 150,
    },
    {
      what: 'process start to synced, empty namespace (ratio)',
      operon: oc?.startMs,
      go: gc?.startMs,
      format: ms,
      kind: 'ratio',
      better: 'lower',
      limit: 1.0,
    },
    {
      what: `cache sync of ${int(objects)} objects (process start to synced)`,
      operon: oc?.syncMs,
      go: gc?.syncMs,
      format: ms,
      kind: 'ratio',
      better: 'lower',
      limit: 1.1,
    },
    {
      what: `contender CPU per reconciled widget (converge ${int(sizes.converge)})`,
      operon: cpuPer(oConv),
      go: cpuPer(gConv),
      format: us,
      kind: 'ratio',
      better: 'lower',
      limit: 1.0,
    },
    {
      what: `converge ${int(sizes.converge)} widgets, throughput`,
      operon: rate(oConv),
      go: rate(gConv),
      format: perSecond,
      kind: 'ratio',
      better: 'higher',
      limit: 1.0,
    },
    {
      what: `latency p99 at ${sizes.rate}/s (median of ${LATENCY_WINDOWS} windows)`,
      operon: oLat?.p99,
      go: gLat?.p99,
      format: ms,
      kind: 'ratio',
      better: 'lower',
      limit: 1.0,
    },
    {
      what: `latency p50 at ${sizes.rate}/s (median of ${LATENCY_WINDOWS} windows)`,
      operon: oLat?.p50,
      go: gLat?.p50,
      format: ms,
      kind: 'ratio',
      better: 'lower',
      limit: 1.0,
    },
  ];
  const row = (t: Target) => {
    const value =
      t.kind === 'ratio'
        ? t.operon === undefined || t.go === undefined
          ? undefined
          : t.operon / t.go
        : t.operon;
    const shown = value === undefined ? 'n/a' : t.kind === 'ratio' ? `${value.toFixed(2)}x` : t.format(value);
    const limit = `${t.better === 'lower' ? '≤' : '≥'} ${t.kind === 'ratio' ? `${t.limit.toFixed(1)}x` : t.format(t.limit)}`;
    const met =
      value === undefined
        ? '–'
        : (t.better === 'lower' ? value <= t.limit : value >= t.limit)
          ? 'met'
          : 'NOT met';
    return `| ${[t.what, t.operon === undefined ? '–' : t.format(t.operon), t.go === undefined ? '–' : t.format(t.go), shown, limit, met].join(' | ')} |`;
  };
  const syncAlone = (o: CacheFigures | undefined, g: CacheFigures | undefined) => {
    const alone = (m: CacheFigures | undefined) =>
      m?.syncMs === undefined || m.startMs === undefined ? undefined : m.syncMs - m.startMs;
    const [a, b] = [alone(o), alone(g)];
    if (a === undefined || b === undefined) return 'n/a';
    return `Operon ${ms(a)}, controller-runtime ${ms(b)}${b > 0 ? ` (${(a / b).toFixed(2)}x)` : ''}`;
  };
  const windows = (m: LatencyFigures | undefined) =>
    m ? m.windows.map((w) => `${ms(w.p50)} / ${ms(w.p99)}`).join(', ') : '–';
  return [
    '### Targets (issue #15): Operon against controller-runtime in this run',
    '',
    '| target | Operon | controller-runtime | Operon / controller-runtime (or Operon’s figure) | target | |',
    '|---|---:|---:|---:|---:|---|',
    ...(operon && base
      ? list.map(row)
      : ['| needs both the operon and the controller-runtime contenders | | | | | |']),
    '',
    `- Latency windows, p50 / p99 each: Operon ${windows(oLat)}; controller-runtime ${windows(gLat)}.`,
    `- Cache sync less the start to synced on an empty namespace (the list and watch alone): ${syncAlone(oc, gc)}.`,
    '- Figures come from the tables below (converge, latency, cache); every ratio is from this one run.',
  ];
}

/**
 * What the Operon contender reports about itself (its `stats` line): heap allocated, event-loop
 * delay and where a reconcile's time goes; and the bytes controller-runtime allocated, for scale.
 */
function internals(rows: Row[], n: number): string[] {
  const withStats = rows.filter((r) => r.converge.ok && r.converge.m.stats);
  if (withStats.length === 0) return [];
  const line = (r: Row): string => {
    const c = r.converge.ok ? r.converge.m.stats! : {};
    const l = r.latency.ok ? r.latency.m : undefined;
    const allocated = c.allocated === undefined ? '–' : `${int(c.allocated / n)} B`;
    const reconciles = c.reconciles ?? c.work_count;
    const perReconcile =
      c.allocated === undefined || !reconciles ? '–' : `${int(c.allocated / reconciles)} B`;
    const eld = (s: Record<string, number> | undefined) =>
      s?.eld_p99 === undefined
        ? '–'
        : `${s.eld_p50!.toFixed(1)} / ${s.eld_p99.toFixed(1)} / ${s.eld_max!.toFixed(0)} ms`;
    const each = (sum: string, count: number | undefined) =>
      c[sum] === undefined || !count ? '–' : `${(c[sum]! / count).toFixed(1)} ms`;
    return `| ${[
      cell(r.def.name),
      allocated,
      reconciles === undefined ? '–' : (reconciles / n).toFixed(2),
      perReconcile,
      eld(c),
      l ? l.windows.map((w) => eld(w.stats)).join(', ') : '–',
      each('queue_ms', c.queue_count),
      each('get_ms', c.reconciles),
      each('apply_ms', c.reconciles),
      each('status_ms', c.reconciles),
      each('body_ms', c.reconciles),
    ].join(' | ')} |`;
  };
  return [
    '### Inside the contenders: allocation, event-loop delay, where a reconcile waits',
    '',
    `Over the converge of ${int(n)} widgets (from the contender’s own \`stats\` answers, bench/operator/protocol.ts).`,
    '',
    '| contender | heap allocated / widget | reconciles / widget | allocated / reconcile | event-loop delay p50 / p99 / max, converge | the same, each latency window | queue wait | read (incl. read-your-writes wait) | apply round trip | status round trip | reconcile body |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...withStats.map(line),
    '',
    '- *heap allocated*: Node, bytes freed by the collections plus the growth of the live heap (V8 has no ' +
      'allocation counter); Go, `runtime.MemStats.TotalAlloc`. Per widget divides by the widgets converged; ' +
      'per reconcile by the reconciles the contender counted.',
    '- *event-loop delay*: `perf_hooks.monitorEventLoopDelay` (a 10 ms timer, its period taken off) over ' +
      'the window: how late the loop came back to ready work, which is what stalls a burst.',
    '- The time columns are means per reconcile (or per key taken from the queue): *queue wait* is ' +
      '`workqueue_queue_duration_seconds`; *read* the reconcile’s `ctx.get()`, which waits until the cache ' +
      'shows this controller’s own last write; *apply* and *status* the two writes, each one round trip ' +
      'when it writes (applyOwned and updateStatus skip a write that would change nothing).',
  ];
}

function report(
  rows: Row[],
  sizes: Sizes,
  ceiling: {
    name: string;
    converge: Result<ConvergeFigures>;
    latency: Result<LatencyFigures>;
    list: Result<{ ms: number }>;
    fixtureMs: number;
  },
): string {
  const n = sizes.converge;
  const base = rows.find((r) => r.def.id === 'controller-runtime');
  const pick = <T>(r: Result<T> | undefined) => (r?.ok ? r.m : undefined);
  const cpu = cpus();
  const machine =
    `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ` +
    `Node ${process.version}; the control plane, the bench and the contender share these cores`;

  // Converge.
  const cBase = pick(base?.converge);
  const cCeil = pick(ceiling.converge);
  const perSecond = (m: ConvergeFigures) => n / (m.ms / 1000);
  const convergeRow = (name: string, r: Result<ConvergeFigures>) => {
    if (!r.ok) return `| ${cell(name)} | FAILED: ${cell(r.reason)} ||||||||`;
    const m = r.m;
    const t = total(m.requests);
    return `| ${[
      cell(name),
      ms(m.ms),
      m.idleMs === undefined ? (m.cpuSeconds === undefined ? '–' : 'never') : ms(m.idleMs),
      int(perSecond(m)),
      (t.all / n).toFixed(2),
      (t.writes / n).toFixed(2),
      m.cpuSeconds === undefined ? '–' : `${((m.cpuSeconds * 1e6) / n).toFixed(0)} µs`,
      times(perSecond(m), cBase && perSecond(cBase)),
      times(perSecond(m), cCeil && perSecond(cCeil)),
    ].join(' | ')} |`;
  };
  const breakdown = [
    ...rows.map((r) => [r.def.name, r.converge] as const),
    [ceiling.name, ceiling.converge] as const,
  ]
    .filter(([, r]) => r.ok)
    .map(
      ([name, r]) => `${name}: ${describePerObject((r as { m: ConvergeFigures }).m.requests, n) || 'none'}`,
    );

  // Latency.
  const lBase = pick(base?.latency);
  const lCeil = pick(ceiling.latency);
  const latencyRow = (name: string, r: Result<LatencyFigures>) => {
    if (!r.ok) return `| ${cell(name)} | FAILED: ${cell(r.reason)} ||||||||`;
    const m = r.m;
    return `| ${[
      cell(name),
      ms(m.p50),
      ms(m.p99),
      m.windows.map((w) => `${ms(w.p50)} / ${ms(w.p99)}`).join(', '),
      ms(m.max),
      m.cpuSeconds === undefined ? '–' : `${((m.cpuSeconds * 1e6) / m.updates).toFixed(0)} µs`,
      `${times(m.p50, lBase?.p50)} / ${times(m.p99, lBase?.p99)}`,
      `${times(m.p50, lCeil?.p50)} / ${times(m.p99, lCeil?.p99)}`,
    ].join(' | ')} |`;
  };

  // Cache.
  const objects = 2 * sizes.cache;
  const kBase = pick(base?.cache);
  const kCeil = pick(ceiling.list);
  const perObject = (m: CacheFigures) => (m.rss - m.idleRss) / objects;
  const heapPerObject = (m: CacheFigures) =>
    m.heap === undefined || m.idleHeap === undefined ? undefined : (m.heap - m.idleHeap) / objects;
  const cacheRow = (r: Row) => {
    if (!r.cache.ok) return `| ${cell(r.def.name)} | FAILED: ${cell(r.cache.reason)} |||||||||`;
    const m = r.cache.m;
    const heap = heapPerObject(m);
    return `| ${[
      cell(r.def.name),
      ms(m.startMs),
      ms(m.syncMs),
      `${mib(m.idleRss)}${m.idleRssParts ? ` (${mib(m.idleRssParts.anon)} anon + ${mib(m.idleRssParts.file)} file)` : ''}`,
      `${mib(m.rss)}${m.quiet ? '' : ' (busy)'}`,
      `${int(perObject(m))} B`,
      heap === undefined ? '–' : `${int(heap)} B`,
      times(m.syncMs, kBase?.syncMs),
      times(perObject(m), kBase && perObject(kBase)),
      times(m.syncMs, kCeil?.ms),
    ].join(' | ')} |`;
  };

  const notes = rows.filter((r) => r.def.note).map((r) => `- ${r.def.name}: ${r.def.note}`);
  const operon = rows.find((r) => r.def.id === 'operon');
  return [
    ...targets(operon, base, sizes),
    '',
    ...internals(rows, n),
    '',
    '### Operator: one workload, every framework',
    '',
    `The workload: a Widget custom resource (about 1 KB of spec) whose controller applies one ConfigMap derived ` +
      `from the spec, with the widget as its controller, and sets \`Ready\` and \`observedGeneration\` in status. ` +
      `4 concurrent reconciles, no client-side rate limit, one namespace, each contender alone in its own ` +
      `process on one shared control plane (kube-apiserver with --max-requests-inflight=2000, ` +
      `--max-mutating-requests-inflight=1000; etcd without fsync). ${machine}.`,
    '',
    'How each contender is written (bench/operator/operon.ts and bench/peers/):',
    '',
    ...notes,
    '',
    `#### Converge: ${int(n)} new widgets`,
    '',
    `The contender is started and synced on an empty namespace; the bench then creates ${int(n)} widgets at ` +
      `concurrency ${CREATE_CONCURRENCY} and times from the first create until its own watch has seen every ` +
      'widget Ready at its generation (*all Ready*, the figure *widgets/s* and the ratios come from), and until ' +
      'the contender has gone idle, its queue drained of the reconciles its own writes caused (*idle*: under 5% ' +
      'of a core for a second); requests and CPU are counted up to *idle*. Then every widget and ConfigMap is ' +
      'checked.',
    '',
    '| contender | all Ready | idle | widgets/s | API requests / widget | writes / widget | contender CPU / widget | throughput vs controller-runtime | throughput vs ceiling |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => convergeRow(r.def.name, r.converge)),
    convergeRow(ceiling.name, ceiling.converge),
    '',
    '- *API requests / widget*: counted by the API server itself (`apiserver_request_total`, scraped before and ' +
      'after, watches and leases left out), less the bench’s own creates: what the contender costs the server. ' +
      `The ceiling creates each widget itself and does its 3 writes (create, ConfigMap create, status) with no ` +
      `reads, at concurrency ${CREATE_CONCURRENCY}.`,
    ...breakdown.map((b) => `- ${b}`),
    '',
    `#### Latency: ${sizes.rate} spec updates per second, ${LATENCY_WINDOWS} windows of ${sizes.latencySeconds} s` +
      (sizes.rateNote ? ` (${sizes.rateNote})` : ''),
    '',
    `On the ${int(n)} converged widgets, round-robin, each a merge patch of the whole spec sent on a fixed ` +
      'schedule (open loop); latency runs from just before the write to the bench’s watch seeing the status ' +
      'report that generation (or a later one) Ready.',
    '',
    '| contender | p50 | p99 | p50 / p99 of each window | max | contender CPU / update | p50 / p99 vs controller-runtime | p50 / p99 vs ceiling |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => latencyRow(r.def.name, r.latency)),
    latencyRow(ceiling.name, ceiling.latency),
    '',
    `- *p50*, *p99*: the median over the ${LATENCY_WINDOWS} windows, run one after the other on the same ` +
      'process; *max* the largest of all.',
    '- It starts once the contender is idle after converging. The ceiling row is the same update carried ' +
      'through by one client with no watch and no reads: the spec patch, the ConfigMap patch and the status ' +
      'patch in sequence, timed in the Go process.',
    '- One run each on a machine the server shares with everything else: p50 repeats within tens of percent ' +
      'between runs, p99 and max can move several times over (one stall of the server shows in them).',
    '',
    `#### Cache: ${int(sizes.cache)} widgets and ${int(sizes.cache)} ConfigMaps`,
    '',
    `The objects exist already, converged (created in ${(ceiling.fixtureMs / 1000).toFixed(1)} s). *start* is ` +
      'process start to `synced` on an empty namespace; *sync* the same with the objects there. RSS (VmRSS) is ' +
      'read once the contender has gone idle (under 5% of a core for a second) and has collected garbage, giving ' +
      'freed memory back to the OS (Go `debug.FreeOSMemory()`, Python `malloc_trim(0)`, Node V8’s last-resort ' +
      'collection `gc({ flavor: "last-resort" })`, which V8’s memory reducer does by itself some 10 s after the ' +
      `process goes idle; before, a Node process keeps the high-water mark of its first reconciles); *RSS / object* is (RSS − idle ` +
      `RSS) / ${int(objects)}. *idle RSS* is split into anonymous memory (heaps, stacks) and file-backed pages ` +
      '(the executable and libraries, as far as they were touched: for Node about 30 MiB of its binary at start, ' +
      'more once TLS, HTTP/2 and the optimizing compilers run; shared between processes and reclaimable). ' +
      `*Live heap / object* is the same with the heap the runtime reports after the ` +
      'collection (Go `HeapAlloc`, Node `heapUsed`): what the cache and the rest of the process keep alive. ' +
      'Operon and kopf run last here, as they write to objects they find converged (Operon applies every ' +
      'ConfigMap again, kopf annotates every widget), so that the others see the objects as created.',
    '',
    '| contender | start (empty) | sync | idle RSS | RSS with objects | RSS / object | live heap / object | sync vs controller-runtime | RSS / object vs controller-runtime | sync vs ceiling LIST |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(cacheRow),
    `| ${cell(ceiling.name)}: paged LIST of both (500 a page) | – | ${ceiling.list.ok ? ms(ceiling.list.m.ms) : `FAILED: ${cell(ceiling.list.reason)}`} | – | – | – | – | – | – | 1.00x |`,
  ].join('\n');
}
