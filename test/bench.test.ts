import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BENCH_TIMEOUT_MS, runBench } from './support/bench-run.ts';

describe('npm run bench -- --quick (the operator section)', () => {
  // Its own timeout, above the runner's 5 minutes: on a new clone it builds every peer first.
  it('builds or installs every peer from its registry and measures every contender, each checked correct', {
    timeout: BENCH_TIMEOUT_MS,
  }, async () => {
    const { code, stdout, stderr } = await runBench(['--quick', '--sections=operator']);
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
