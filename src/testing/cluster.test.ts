import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { clusterUp } from './cluster.ts';

describe('operon cluster up', () => {
  it('refuses to start a cluster with another Kubernetes minor than it was created with, saying how to go on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'operon-cluster-version-'));
    try {
      writeFileSync(join(dir, 'kubernetes-version'), '1.35\n');
      await assert.rejects(clusterUp({ dir, version: '1.37', env: {} }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'OPERON_INVALID_ARGUMENT');
        assert.match(err.message, /created with Kubernetes 1\.35, not 1\.37/);
        assert.match(err.message, /--version 1\.35/);
        return true;
      });
      // The same from the environment variable.
      await assert.rejects(clusterUp({ dir, env: { OPERON_K8S_VERSION: '1.36' } }), /not 1\.36/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
