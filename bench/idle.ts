/**
 * Idle figures of a minimal operator (bench/operator/minimal.ts, or any contender command): process
 * start to `synced` on an empty namespace, CPU time used by then, and RSS and heap once idle and
 * collected, over several starts. A tool for before/after comparisons of start-up and footprint,
 * quieter than the full bench.
 *
 *   node --conditions=operon:source bench/idle.ts [--runs=5] [-- COMMAND ARGS...]...
 *
 * The default command is bench/operator/minimal.ts bundled by `operon build` (from dist/) as the
 * operator bench bundles the Operon contender, run by `node` with the generated Dockerfile's options
 * (or OPERON_BENCH_NODE_FLAGS) and --expose-gc; the kubeconfig and namespace are appended to it.
 * Each `--` starts another command: with several, the runs are interleaved (one start of each in
 * turn, so that the load of a shared machine falls on all of them alike) and each gets its medians.
 */

import { readFile } from 'node:fs/promises';
import { useControlPlane } from 'operon/testing';
import { compileOperon, MINIMAL_CONTENDER, OPERON_NODE_FLAGS } from './operator/peers.ts';
import { launch } from './operator/process.ts';

const dashes = process.argv.indexOf('--');
const own = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes);
const runs = Number(own.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
const commands: string[][] = [];
if (dashes < 0) {
  commands.push([process.execPath, ...OPERON_NODE_FLAGS, '--expose-gc', MINIMAL_CONTENDER]);
  await compileOperon();
} else {
  for (const arg of process.argv.slice(dashes)) {
    if (arg === '--') commands.push([]);
    else commands.at(-1)!.push(arg);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mib = (x: number) => (x / 2 ** 20).toFixed(1);

// The shared control plane when OPERON_TEST_CONTROL_PLANE names one, else a private one.
await using plane = await useControlPlane();
const rows: Record<string, number>[][] = commands.map(() => []);
for (let i = 0; i < runs; i++) {
  for (const [c, command] of commands.entries()) {
    const ns = (await plane.createNamespace('idle')).name;
    const proc = launch({ command: command[0]!, args: [...command.slice(1), plane.kubeconfig.path, ns] });
    try {
      const synced = await proc.synced(60_000);
      const syncCpu = await proc.cpuSeconds();
      await proc.quiet(30_000);
      const figures = await proc.gc(10_000);
      const status = await readFile(`/proc/${proc.pid}/status`, 'utf8');
      const kb = (field: string) =>
        Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
      const row = {
        startMs: synced - proc.startedAt,
        syncCpuMs: syncCpu * 1000,
        cpuMs: (await proc.cpuSeconds()) * 1000,
        rss: await proc.rss(),
        rssAnon: kb('RssAnon'),
        rssFile: kb('RssFile'),
        ...figures,
      };
      rows[c]!.push(row);
      process.stderr.write(`${commands.length > 1 ? `[${c}] ` : ''}${JSON.stringify(row)}\n`);
    } finally {
      await proc.stop();
    }
  }
}
for (const [c, command] of commands.entries()) {
  const keys = Object.keys(rows[c]![0] ?? {});
  const line = keys
    .map((k) => {
      const m = median(rows[c]!.map((r) => r[k] ?? Number.NaN));
      return `${k}=${k.endsWith('Ms') ? m.toFixed(0) : `${mib(m)}MiB`}`;
    })
    .join(' ');
  const name = commands.length > 1 ? ` [${c}] ${command.slice(1).join(' ')}` : '';
  process.stdout.write(`median of ${rows[c]!.length}${name}: ${line}\n`);
}
