import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BENCH_TIMEOUT_MS, runBench } from './support/bench-run.ts';

describe('npm run bench -- --sections=webhook --quick', () => {
  // Its own timeout, above the runner's 5 minutes: on a new clone it builds the controller-runtime peer first.
  it('builds the controller-runtime webhook and measures every path, each row with all its figures', {
    timeout: BENCH_TIMEOUT_MS,
  }, async () => {
    const { code, stdout, stderr } = await runBench(['--quick', '--sections=webhook']);
    assert.equal(code, 0, stderr.slice(-3000));
    assert.ok(stdout.includes('## Admission webhook round trip'), stdout);
    assert.ok(stdout.includes('| Path | p50 ms | p99 ms | creates/s |'), stdout);
    for (const path of [
      'no webhook (API server alone)',
      'Operon validating webhook',
      'controller-runtime validating webhook',
    ]) {
      const rows = stdout.split('\n').filter((l) => l.startsWith(`| ${path} |`));
      assert.equal(rows.length, 1, `one row for ${path}`);
      const row = rows[0]!;
      assert.doesNotMatch(row, /FAILED/, row);
      const cells = row
        .split('|')
        .slice(2, -1)
        .map((c) => c.trim());
      assert.equal(cells.length, 3, row);
      for (const cell of cells) {
        assert.match(cell, /^\d+(\.\d+)?$/, `${path}: a figure in every column (${row})`);
        assert.ok(Number(cell) > 0, row);
      }
    }
    // The Operon row measured its webhook: it answered at least every create of the run.
    const sizes = /latency over (\d+) sequential requests, throughput over (\d+) with/.exec(stdout);
    const answered = /The Operon webhook answered (\d+) reviews/.exec(stdout);
    assert.ok(sizes && answered, stdout);
    assert.ok(Number(answered[1]) >= Number(sizes[1]) + Number(sizes[2]), answered[0]);
    assert.match(stdout, /the controller-runtime one \(v\d+\.\d+\.\d+, admission\.WithValidator\)/);
  });
});
