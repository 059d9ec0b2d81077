import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { diffCensus, diffSnapshots, heapCensus } from '../bench/heap-diff.ts';
import { HEAP_SLOPE_LIMIT, heapVerdict, linearFit, longestStall } from '../bench/soak.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MiB = 1024 * 1024;

/** `n` samples `every` seconds apart, heap from `heapAt(seconds)`. */
const series = (n: number, every: number, heapAt: (s: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ at: i * every, heap: heapAt(i * every) }));

describe('the soak heap verdict', () => {
  it('fits a line through points exactly', () => {
    const { slope, intercept } = linearFit([
      [0, 3],
      [1, 5],
      [2, 7],
    ]);
    assert.equal(slope, 2);
    assert.equal(intercept, 3);
  });

  it('calls a noisy but stationary heap flat, and a heap growing at twice the limit not flat', () => {
    // Deterministic noise of +-1 MiB around 40 MiB: large swings, no trend.
    const noisy = series(60, 10, (s) => 40 * MiB + (((s * 7919) % 13) - 6) * (MiB / 6));
    const flat = heapVerdict(noisy, 60);
    assert.ok(flat.flat, flat.why);
    const growing = series(60, 10, (s) => 40 * MiB + (2 * HEAP_SLOPE_LIMIT * s) / 60);
    const leak = heapVerdict(growing, 60);
    assert.equal(leak.flat, false, leak.why);
    assert.ok(Math.abs(leak.slope - 2 * HEAP_SLOPE_LIMIT) < 1, `slope ${leak.slope}`);
  });

  it('leaves the warm-up out: a heap that grows while warming up and then stays is flat', () => {
    const samples = series(60, 10, (s) => (s < 120 ? 20 * MiB + s * 100_000 : 32 * MiB));
    assert.equal(heapVerdict(samples, 0).flat, false, 'judged from the start it grows');
    assert.ok(heapVerdict(samples, 120).flat, 'after warm-up it is flat');
  });

  it('gives no verdict (not flat) from fewer than 5 samples after warm-up', () => {
    const v = heapVerdict(
      series(10, 10, () => 30 * MiB),
      60,
    );
    assert.equal(v.samples, 4);
    assert.equal(v.flat, false);
    assert.match(v.why, /too few samples/);
  });
});

describe('the soak stall finder', () => {
  it('finds the longest run of samples with no new reconcile, and none when the count always moves', () => {
    const at = (pairs: Array<[number, number]>) => pairs.map(([t, reconciles]) => ({ at: t, reconciles }));
    const stall = longestStall(
      at([
        [0, 1],
        [10, 1],
        [20, 5],
        [30, 5],
        [40, 5],
        [50, 5],
        [60, 9],
      ]),
    );
    assert.deepEqual(stall && { seconds: stall.seconds, from: stall.from.at, to: stall.to.at }, {
      seconds: 30,
      from: 20,
      to: 50,
    });
    assert.equal(
      longestStall(
        at([
          [0, 1],
          [10, 2],
          [20, 3],
        ]),
      ),
      undefined,
    );
  });
});

describe('the heap snapshot diff', () => {
  it('names the constructor whose instances were added between two snapshots, with their count', () => {
    const dir = mkdtempSync(join(tmpdir(), 'operon-heap-diff-'));
    try {
      class SoakDiffMarker {
        readonly n: number;
        constructor(n: number) {
          this.n = n;
        }
      }
      const before = writeHeapSnapshot(join(dir, 'before.heapsnapshot'));
      const kept = Array.from({ length: 5000 }, (_, i) => new SoakDiffMarker(i));
      const after = writeHeapSnapshot(join(dir, 'after.heapsnapshot'));
      const growth = diffSnapshots(before, after);
      const marker = growth.find((g) => g.key === 'object SoakDiffMarker');
      assert.ok(
        marker,
        `no SoakDiffMarker group in ${growth
          .slice(0, 5)
          .map((g) => g.key)
          .join(', ')}`,
      );
      assert.equal(marker.count, kept.length);
      assert.ok(marker.bytes >= kept.length * 12, `${marker.bytes} bytes for ${kept.length} objects`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('orders groups by bytes grown and counts shrinking groups as negative', () => {
    const growth = diffCensus(
      new Map([
        ['object A', { count: 10, bytes: 100 }],
        ['object B', { count: 1, bytes: 10 }],
      ]),
      new Map([
        ['object A', { count: 2, bytes: 20 }],
        ['object C', { count: 3, bytes: 300 }],
      ]),
    );
    assert.deepEqual(growth, [
      { key: 'object C', count: 3, bytes: 300 },
      { key: 'object B', count: -1, bytes: -10 },
      { key: 'object A', count: -8, bytes: -80 },
    ]);
  });

  it('rejects a file that is not a heap snapshot', () => {
    assert.throws(
      () =>
        heapCensus(
          JSON.stringify({
            snapshot: { meta: { node_fields: [], node_types: [[]] } },
            nodes: [],
            strings: [],
          }),
        ),
      /not a V8 heap snapshot/,
    );
  });
});

describe('npm run bench -- --sections=soak --soak-minutes=2', () => {
  it('churns the WebApp operator through faults and ends converged, with no lost event, the cache equal to a LIST, and a flat heap', async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          process.execPath,
          ['--conditions=operon:source', 'bench/run.ts', '--sections=soak', '--soak-minutes=2'],
          { cwd: ROOT, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
          (err, out, errOut) =>
            resolve({
              code: err ? Number((err as { code?: number }).code ?? 1) : 0,
              stdout: out,
              stderr: errOut,
            }),
        );
      },
    );
    const verdict = /^Soak verdict: (.*)$/m.exec(stdout)?.[1];
    assert.ok(verdict, `a verdict line; stdout: ${stdout.slice(-2000)}; stderr: ${stderr.slice(-2000)}`);
    assert.match(verdict, /converged=yes/, stdout);
    assert.match(verdict, /lost-events=0 /, stdout);
    assert.match(verdict, /heap=flat/, stdout);
    assert.match(verdict, /write-failures=0 /, stdout);
    assert.match(verdict, /leaked-handles=0 /, stdout);
    assert.match(stdout, /cache == fresh LIST: yes \([1-9]\d* objects\)/);
    // The run did churn and fault: figures that are zero only when nothing happened.
    assert.match(stdout, /: [1-9]\d* created, [1-9]\d* updated, [1-9]\d* deleted\./);
    assert.match(stdout, /[1-9]\d* connections cut in all/);
    assert.equal(code, 0, stderr.slice(-3000));
  });
});
