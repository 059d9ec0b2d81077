/**
 * Idle figures of a minimal operator (bench/operator/minimal.ts, or any contender command): process
 * start to `synced` on an empty namespace, and RSS and heap once idle and collected, over several
 * starts. A tool for before/after comparisons of start-up and footprint, quieter than the full bench.
 *
 *   node --conditions=operon:source bench/idle.ts [--runs=5] [-- COMMAND ARGS...]
 *
 * The default command is bench/operator/minimal.ts bundled by `operon build` (from dist/) as the
 * operator bench bundles the Operon contender, run by `node` with the generated Dockerfile's options (or OPERON_BENCH_NODE_FLAGS)
 * and --expose-gc; the kubeconfig and namespace are appended to it.
 */

import { readFile } from 'node:fs/promises';
import { useControlPlane } from 'operon/testing';
import { compileOperon, MINIMAL_CONTENDER, OPERON_NODE_FLAGS } from './operator/peers.ts';
import { launch } from './operator/process.ts';

const dashes = process.argv.indexOf('--');
const own = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes);
const runs = Number(own.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
const command =
  dashes < 0
    ? [process.execPath, ...OPERON_NODE_FLAGS, '--expose-gc', MINIMAL_CONTENDER]
    : process.argv.slice(dashes + 1);
if (dashes < 0) await compileOperon();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mib = (x: number) => (x / 2 ** 20).toFixed(1);

// The shared control plane when OPERON_TEST_CONTROL_PLANE names one, else a private one.
await using plane = await useControlPlane();
const rows: Record<string, number>[] = [];
for (let i = 0; i < runs; i++) {
  const ns = (await plane.createNamespace('idle')).name;
  const proc = launch({ command: command[0]!, args: [...command.slice(1), plane.kubeconfig.path, ns] });
  try {
    const synced = await proc.synced(60_000);
    await proc.quiet(30_000);
    const figures = await proc.gc(10_000);
    const status = await readFile(`/proc/${proc.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
    const row = {
      rssAnon: kb('RssAnon'),
      rssFile: kb('RssFile'),
      startMs: synced - proc.startedAt,
      rss: await proc.rss(),
      cpuMs: (await proc.cpuSeconds()) * 1000,
      ...figures,
    };
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  } finally {
    await proc.stop();
  }
}
const keys = Object.keys(rows[0] ?? {});
const line = keys
  .map((k) => {
    const m = median(rows.map((r) => r[k] ?? Number.NaN));
    return `${k}=${k === 'startMs' || k === 'cpuMs' ? m.toFixed(0) : `${mib(m)}MiB`}`;
  })
  .join(' ');
process.stdout.write(`median of ${rows.length}: ${line}\n`);
