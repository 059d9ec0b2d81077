/**
 * The test command (`npm test` runs it after type-check and lint): makes sure the control-plane
 * binaries exist (building them with progress on a new machine), starts one shared control plane
 * with every component, runs every test file with Node's test runner, and prints the components'
 * logs if anything failed.
 *
 *   node scripts/test.ts                  all tests, on OPERON_K8S_VERSION or else the newest Kubernetes
 *   node scripts/test.ts --unit           unit tests only (src/**\/*.test.ts), no control plane
 *   node scripts/test.ts FILE...          just these files, with the shared plane
 *   node scripts/test.ts --k8s 1.35 ...   on Kubernetes 1.35 (the same as OPERON_K8S_VERSION=1.35)
 *   node scripts/test.ts --oldest         the watch, cache, controller and webhook integration tests on
 *                                         the oldest supported Kubernetes (building it if absent)
 *
 * With OPERON_TEST_CONTROL_PLANE set to a running plane's folder (and no --k8s or --oldest), that
 * plane is used instead of a new one.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printProgress } from '../src/cli/usage.ts';
import { resolveRelease } from '../src/testing/binaries.ts';
import { componentLogs } from '../src/testing/control-plane.ts';
import { installBinaries, SHARED_PLANE_ENV, startSharedControlPlane } from '../src/testing/index.ts';
import { K8S_VERSION_ENV, RELEASES } from '../src/testing/versions.ts';

/** What CI runs on the oldest supported minor: the parts that lean on server behaviour most. */
const OLDEST_SUBSET = [
  'test/watch*.test.ts',
  'test/indexes.test.ts',
  'test/read-your-writes.test.ts',
  'test/controller.test.ts',
  'test/crd-lifecycle.test.ts',
  'test/webhook*.test.ts',
];

const { values, positionals: files } = parseArgs({
  options: { unit: { type: 'boolean' }, k8s: { type: 'string' }, oldest: { type: 'boolean' } },
  allowPositionals: true,
});
const unitOnly = values.unit === true;
if (values.oldest && values.k8s !== undefined) {
  process.stderr.write('[test] --oldest and --k8s both choose the version: pass one\n');
  process.exit(2);
}
const version = values.oldest ? RELEASES.at(-1)!.minor : values.k8s;
let release: ReturnType<typeof resolveRelease>;
try {
  release = resolveRelease(version);
} catch (err) {
  process.stderr.write(`[test] ${(err as Error).message}\n`);
  process.exit(2);
}
// Set for this process and every test process: private planes that test files start use it too.
process.env[K8S_VERSION_ENV] = release.minor;
const patterns =
  files.length > 0
    ? files
    : values.oldest
      ? OLDEST_SUBSET
      : unitOnly
        ? ['src/**/*.test.ts', 'examples/**/*.test.ts']
        : ['src/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'];

let plane: Awaited<ReturnType<typeof startSharedControlPlane>> | undefined;
// A plane another runner already shares (OPERON_TEST_CONTROL_PLANE names its folder) is reused,
// unless a version was asked for.
const existing = version === undefined ? process.env[SHARED_PLANE_ENV] : undefined;
if (!unitOnly && existing) {
  process.stderr.write(`[test] using the shared control plane in ${existing} (${SHARED_PLANE_ENV})\n`);
} else if (!unitOnly) {
  process.stderr.write(
    `[test] Kubernetes ${release.kubernetes}${release === RELEASES.at(-1) ? ' (the oldest supported)' : ''}: ${patterns.join(' ')}\n`,
  );
  await installBinaries({ onProgress: printProgress });
  const started = Date.now();
  plane = await startSharedControlPlane({
    components: ['kube-controller-manager', 'kube-scheduler', 'kwok'],
  });
  process.stderr.write(
    `[test] shared control plane up in ${Date.now() - started} ms at ${plane.server} (${plane.dir})\n`,
  );
}

// Besides the usual output, the failures alone go to a file, printed again at the very end (after
// the control plane's logs), so the last lines of a CI log say what failed and why.
const failuresDir = mkdtempSync(join(tmpdir(), 'operon-test-'));
const failuresFile = join(failuresDir, 'failures.txt');
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  `--test-reporter=${new URL('./failures-reporter.ts', import.meta.url).href}`,
  `--test-reporter-destination=${failuresFile}`,
];
const child = spawn(
  process.execPath,
  ['--conditions=operon:source', '--test', '--test-timeout=300000', ...reporters, ...patterns],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --conditions=operon:source`.trim(),
    },
  },
);
const forward = (signal: NodeJS.Signals) => child.kill(signal);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));

try {
  if (plane) {
    if (code !== 0)
      process.stderr.write(
        `\n[test] tests failed; the shared control plane's logs:\n${await componentLogs(plane.dir)}\n`,
      );
    await plane.stop();
  }
} finally {
  // Printed and removed even when reading the logs or stopping the plane threw.
  let failures = '';
  try {
    failures = readFileSync(failuresFile, 'utf8');
  } catch {
    // No file: the runner stopped before reporting anything; its own output says why.
  }
  rmSync(failuresDir, { recursive: true, force: true });
  if (code !== 0 && failures.trim() !== '') process.stderr.write(`\n[test] what failed:\n\n${failures}`);
  process.exitCode = code;
}
