/**
 * `npm run bench`: runs every benchmark, prints its Markdown tables and writes them under
 * bench/results/. Benchmarks print figures; they never pass or fail on time.
 *
 *   npm run bench             the default sizes
 *   npm run bench -- --quick  a smoke run
 *   npm run bench -- --help   this text
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

import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { printProgress } from '../src/cli/usage.ts';
import { installBinaries } from '../src/testing/index.ts';
import { benchControlPlane } from './controlplane.ts';
import { benchInformer } from './informer.ts';
import { CONTENDER_IDS } from './operator/peers.ts';
import { benchOperator } from './operator.ts';
import { benchSoak } from './soak.ts';
import { benchStreamingList } from './streaming-list.ts';
import { benchWatchHttp2 } from './watch-http2.ts';
import { benchWebhook } from './webhook.ts';

const SECTIONS = ['controlplane', 'informer', 'streaming', 'http2', 'webhook', 'operator', 'soak'];

/** The options above, checked: a mistyped flag or name is an error with the fix, not a full run. */
function parseOptions() {
  const usage = () => {
    const doc = readFileSync(new URL(import.meta.url), 'utf8').match(/^\/\*\*\n([\s\S]*?)\n \*\//)?.[1] ?? '';
    return doc.replace(/^ \* ?/gm, '');
  };
  const fail = (message: string): never => {
    process.stderr.write(`[bench] ${message}\n\n${usage()}\n`);
    process.exit(2);
  };
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      options: {
        help: { type: 'boolean', short: 'h' },
        quick: { type: 'boolean' },
        large: { type: 'boolean' },
        sections: { type: 'string' },
        contenders: { type: 'string' },
        rate: { type: 'string' },
        'soak-minutes': { type: 'string' },
        'soak-heap-slope': { type: 'string' },
        'soak-heap-snapshots': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  }
  try {
    parsed = parse();
  } catch (err) {
    return fail(`${(err as Error).message}.`);
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(`${usage()}\n`);
    process.exit(0);
  }
  const list = (flag: string, value: string | undefined, known: readonly string[]) => {
    if (value === undefined) return undefined;
    const names = value.split(',').filter((n) => n !== '');
    const unknown = names.filter((n) => !known.includes(n));
    if (names.length === 0 || unknown.length > 0)
      fail(
        `--${flag}: unknown ${unknown.map((n) => JSON.stringify(n)).join(', ') || 'empty list'}; one or more of ${known.join(', ')}, comma-separated.`,
      );
    return names;
  };
  const positive = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) fail(`--${flag}=${value}: give a positive number.`);
    return n;
  };
  return {
    quick: v.quick === true,
    large: v.large === true,
    only: list('sections', v.sections, SECTIONS),
    contenders: list('contenders', v.contenders, CONTENDER_IDS),
    rate: positive('rate', v.rate),
    soakMinutes: positive('soak-minutes', v['soak-minutes']),
    soakHeapSlope: positive('soak-heap-slope', v['soak-heap-slope']),
    soakHeapSnapshots: v['soak-heap-snapshots'],
  };
}

const { quick, large, only, contenders, rate, soakMinutes, soakHeapSlope, soakHeapSnapshots } =
  parseOptions();
await installBinaries({ onProgress: printProgress });
const wanted = (name: string) => !only || only.includes(name);

const sections: string[] = [];
const started = new Date();
if (wanted('controlplane')) sections.push(await benchControlPlane(quick ? { starts: 1, namespaces: 5 } : {}));
if (wanted('informer')) sections.push(await benchInformer({ quick }));
if (wanted('streaming')) sections.push(await benchStreamingList({ quick }));
if (wanted('http2')) sections.push(await benchWatchHttp2({ quick }));
if (wanted('webhook')) sections.push(await benchWebhook({ quick }));
if (wanted('operator')) {
  sections.push(
    await benchOperator({
      quick,
      large,
      ...(contenders ? { only: contenders } : {}),
      ...(rate ? { rate } : {}),
    }),
  );
}

// The soak runs only when asked for: it takes half an hour by default.
if (only?.includes('soak')) {
  const soak = await benchSoak({
    minutes: soakMinutes ?? 30,
    ...(soakHeapSlope ? { heapSlopeLimit: soakHeapSlope } : {}),
    ...(soakHeapSnapshots ? { heapSnapshots: soakHeapSnapshots } : {}),
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
