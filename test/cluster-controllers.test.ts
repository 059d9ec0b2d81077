import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type Client, createClient, Job, loadKubeconfig } from 'operon/client';
import { eventually, startControlPlane } from 'operon/testing';
import { clusterDown, clusterUp } from '../src/testing/cluster.ts';
import { controllersFlag } from '../src/testing/control-plane.ts';

/** Creates a one-Pod Job and resolves once the Job controller marks it Complete. */
async function jobCompletes(client: Client, namespace: string): Promise<void> {
  await client.create(Job, {
    metadata: { name: 'once', namespace },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'example.com/job:1' }] },
      },
    },
  });
  const done = await eventually(
    'the Job completes',
    async () => {
      const job = await client.get(Job, 'once', { namespace });
      return job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') && job;
    },
    120_000,
  );
  assert.equal(done.status?.succeeded, 1);
}

describe('the controllers a plane runs', () => {
  it('keeps the minimal set by default and checks a controllers option before starting anything', () => {
    assert.equal(
      controllersFlag(undefined),
      'garbage-collector-controller,deployment-controller,replicaset-controller,namespace-controller',
    );
    assert.equal(controllersFlag('minimal'), controllersFlag(undefined));
    assert.equal(controllersFlag('all'), '*');
    assert.equal(controllersFlag(['*', '-node-lifecycle-controller']), '*,-node-lifecycle-controller');
    assert.throws(() => controllersFlag([]), /non-empty list/);
    assert.throws(() => controllersFlag(['job controller']), /non-empty list/);
    assert.throws(() => controllersFlag('everything' as never), /'minimal', 'all'/);
  });

  it('completes a Job on kwok nodes with the full controller set', async () => {
    await using plane = await startControlPlane({
      components: ['kube-controller-manager', 'kwok'],
      controllers: 'all',
      nodes: 1,
    });
    const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
    try {
      await using ns = await plane.createNamespace('jobs');
      await jobCompletes(client, ns.name);
    } finally {
      await client.close();
    }
  });

  it('runs the full set in `operon cluster`, so its Jobs complete', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'operon-cluster-jobs-'));
    try {
      const { plane } = await clusterUp({ dir, nodes: 1 });
      const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
      try {
        await jobCompletes(client, 'default');
      } finally {
        await client.close();
        await plane.stop();
      }
    } finally {
      await clusterDown({ dir });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
