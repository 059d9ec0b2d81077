import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually } from 'operon/testing';

const LAUNCHER = fileURLToPath(new URL('./fixtures/bench-launcher.ts', import.meta.url));

/** Whether `pid` still runs: absent, or a zombie nobody reaped yet, is gone. */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('bench contenders', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`go when ${signal} ends the bench, even one that ignores its stdin and SIGTERM`, async () => {
      const bench = spawn(process.execPath, ['--conditions=operon:source', LAUNCHER], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(bench.stdout!, 'data')) as [Buffer];
      const pid = Number(line.toString().trim());
      assert.ok(Number.isInteger(pid) && pid > 0, `a contender pid, got ${line}`);
      assert.equal(running(pid), true, 'the contender runs');
      const exited = once(bench, 'exit');
      bench.kill(signal);
      const [code, by] = (await exited) as [number | null, NodeJS.Signals | null];
      assert.deepEqual([code, by], [null, signal], 'the bench ends by the signal, as without the handler');
      await eventually('the contender is gone', () => !running(pid));
    });
  }
});
