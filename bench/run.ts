/**
 * `npm run bench`: runs every benchmark, prints its Markdown tables and writes them under
 * bench/results/. Benchmarks print figures; they never pass or fail on time.
 *
 *   npm run bench             the default sizes
 *   npm run bench -- --quick  a smoke run
 *
 *   npm run bench -- --sections=operator --quick   some sections only (controlplane, informer,
 *                                                  streaming, http2, webhook, operator, soak) (printed, and written
 *                                                  only by sections that write their own file)
 *
 * Operator benchmark options: `--large` (10,000 objects to converge), `--contenders=operon,kopf`
 * (a subset), `--rate=N` (spec updates per second in the latency scenario, uncapped).
 *
 *   npm run bench -- --sections=soak [--soak-minutes=30]   the soak (bench/soak.ts); not in the
 *                                                         default run; exits 1 if a verdict fails
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { printProgress } from '../src/cli/usage.ts';
import { installBinaries } from '../src/testing/index.ts';
import { benchControlPlane } from './controlplane.ts';
import { benchInformer } from './informer.ts';
import { benchOperator } from './operator.ts';
import { benchSoak } from './soak.ts';
import { benchStreamingList } from './streaming-list.ts';
import { benchWatchHttp2 } from './watch-http2.ts';
import { benchWebhook } from './webhook.ts';

const quick = process.argv.includes('--quick');
const option = (name: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) || undefined;
await installBinaries({ onProgress: printProgress });

const only = option('sections')?.split(',');
const wanted = (name: string) => !only || only.includes(name);

const sections: string[] = [];
const started = new Date();
if (wanted('controlplane')) sections.push(await benchControlPlane(quick ? { starts: 1, namespaces: 5 } : {}));
if (wanted('informer')) sections.push(await benchInformer({ quick }));
if (wanted('streaming')) sections.push(await benchStreamingList({ quick }));
if (wanted('http2')) sections.push(await benchWatchHttp2({ quick }));
if (wanted('webhook')) sections.push(await benchWebhook({ quick }));
if (wanted('operator')) {
  const contenders = option('contenders')?.split(',');
  const rate = option('rate');
  sections.push(
    await benchOperator({
      quick,
      large: process.argv.includes('--large'),
      ...(contenders ? { only: contenders } : {}),
      ...(rate ? { rate: Number(rate) } : {}),
    }),
  );
}

// The soak runs only when asked for: it takes half an hour by default.
if (only?.includes('soak')) {
  const minutes = option('soak-minutes');
  const slope = option('soak-heap-slope');
  const snapshots = option('soak-heap-snapshots');
  const soak = await benchSoak({
    minutes: minutes === undefined ? 30 : Number(minutes),
    ...(slope ? { heapSlopeLimit: Number(slope) } : {}),
    ...(snapshots ? { heapSnapshots: snapshots } : {}),
  });
  sections.push(soak.report);
  if (!soak.passed) process.exitCode = 1;
}

const report = [
  `# Operon benchmarks, ${started.toISOString()}${quick ? ' (--quick)' : ''}`,
  '',
  `Node ${process.version}, ${process.platform}-${process.arch}.`,
  '',
  sections.join('\n\n'),
  '',
].join('\n');
process.stdout.write(`${report}\n`);
if (!only) {
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL(quick ? 'latest-quick.md' : 'latest.md', dir), report);
}
