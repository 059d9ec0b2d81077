/**
 * Benchmark: does HTTP/2 help an operator that holds many concurrent watches? On one control plane,
 * opens N watches (ConfigMaps, one namespace each) over HTTP/1.1 and over HTTP/2 (`http2: true`)
 * and prints, per transport: how long until every watch is open, the TCP connections it holds, its
 * memory, and how fast a burst of writes spread over the namespaces reaches the watchers.
 *
 * Each transport runs alone in a child process (this same file, started with `child`), so its
 * memory starts clean and every socket it owns is its watches'. Run it standalone with
 * `node --conditions=operon:source bench/watch-http2.ts [--quick]`.
 */

import { subscribe } from 'node:diagnostics_channel';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Client, ConfigMap, createClient, loadKubeconfig, Namespace } from 'operon/client';
import { startControlPlane } from 'operon/testing';
import { watch } from 'operon/watch';
import { pool, startChild } from './child.ts';

export interface WatchHttp2BenchOptions {
  /** Concurrent watches per transport; default 200, or 20 with `quick`. */
  watches?: number;
  quick?: boolean;
}

/** The transport's default `connections` per origin (src/client/transport.ts). */
const DEFAULT_CONNECTIONS = 64;
/** Writes in the burst, per watch. */
const WRITES_PER_WATCH = 5;
const WRITE_CONCURRENCY = 16;
/** A child that has not opened every watch by then reports how far it got. */
const STALL_MS = 20_000;
const TIMEOUT_MS = 120_000;

/** One transport configuration under test. */
interface ModeSpec {
  name: string;
  http2: boolean;
  connections?: number;
}

/** What the parent tells a child on its command line. */
interface ChildSpec extends ModeSpec {
  kubeconfig: string;
  /** The child watches namespaces `${prefix}-0` to `${prefix}-${watches - 1}`. */
  prefix: string;
  watches: number;
}

interface Memory {
  heapUsed: number;
  rss: number;
}

/** What a child says on stdout, one JSON object a line, in this order (`ready` and `done` only when not stalled). */
type ChildMessage =
  | ({ type: 'baseline' } & Memory)
  | ({
      type: 'established';
      stalled: boolean;
      listed: number;
      watching: number;
      /** From starting the watches to the last `list` event, and to the last watch response. */
      listedMs: number | null;
      watchingMs: number | null;
      /** ESTABLISHED TCP connections from this process to the API server (null off Linux). */
      connections: number | null;
      /** ALPN protocol of every connection undici opened, with counts. */
      opened: Record<string, number>;
      cpuMs: number;
    } & Memory)
  | { type: 'ready' }
  | { type: 'done'; latencies: number[]; cpuMs: number; connections: number | null }
  | { type: 'error'; message: string };

interface Row {
  mode: ModeSpec;
  established?: Extract<ChildMessage, { type: 'established' }>;
  baseline?: Memory;
  done?: Extract<ChildMessage, { type: 'done' }>;
  writeMs?: number;
  failure?: string;
}

