import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Client, createClient, isInvalid, loadKubeconfig } from 'operon/client';
import { defineResource, k8s, Type } from 'operon/resource';
import { type ControlPlane, useControlPlane } from 'operon/testing';

// A CronJob-like resource that embeds built-in types, as the kubebuilder book's CronJob does.
const Backup = defineResource({
  group: 'embedded-types-test.operon.dev',
  kind: 'Backup',
  versions: {
    v1: {
      spec: Type.Object({
        schedule: Type.String(),
        jobTemplate: k8s.JobTemplateSpec,
        tolerations: Type.Optional(Type.Array(k8s.Toleration)),
        selector: Type.Optional(k8s.LabelSelector),
      }),
    },
  },
});

let plane: ControlPlane;
let client: Client;
before(async () => {
  plane = await useControlPlane({ crds: [Backup.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

describe('built-in schemas embedded in a custom resource', () => {
  it('makes a CRD the API server takes, keeping every field of an embedded JobTemplateSpec', async () => {
    await using ns = await plane.createNamespace('builtin-schemas');
    const jobTemplate = {
      metadata: { labels: { app: 'backup' } },
      spec: {
        backoffLimit: 2,
        template: {
          metadata: { annotations: { note: 'kept' } },
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'dump',
                image: 'example.com/dump:1',
                args: ['--all'],
                env: [{ name: 'TARGET', valueFrom: { secretKeyRef: { name: 's3', key: 'url' } } }],
                ports: [{ containerPort: 8080 }],
                resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: 1 } },
                readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
              },
            ],
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'backup', effect: 'NoSchedule' }],
          },
        },
      },
    };
    const created = await client.create(Backup, {
      metadata: { name: 'nightly', namespace: ns.name },
      spec: { schedule: '0 3 * * *', jobTemplate, selector: { matchLabels: { app: 'backup' } } },
    } as never);
    const spec = (created as unknown as { spec: { jobTemplate: typeof jobTemplate } }).spec;
    const container = spec.jobTemplate.spec.template.spec.containers[0]!;
    assert.deepEqual(
      spec.jobTemplate.metadata,
      { labels: { app: 'backup' } },
      'template labels are not pruned',
    );
    assert.deepEqual(spec.jobTemplate.spec.template.metadata, { annotations: { note: 'kept' } });
    assert.deepEqual(container.resources, { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: 1 } });
    assert.deepEqual(container.env, jobTemplate.spec.template.spec.containers[0]!.env);
    assert.equal(container.readinessProbe.httpGet.port, 'http');
    assert.equal(container.ports[0]!.containerPort, 8080);
    assert.equal(spec.jobTemplate.spec.template.spec.tolerations[0]!.key, 'dedicated');

    // The built-in schema validates: a container without a name is refused.
    const bad = structuredClone(jobTemplate) as {
      spec: { template: { spec: { containers: Array<{ name?: string }> } } };
    };
    delete bad.spec.template.spec.containers[0]!.name;
    await assert.rejects(
      client.create(Backup, {
        metadata: { name: 'bad', namespace: ns.name },
        spec: { schedule: '0 3 * * *', jobTemplate: bad },
      } as never),
      (err) => isInvalid(err) && /name/.test((err as Error).message),
    );
  });
});
