/**
 * Deployment manifests for an operator: `generateManifests()` writes its CRDs, RBAC, a Namespace,
 * a hardened Deployment (probes, metrics port, requests, non-root, read-only root filesystem) and
 * a kustomization, as YAML files whose bytes depend only on the definition.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Operator } from '../manager/operator.ts';
import { rbacManifests } from './rbac.ts';
import { crdWithConversion, webhookDeploymentParts, webhookManifests } from './webhooks.ts';

export type GenerateWhat = 'crds' | 'rbac' | 'manifests';

export interface GeneratedFile {
  /** Relative to the output folder. */
  path: string;
  content: string;
}

function yaml(docs: ReadonlyArray<Record<string, unknown>>): string {
  return docs.map((d) => stringify(d, { lineWidth: 0, sortMapEntries: false })).join('---\n');
}

/** The CRD files, one per resource. */
export function crdFiles(operator: Operator): GeneratedFile[] {
  return (operator.definition.resources ?? [])
    .map((r) => crdWithConversion(operator, r.crd()))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((crd) => ({
      path: `crds/${crd.metadata.name}.yaml`,
      content: yaml([crd as unknown as Record<string, unknown>]),
    }));
}

export function rbacFiles(operator: Operator): GeneratedFile[] {
  const d = operator.definition;
  return [
    {
      path: 'rbac/rbac.yaml',
      content: yaml(
        rbacManifests({
          name: d.name,
          namespace: d.namespace,
          watchNamespace: d.watchNamespace,
          leaderElection: d.leaderElection,
          controllers: d.controllers,
        }),
      ),
    },
  ];
}

export function deploymentFiles(operator: Operator): GeneratedFile[] {
  const d = operator.definition;
  const labels = { 'app.kubernetes.io/name': d.name, 'app.kubernetes.io/component': 'operator' };
  const hook = webhookDeploymentParts(operator);
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: d.name, namespace: d.namespace, labels },
    spec: {
      replicas: d.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: d.name,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          terminationGracePeriodSeconds: 40,
          ...(hook.volumes.length ? { volumes: hook.volumes } : {}),
          containers: [
            {
              name: 'operator',
              image: d.image,
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'OPERON_LOG_LEVEL', value: 'info' },
                ...hook.env,
              ],
              ...(hook.volumeMounts.length ? { volumeMounts: hook.volumeMounts } : {}),
              ports: [
                { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
                { name: 'health', containerPort: 8081, protocol: 'TCP' },
                ...hook.ports,
              ],
              livenessProbe: {
                httpGet: { path: '/healthz', port: 'health' },
                initialDelaySeconds: 15,
                periodSeconds: 20,
              },
              readinessProbe: {
                httpGet: { path: '/readyz', port: 'health' },
                initialDelaySeconds: 5,
                periodSeconds: 10,
              },
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: 65532,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
  return [
    {
      path: 'manager/namespace.yaml',
      content: yaml([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: d.namespace } }]),
    },
    { path: 'manager/deployment.yaml', content: yaml([deployment]) },
  ];
}

/** Every file of `what`; `manifests` is all of them plus a kustomization.yaml. */
export function generateFiles(operator: Operator, what: GenerateWhat): GeneratedFile[] {
  if (what === 'crds') return crdFiles(operator);
  if (what === 'rbac') return rbacFiles(operator);
  const webhooks = webhookManifests(operator);
  const files = [
    ...crdFiles(operator),
    ...rbacFiles(operator),
    ...deploymentFiles(operator),
    ...(webhooks.length ? [{ path: 'webhook/webhooks.yaml', content: yaml(webhooks) }] : []),
  ];
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: files.map((f) => f.path),
  };
  return [...files, { path: 'kustomization.yaml', content: yaml([kustomization]) }];
}

/** Writes the files under `outDir`; returns their paths. */
export async function writeFiles(outDir: string, files: readonly GeneratedFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const f of files) {
    const path = join(outDir, f.path);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, f.content);
    written.push(path);
  }
  return written;
}
