import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=operon:source', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 400_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run demo', () => {
  it('--once brings up the cluster, runs the operator and exits 0 when every sample is Available', async () => {
    const state = await mkdtemp(join(tmpdir(), 'operon-demo-test-'));
    const env = { XDG_STATE_HOME: state };
    try {
      const res = await run(['scripts/demo.ts', '--once'], env);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stderr, /every sample is Available after/);
      assert.match(res.stdout, /hello\s+nginx:1\.27\s+2\s+2\s+True\s+False\s+False/);
      assert.match(res.stdout, /api\s+ghcr\.io\/example\/api:1\.4\.2\s+3\s+3\s+True/);
      assert.match(res.stdout, /kubectl scale wa\/hello/);
      // Metrics and the live view, read the way the demo asked for them (plain HTTP, loopback).
      assert.match(
        res.stderr,
        /metrics over plain HTTP \(asked for: metricsSecure false\): 200, controller_runtime_reconcile_total\{controller="webapp",result="success"\} [1-9]\d*/,
      );
      assert.match(res.stderr, /live view on loopback: 200, phase \w+, webapp reconciles [1-9]\d*/);
      // The webhooks: a create denied by the registry allow-list, a defaulted field, both versions.
      assert.match(
        res.stdout,
        /denied create: intruder .*denied the request: spec\.image: image "evil\.example\.com\/miner:1" is not from an allowed registry/,
      );
      assert.match(
        res.stdout,
        /defaulted field: hello spec\.resources\.requests = \{"cpu":"100m","memory":"128Mi"\}/,
      );
      for (const version of ['v1alpha1', 'v1']) {
        const listed = new RegExp(
          `\\$ kubectl get webapps\\.${version}\\.example\\.operon\\.dev -n demo\\n\\s+NAME.*\\n\\s+api\\b.*\\n\\s+hello\\b`,
        );
        assert.match(res.stdout, listed, `every WebApp at ${version}`);
      }
    } finally {
      const down = await run(['src/cli/main.ts', 'cluster', 'down'], env);
      assert.equal(down.code, 0, down.stderr);
      await rm(state, { recursive: true, force: true });
    }
  });
});
