/**
 * The test command (`npm test` runs it after type-check and lint): makes sure the control-plane
 * binaries exist (building them with progress on a new machine), starts one shared control plane
 * with every component, runs every test file with Node's test runner, and prints the components'
 * logs if anything failed.
 *
 *   node scripts/test.ts            all tests
 *   node scripts/test.ts --unit     unit tests only (src/**\/*.test.ts), no control plane
 *   node scripts/test.ts FILE...    just these files, with the shared plane
 *
 * With OPERON_TEST_CONTROL_PLANE set to a running plane's folder, that plane is used instead of
 * a new one.
 */

import { spawn } from 'node:child_process';
import { printProgress } from '../src/cli/usage.ts';
import { componentLogs } from '../src/testing/control-plane.ts';
import { installBinaries, SHARED_PLANE_ENV, startSharedControlPlane } from '../src/testing/index.ts';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const files = args.filter((a) => !a.startsWith('--'));
const patterns =
  files.length > 0
    ? files
    : unitOnly
      ? ['src/**/*.test.ts', 'examples/**/*.test.ts']
      : ['src/**/*.test.ts', 'examples/**/*.test.ts', 'test/**/*.test.ts'];

let plane: Awaited<ReturnType<typeof startSharedControlPlane>> | undefined;
// A plane another runner already shares (OPERON_TEST_CONTROL_PLANE names its folder) is reused.
const existing = process.env[SHARED_PLANE_ENV];
if (!unitOnly && existing) {
  process.stderr.write(`[test] using the shared control plane in ${existing} (${SHARED_PLANE_ENV})\n`);
} else if (!unitOnly) {
  await installBinaries({ onProgress: printProgress });
  const started = Date.now();
  plane = await startSharedControlPlane({
    components: ['kube-controller-manager', 'kube-scheduler', 'kwok'],
  });
  process.stderr.write(
    `[test] shared control plane up in ${Date.now() - started} ms at ${plane.server} (${plane.dir})\n`,
  );
}

const child = spawn(
  process.execPath,
  ['--conditions=operon:source', '--test', '--test-timeout=300000', ...patterns],
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

if (plane) {
  if (code !== 0)
    process.stderr.write(
      `\n[test] tests failed; the shared control plane's logs:\n${await componentLogs(plane.dir)}\n`,
    );
  await plane.stop();
}
process.exitCode = code;
