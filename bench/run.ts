/**
 * `npm run bench`: runs every benchmark, prints its Markdown tables and writes them under
 * bench/results/. Benchmarks print figures; they never pass or fail on time.
 *
 *   npm run bench             the default sizes
 *   npm run bench -- --quick  a smoke run
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { printProgress } from '../src/cli/usage.ts';
import { installBinaries } from '../src/testing/index.ts';
import { benchControlPlane } from './controlplane.ts';
import { benchInformer } from './informer.ts';

const quick = process.argv.includes('--quick');
await installBinaries({ onProgress: printProgress });

const sections: string[] = [];
const started = new Date();
sections.push(await benchControlPlane(quick ? { starts: 1, namespaces: 5 } : {}));
sections.push(await benchInformer({ quick }));

const report = [
  `# Operon benchmarks, ${started.toISOString()}${quick ? ' (--quick)' : ''}`,
  '',
  `Node ${process.version}, ${process.platform}-${process.arch}.`,
  '',
  sections.join('\n\n'),
  '',
].join('\n');
process.stdout.write(`${report}\n`);
const dir = new URL('./results/', import.meta.url);
await mkdir(dir, { recursive: true });
await writeFile(new URL(quick ? 'latest-quick.md' : 'latest.md', dir), report);
