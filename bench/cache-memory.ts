/**
 * The operator bench's cache scenario alone, for before/after comparisons of memory: N converged
 * widgets and their ConfigMaps, then each Operon contender variant (Node options) started on them
 * `--runs` times: sync time, RSS and heap per cached object (against an idle start on an empty
 * namespace), RSS when synced and once idle, and CPU.
 *
 *   node --conditions=operon:source bench/cache-memory.ts [--objects=10000] [--runs=3] [--flags='A B' ...]
 *
 * Each `--flags=` is one variant ('' is Node's defaults); the default is the generated Dockerfile's.
 */

import { readFile } from 'node:fs/promises';
import { createClient, loadKubeconfig } from 'operon/client';
import { startControlPlane } from 'operon/testing';
import { NODE_FLAGS } from '../src/cli/init-templates.ts';
import { compileOperon, OPERON_CONTENDER } from './operator/peers.ts';
import { launch } from './operator/process.ts';
import { Widget } from './operator/workload.ts';
import { createConvergedFixture } from './operator.ts';

const arg = (name: string) =>
  process.argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
const objects = Number(arg('objects')[0] ?? 10_000);
const runs = Number(arg('runs')[0] ?? 3);
const variants = arg('flags').length
  ? arg('flags').map((f) => f.split(' ').filter(Boolean))
  : [[...NODE_FLAGS]];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const log = (m: string) => process.stderr.write(`[cache-memory] ${m}\n`);

await compileOperon();
await using plane = await startControlPlane({
  apiServerArgs: ['--max-requests-inflight=2000', '--max-mutating-requests-inflight=1000'],
  crds: [Widget.crd()],
});
const kubeconfig = plane.kubeconfig.path;
const client = createClient(await loadKubeconfig({ kubeconfig }));
const full = (await plane.createNamespace('cache')).name;
log(`fixture: ${objects} widgets and ${objects} ConfigMaps`);
await createConvergedFixture(client, full, objects);
await client.close();

/** Resident bytes of a process by kind of mapping: malloc's [heap], other anonymous memory, files. */
async function mappings(pid: number) {
  const text = await readFile(`/proc/${pid}/smaps`, 'utf8');
  const out = { brk: 0, anon: 0, file: 0 };
  let kind: keyof typeof out = 'anon';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1] ?? '';
      kind = name === '[heap]' ? 'brk' : name === '' || name.startsWith('[') ? 'anon' : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}

async function measure(flags: string[], ns: string) {
  const proc = launch({
    command: process.execPath,
    args: [...flags, '--expose-gc', OPERON_CONTENDER, kubeconfig, ns],
  });
  try {
    const synced = await proc.synced(180_000);
    const syncedRss = await proc.rss();
    await proc.quiet(180_000);
    const { heap, heapTotal, external } = await proc.gc(30_000);
    const maps = await mappings(proc.pid);
    return {
      heapTotal: heapTotal ?? Number.NaN,
      external: external ?? Number.NaN,
      ...maps,
      syncMs: synced - proc.startedAt,
      syncedRss,
      rss: await proc.rss(),
      heap: heap ?? Number.NaN,
      cpuMs: (await proc.cpuSeconds()) * 1000,
    };
  } finally {
    await proc.stop();
  }
}

for (const flags of variants) {
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const idle = await measure(flags, (await plane.createNamespace('idle')).name);
    const m = await measure(flags, full);
    const row = {
      syncMs: m.syncMs,
      rssPerObject: (m.rss - idle.rss) / (2 * objects),
      rssPerObjectAtSync: (m.syncedRss - idle.rss) / (2 * objects),
      heapPerObject: (m.heap - idle.heap) / (2 * objects),
      idleRssMiB: idle.rss / 2 ** 20,
      rssMiB: m.rss / 2 ** 20,
      cpuMs: m.cpuMs,
      heapTotalMiB: m.heapTotal / 2 ** 20,
      heapMiB: m.heap / 2 ** 20,
      externalMiB: m.external / 2 ** 20,
      brkMiB: m.brk / 2 ** 20,
      anonMiB: m.anon / 2 ** 20,
      fileMiB: m.file / 2 ** 20,
    };
    log(`${flags.join(' ') || '(defaults)'}: ${JSON.stringify(row)}`);
    rows.push(row);
  }
  const keys = Object.keys(rows[0] ?? {});
  process.stdout.write(
    `${(flags.join(' ') || '(defaults)').padEnd(40)} median of ${runs}: ${keys.map((k) => `${k}=${median(rows.map((r) => r[k] ?? Number.NaN)).toFixed(0)}`).join(' ')}\n`,
  );
}
