/**
 * Deployment manifests for an operator: `generateFiles()` writes its CRDs, RBAC, a Namespace, a
 * hardened Deployment (probes, HTTPS metrics port, requests, non-root, read-only root filesystem),
 * the metrics Service, optionally a NetworkPolicy, and a kustomization, as YAML files whose bytes
 * depend only on the definition and the options.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ErrorCode, OperonError } from '../errors.ts';
import { DEFAULT_GRACEFUL_SHUTDOWN_MS, STOP_MARGIN_MS } from '../manager/lifecycle.ts';
import type { Operator } from '../manager/operator.ts';
import { rbacManifests } from './rbac.ts';
import { crdWithConversion, webhookDeploymentParts, webhookManifests } from './webhooks.ts';

export type GenerateWhat = 'crds' | 'rbac' | 'manifests';

export interface GenerateOptions {
  /** The operator's image; overrides the definition's `image`. Required (here or there) for `manifests`. */
  image?: string;
  /**
   * Also write a NetworkPolicy that lets only pods in namespaces labelled `metrics: enabled` reach
   * the metrics port, and anyone the webhook port when the operator serves webhooks (the API server
   * is no pod); nothing else reaches the pod. Default false: it needs a CNI that enforces
   * NetworkPolicy, and blocks any other port until allowed.
   */
  networkPolicy?: boolean;
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * Checks an image reference for a Deployment: pinned by digest (`name@sha256:...`) or with a tag
 * that is not `latest`. Returns it, or throws `InvalidArgument` saying how to set one.
 */
export function checkImage(image: string | undefined, where = 'the operator'): string {
  const how =
    'Pass --image REGISTRY/NAME:VERSION (or NAME@sha256:DIGEST) to operon generate manifests, or set image in defineOperator().';
  if (image === undefined || image.trim() === '') {
    throw new OperonError(ErrorCode.InvalidArgument, `${where} has no image for its Deployment. ${how}`);
  }
  if (/\s/.test(image)) {
    throw new OperonError(ErrorCode.InvalidArgument, `"${image}" is not an image reference. ${how}`);
  }
  if (DIGEST.test(image)) return image;
  if (image.includes('@')) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `"${image}" has a digest that is not sha256 with 64 hex digits. ${how}`,
    );
  }
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : undefined;
  if (tag === undefined || tag === 'latest') {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `The image "${image}" ${tag === undefined ? 'has no tag, which means :latest' : 'is :latest'}: a Deployment ` +
        'would run whatever that points to when a node pulls it. Use a version tag or a digest. ' +
        how,
    );
  }
  return image;
}

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
  const secureMetrics = d.manager?.metricsSecure !== false;
  return [
    {
      path: 'rbac/rbac.yaml',
      content: yaml(
        rbacManifests({
          name: d.name,
          namespace: d.namespace,
          watchNamespace: d.watchNamespace,
          watchNamespaces: d.manager?.namespaces,
          leaderElection: d.leaderElection,
          controllers: d.controllers,
          secureMetrics,
          extra: (d.webhooks ?? [])
            .filter((w) => w.permissions?.length)
            .map((w) => ({ name: `The webhooks of ${w.resource.kind}`, permissions: w.permissions! })),
        }),
      ),
    },
  ];
}

/** Seconds past the manager's shutdown bound for the process to exit before the kubelet kills it. */
const EXIT_SLACK_SECONDS = 8;

/**
 * The pod's terminationGracePeriodSeconds: the manager stops within its grace period plus
 * `STOP_MARGIN_MS` (the webhook server drains inside that, after the controllers), then exits;
 * 40 s for the default 30 s grace, more when `manager.gracefulShutdownMs` asks for more.
 */
function terminationGraceSeconds(gracefulShutdownMs = DEFAULT_GRACEFUL_SHUTDOWN_MS): number {
  return Math.ceil((gracefulShutdownMs + STOP_MARGIN_MS) / 1000) + EXIT_SLACK_SECONDS;
}

export function deploymentFiles(operator: Operator, options: GenerateOptions = {}): GeneratedFile[] {
  const d = operator.definition;
  const image = checkImage(options.image ?? d.image, `Operator "${d.name}"`);
  const secureMetrics = d.manager?.metricsSecure !== false;
  const metricsPort = secureMetrics ? 8443 : 8080;
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
          terminationGracePeriodSeconds: terminationGraceSeconds(d.manager?.gracefulShutdownMs),
          ...(hook.volumes.length ? { volumes: hook.volumes } : {}),
          containers: [
            {
              name: 'operator',
              image,
              imagePullPolicy: 'IfNotPresent',
              env: [
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'OPERON_LOG_LEVEL', value: 'info' },
                ...hook.env,
              ],
              ...(hook.volumeMounts.length ? { volumeMounts: hook.volumeMounts } : {}),
              ports: [
                { name: 'metrics', containerPort: metricsPort, protocol: 'TCP' },
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
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${d.name}-metrics`, namespace: d.namespace, labels },
    spec: {
      selector: labels,
      ports: [
        {
          name: secureMetrics ? 'https' : 'http',
          port: metricsPort,
          targetPort: 'metrics',
          protocol: 'TCP',
        },
      ],
    },
  };
  const files: GeneratedFile[] = [
    {
      path: 'manager/namespace.yaml',
      content: yaml([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: d.namespace } }]),
    },
    { path: 'manager/deployment.yaml', content: yaml([deployment]) },
    { path: 'manager/metrics-service.yaml', content: yaml([service]) },
  ];
  if (options.networkPolicy) {
    const policy = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: `${d.name}-allow-metrics`, namespace: d.namespace, labels },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress'],
        ingress: [
          {
            // Label the namespace Prometheus runs in: kubectl label namespace monitoring metrics=enabled
            from: [{ namespaceSelector: { matchLabels: { metrics: 'enabled' } } }],
            ports: [{ port: metricsPort, protocol: 'TCP' }],
          },
          // The webhook port from any source: the API server calls it, from the control plane's
          // nodes or from outside the cluster (managed control planes), which no pod or namespace
          // selector matches. Without this rule every admission or conversion call would time out.
          ...(hook.ports.length
            ? [{ ports: hook.ports.map((p) => ({ port: p.containerPort, protocol: p.protocol })) }]
            : []),
        ],
      },
    };
    files.push({ path: 'manager/network-policy.yaml', content: yaml([policy]) });
  }
  return files;
}

/** Every file of `what`; `manifests` is all of them plus a kustomization.yaml, and needs an image. */
export function generateFiles(
  operator: Operator,
  what: GenerateWhat,
  options: GenerateOptions = {},
): GeneratedFile[] {
  if (what === 'crds') return crdFiles(operator);
  if (what === 'rbac') return rbacFiles(operator);
  const webhooks = webhookManifests(operator);
  const files = [
    ...crdFiles(operator),
    ...rbacFiles(operator),
    ...deploymentFiles(operator, options),
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
