import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('npm run bench -- --quick (the operator section)', () => {
  // Its own timeout, above the runner's 5 minutes: on a new clone it builds every peer first.
  it('builds or installs every peer from its registry and measures every contender, each checked correct', {
    timeout: 1_200_000,
  }, async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['--conditions=operon:source', 'bench/run.ts', '--quick', '--sections=operator'],
          { cwd: ROOT, timeout: 1_200_000, maxBuffer: 64 * 1024 * 1024 },
          (err, out, errOut) =>
            resolve({
              code: err ? Number((err as { code?: number }).code ?? 1) : 0,
              stdout: out,
              stderr: errOut,
            }),
        );
      },
    );
    assert.equal(code, 0, stderr.slice(-3000));
    for (const heading of ['#### Converge', '#### Latency', '#### Cache'])
      assert.ok(stdout.includes(heading), heading);
    for (const contender of [
      'controller-runtime',
      'Operon',
      'kopf',
      '@kubernetes/client-node',
      '@dot-i/k8s-operator',
      'ceiling',
    ]) {
      const rows = stdout.split('\n').filter((l) => l.startsWith(`| ${contender}`));
      assert.ok(rows.length >= 2, `${contender} has rows`);
      for (const row of rows) assert.doesNotMatch(row, /FAILED/, row);
    }
  });
});
