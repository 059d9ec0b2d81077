/**
 * Runs `npm run bench` with some arguments, as the bench tests do: in a child process from the
 * repository's root, with a 20-minute limit (a new clone builds the peers first).
 */

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Above the test runner's 5 minutes: on a new clone the bench builds or installs its peers first. */
export const BENCH_TIMEOUT_MS = 1_200_000;

export function runBench(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=operon:source', 'bench/run.ts', ...args],
      { cwd: ROOT, timeout: BENCH_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