/** The wall clock in milliseconds, comparable across processes on one machine. */
function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function log(message: string): void {
  process.stderr.write(`[bench watch-http2] ${message}\n`);
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------------------------------------
// The child: one transport, N watches

/** Collects garbage twice (finalizers of the first pass can free more in the second), then reads memory. */
async function settledMemory(): Promise<Memory> {
  if (!globalThis.gc) throw new Error('Run the child with --expose-gc.');
  globalThis.gc();
  await sleep(20);
  globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

/**
 * Counts this process' ESTABLISHED TCP connections to `port`: the sockets in /proc/self/net/tcp{,6}
 * (which lists the whole network namespace) whose inode is one of this process' file descriptors.
 */
function establishedConnections(port: number): number | null {
  if (process.platform !== 'linux') return null;
  const inodes = new Set<string>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01') continue;
      if (Number.parseInt(f[2]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
      if (inode && inodes.has(inode)) count++;
    } catch {
      // Closed between readdir and readlink.
    }
  }
  return count;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function runChild(spec: ChildSpec): Promise<void> {
  const say = (message: ChildMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);
  try {
    // Every connection undici opens, with the protocol ALPN chose for it: the proof that h2 was used.
    const opened: Record<string, number> = {};
    subscribe('undici:client:connected', (message) => {
      const alpn = (message as { socket?: { alpnProtocol?: string | false } }).socket?.alpnProtocol;
      const protocol = alpn || 'http/1.1';
      opened[protocol] = (opened[protocol] ?? 0) + 1;
    });
    const stdin = createInterface({ input: process.stdin });
    // The parent is done with us (or gone): never outlive it.
    let shutdown: () => void = () => process.exit(2);
    stdin.on('close', () => shutdown());
    const lines: string[] = [];
    let gotLine: (() => void) | undefined;
    stdin.on('line', (line) => {
      lines.push(line.trim());
      gotLine?.();
    });

    say({ type: 'baseline', ...(await settledMemory()) });

    const config = await loadKubeconfig({ kubeconfig: spec.kubeconfig });
    const port = Number(new URL(config.server).port);
    const namespaces = Array.from({ length: spec.watches }, (_, i) => `${spec.prefix}-${i}`);
    const listed = new Set<string>();
    const watching = new Set<string>();
    const allListed = deferred<number>();
    const allWatching = deferred<number>();
    let expected = -1;
    const latencies: number[] = [];
    const allDelivered = deferred<void>();
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();

    const client = createClient(config, {
      http2: spec.http2,
      ...(spec.connections !== undefined ? { connections: spec.connections } : {}),
      // A watch is open when its response headers arrive: the list event alone comes before that.
      onResponse(_method, path, status) {
        if (status !== 200 || !/[?&]watch=1(&|$)/.test(path)) return;
        const namespace = /\/namespaces\/([^/]+)\//.exec(path)?.[1];
        if (namespace === undefined) return;
        watching.add(namespace);
        if (watching.size === namespaces.length) allWatching.resolve(performance.now() - started);
      },
    });
    const controller = new AbortController();
    const loops = namespaces.map(async (namespace) => {
      for await (const event of watch(client, ConfigMap, { signal: controller.signal, namespace })) {
        if (event.type === 'list') {
          listed.add(namespace);
          if (listed.size === namespaces.length) allListed.resolve(performance.now() - started);
        } else if (event.type === 'added' && expected > 0) {
          const sentAt = Number(event.object.data?.sentAt);
          if (!Number.isFinite(sentAt)) continue;
          latencies.push(wallClock() - sentAt);
          if (latencies.length === expected) allDelivered.resolve();
        } else if (event.type === 'error') {
          process.stderr.write(`watch ${namespace}: ${event.error.message}\n`);
        }
      }
    });

    shutdown = () => {
      controller.abort();
      // Bounded: a child must end even if something hangs on the way out.
      void Promise.race([Promise.all(loops), sleep(2000)])
        .then(() => Promise.race([client.close(), sleep(2000)]))
        .finally(() => process.exit(0));
    };

    const outcome = await Promise.race([allWatching.promise, sleep(STALL_MS).then(() => 'stalled' as const)]);
    const stalled = outcome === 'stalled';
    const cpu = process.cpuUsage(cpuAtStart);
    const connections = establishedConnections(port);
    const listedMs = listed.size === namespaces.length ? await allListed.promise : null;
    say({
      type: 'established',
      stalled,
      listed: listed.size,
      watching: watching.size,
      listedMs,
      watchingMs: stalled ? null : outcome,
      connections,
      opened: { ...opened },
      cpuMs: (cpu.user + cpu.system) / 1000,
      ...(await settledMemory()),
    });

    if (!stalled) {
      while (lines.length === 0) await new Promise<void>((resolve) => (gotLine = resolve));
      const match = /^expect (\d+)$/.exec(lines.shift()!);
      if (!match) throw new Error('expected "expect N" on stdin');
      expected = Number(match[1]);
      const cpuAtBurst = process.cpuUsage();
      say({ type: 'ready' });
      await allDelivered.promise;
      const burstCpu = process.cpuUsage(cpuAtBurst);
      say({
        type: 'done',
        latencies,
        cpuMs: (burstCpu.user + burstCpu.system) / 1000,
        connections: establishedConnections(port),
      });
    }
  } catch (err) {
    say({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------
// The parent: one control plane, one child per transport, the writer

async function measure(
  row: Row,
  client: Client,
  kubeconfig: string,
  prefix: string,
  n: number,
): Promise<void> {
  const child = startChild<ChildMessage>(fileURLToPath(import.meta.url), [
    'child',
    JSON.stringify({ ...row.mode, kubeconfig, prefix, watches: n }),
  ]);
  try {
    row.baseline = await child.next('baseline', 60_000);
    row.established = await child.next('established', STALL_MS + 60_000);
    const e = row.established;
    log(
      `${row.mode.name}: ${e.watching}/${n} watches open` +
        (e.watchingMs !== null
          ? ` in ${e.watchingMs.toFixed(0)} ms`
          : ` (stalled after ${STALL_MS / 1000} s)`) +
        `, ${e.connections ?? '?'} connections, opened ${JSON.stringify(e.opened)}`,
    );
    if (e.stalled) return;

    const m = n * WRITES_PER_WATCH;
    child.send(`expect ${m}`);
    await child.next('ready', 10_000);
    const writeStart = performance.now();
    await pool(m, WRITE_CONCURRENCY, async (i) => {
      await client.create(
        ConfigMap,
        { metadata: { name: `burst-${i}` }, data: { sentAt: String(wallClock()) } },
        { namespace: `${prefix}-${i % n}` },
      );
    });
    row.writeMs = performance.now() - writeStart;
    row.done = await child.next('done', TIMEOUT_MS);
    log(`${row.mode.name}: ${m} events delivered`);
  } finally {
    await child.stop(5000);
  }
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number | null | undefined) =>
  x === null || x === undefined ? 'n/a' : `${x.toFixed(x < 100 ? 1 : 0)} ms`;
const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;

/** "lower" / "higher" / "about the same" for `a` against `b`, with a ±`band` noise band. */
function compare(a: number, b: number, band = 0.15): 'lower' | 'higher' | 'about the same' {
  if (Math.abs(a - b) <= band * Math.max(Math.abs(a), Math.abs(b), 1e-9)) return 'about the same';
  return a < b ? 'lower' : 'higher';
}

function sortedLatencies(row: Row): number[] {
  return [...(row.done?.latencies ?? [])].sort((a, b) => a - b);
}

function conclusion(rows: readonly Row[], n: number): string {
  const h2 = rows.find((r) => r.mode.http2);
  // The HTTP/1.1 row to compare with: the last that delivered events (not the stalled old-limit one).
  const h1 = [...rows].reverse().find((r) => !r.mode.http2 && r.done);
  const stalled = rows.find((r) => !r.mode.http2 && r.established?.stalled)?.established;
  const e2 = h2?.established;
  const e1 = h1?.established;
  if (!h2?.done || !h2.baseline || !e2 || !h1?.done || !h1.baseline || !e1) {
    const why = rows.filter((r) => r.failure || r.established?.stalled);
    return `**Conclusion:** no comparison: ${why.map((r) => `${r.mode.name} ${r.failure ? 'failed' : 'stalled'}`).join(', ')}.`;
  }
  const l2 = sortedLatencies(h2);
  const l1 = sortedLatencies(h1);
  const heap = [e2.heapUsed - h2.baseline.heapUsed, e1.heapUsed - h1.baseline.heapUsed] as const;
  const rss = [e2.rss - h2.baseline.rss, e1.rss - h1.baseline.rss] as const;
  const speed = compare(e2.watchingMs!, e1.watchingMs!);
  const p50 = [percentile(l2, 0.5), percentile(l1, 0.5)] as const;
  const p99 = [percentile(l2, 0.99), percentile(l1, 0.99)] as const;
  const conns = (x: number | null) => `${x ?? '?'} connection${x === 1 ? '' : 's'}`;
  const sentences = [
    `at ${n} watches HTTP/2 held ${conns(e2.connections)} where ${h1.mode.name} held ${e1.connections ?? '?'}, ` +
      `opened every watch ${speed === 'about the same' ? 'about as fast' : speed === 'lower' ? 'faster' : 'slower'} ` +
      `(${ms(e2.watchingMs)} vs ${ms(e1.watchingMs)}), with RSS Δ ${compare(...rss)} (${mib(rss[0])} vs ${mib(rss[1])}) ` +
      `and heap Δ ${compare(...heap)} (${mib(heap[0])} vs ${mib(heap[1])}); event latency p50 ${compare(...p50, 0.2)} ` +
      `(${ms(p50[0])} vs ${ms(p50[1])}), p99 ${compare(...p99, 0.2)} (${ms(p99[0])} vs ${ms(p99[1])}).`,
  ];
  if (stalled) {
    sentences.push(
      `HTTP/1.1 with the old limit of ${DEFAULT_CONNECTIONS} connections per origin cannot hold ${n} watches: ` +
        `${stalled.watching} opened, one per connection (why that limit is gone and HTTP/2 is the default).`,
    );
  }
  return `**Conclusion:** ${sentences.join(' ')}`;
}

export async function benchWatchHttp2(options: WatchHttp2BenchOptions = {}): Promise<string> {
  const n = options.watches ?? (options.quick ? 20 : 200);
  const modes: ModeSpec[] = [
    { name: 'HTTP/1.1 (http2: false, connections unlimited)', http2: false },
    // The old default pool of DEFAULT_CONNECTIONS per origin holds at most that many watches on HTTP/1.1.
    ...(n > DEFAULT_CONNECTIONS
      ? [
          {
            name: `HTTP/1.1 (connections: ${DEFAULT_CONNECTIONS}, the old default)`,
            http2: false,
            connections: DEFAULT_CONNECTIONS,
          },
        ]
      : []),
    { name: 'HTTP/2 (the default)', http2: true },
  ];
  const rows: Row[] = modes.map((mode) => ({ mode }));

  log(`starting a control plane for ${modes.length} × ${n} watches`);
  const plane = await startControlPlane();
  try {
    const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
    try {
      for (const [index, row] of rows.entries()) {
        // Fresh namespaces per transport, so every child lists empty namespaces.
        const prefix = `wh2-${index}`;
        await pool(n, 16, async (i) => {
          await client.create(Namespace, { metadata: { name: `${prefix}-${i}` } });
        });
        log(`${row.mode.name}: starting`);
        try {
          await measure(row, client, plane.kubeconfig.path, prefix, n);
        } catch (err) {
          row.failure = err instanceof Error ? err.message : String(err);
          log(`${row.mode.name}: FAILED: ${row.failure}`);
        }
      }
    } finally {
      await client.close();
    }
  } finally {
    await plane.stop();
  }

  const lines = rows.map((row) => {
    const e = row.established;
    if (row.failure || !e || !row.baseline) {
      return `| ${row.mode.name} | FAILED: ${(row.failure ?? 'no result').replaceAll('|', '\\|')} |||||||||||`;
    }
    const sorted = sortedLatencies(row);
    const events = sorted.length;
    const alpn = Object.entries(e.opened)
      .map(([protocol, count]) => `${protocol} × ${count}`)
      .join(', ');
    return `| ${[
      row.mode.name,
      `${e.watching} / ${n}${e.stalled ? ' (stalled)' : ''}`,
      e.connections ?? 'n/a',
      alpn || 'none',
      ms(e.listedMs),
      e.stalled ? `> ${STALL_MS / 1000} s` : ms(e.watchingMs),
      ms(e.cpuMs),
      mib(e.heapUsed - row.baseline.heapUsed),
      mib(e.rss - row.baseline.rss),
      events ? ms(percentile(sorted, 0.5)) : 'n/a',
      events ? ms(percentile(sorted, 0.99)) : 'n/a',
      events ? ms(sorted[events - 1]) : 'n/a',
      row.done ? `${((row.done.cpuMs * 1000) / events).toFixed(0)} µs` : 'n/a',
    ].join(' | ')} |`;
  });
  const cpu = cpus();
  return [
    '### Many concurrent watches: HTTP/1.1 or HTTP/2',
    '',
    `${int(n)} watches on ConfigMaps, one per namespace, opened at once by one client; then ` +
      `${int(n * WRITES_PER_WATCH)} creates (${WRITES_PER_WATCH} per namespace, concurrency ${WRITE_CONCURRENCY}) ` +
      `from a separate HTTP/1.1 client. One kube-apiserver for all rows. ${cpu.length} × ` +
      `${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}; the control plane, the writer and the ` +
      'watcher share these cores.',
    '',
    '| transport | watches open | TCP connections | ALPN of opened connections | all listed | all watching | CPU to open | heap Δ | RSS Δ | event p50 | event p99 | event max | CPU / event |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...lines,
    '',
    '- Each transport runs alone in a fresh child process (`node --expose-gc`), one after the other, against ' +
      'the same API server, with its own fresh namespaces. A child owns nothing but its watches, so its memory ' +
      'delta is theirs and every socket it holds is theirs; the writer lives in the parent. Sequential runs in ' +
      'one process would share the heap, the undici globals and the socket table between transports.',
    '- *all listed*: from starting the watches to the last first `list` event; *all watching*: to the last ' +
      'watch response (`onResponse` with `watch=1`), which is when a watch can deliver. A watch yields `list` ' +
      'before it sends its watch request, so *all listed* alone would hide a watch that never opens. *CPU to ' +
      'open*: the child’s CPU time (user + system) over the same span (TLS handshakes, lists, watch requests).',
    '- *TCP connections*: ESTABLISHED sockets from the child to the API server port once all watches are open, ' +
      'matched by inode between /proc/self/net/tcp and /proc/self/fd. *ALPN*: every connection undici opened ' +
      '(diagnostics channel `undici:client:connected`), with the protocol TLS negotiated; `h2` there, and fewer ' +
      'connections than open watches, prove HTTP/2 was used (an HTTP/1.1 connection carries one watch). On ' +
      'HTTP/1.1 the count includes idle keep-alive connections: undici frees a connection a tick after its body ' +
      'ends, so a watch request, sent the moment its list is read, opens a new connection beside the idle one.',
    '- *heap Δ*, *RSS Δ*: after all watches are open minus before the client was made, each after two forced ' +
      'GCs (RSS is the noisier: freed pages are not returned at once). *Event latency*: from just before each create was sent (wall clock, in the writer) to its `added` ' +
      'event in the child, so it includes the API server’s write; *CPU / event* is the child’s CPU time during ' +
      'the burst per event. One sample per transport; timings move by tens of percent between runs on a busy ' +
      'machine.',
    '',
    conclusion(rows, n),
  ].join('\n');
}

if (import.meta.main) {
  if (process.argv[2] === 'child') await runChild(JSON.parse(process.argv[3]!) as ChildSpec);
  else process.stdout.write(`${await benchWatchHttp2({ quick: process.argv.includes('--quick') })}\n`);
}
