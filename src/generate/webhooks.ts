/**
 * Webhook manifests from an operator's `webhooks`: `webhookManifests()` gives the Validating and
 * Mutating WebhookConfigurations, the Service in front of the webhook server, the RBAC its
 * certificate rotator needs (by resourceNames), and in cert-manager mode an Issuer and a
 * Certificate instead; `crdWithConversion()` the CRD with its conversion stanza.
 */

import type { Operator } from '../manager/operator.ts';
import type { CustomResourceDefinitionManifest } from '../resource/define-resource.ts';
import type { AdmissionWebhookInfo, ResourceWebhooks } from '../webhook/define-webhooks.ts';

export type Manifest = Record<string, unknown>;

export interface WebhookManifestOptions {
  /**
   * `self-signed` (default): the operator keeps its certificates in a Secret and injects the CA
   * itself (it gets RBAC for exactly those objects). `cert-manager`: a Certificate from a
   * self-signed Issuer, mounted into the pod, and cert-manager's CA injector fills caBundle.
   */
  certificates?: 'self-signed' | 'cert-manager';
}

/** Where the cert-manager Secret is mounted in the operator's container (`OPERON_WEBHOOK_CERT_DIR`). */
export const WEBHOOK_CERT_DIR = '/tmp/k8s-webhook-server/serving-certs';

/** What the operator's Deployment needs for its webhooks: a port, and in cert-manager mode the mounted Secret. */
export function webhookDeploymentParts(operator: Operator): {
  ports: Manifest[];
  env: Manifest[];
  volumes: Manifest[];
  volumeMounts: Manifest[];
} {
  const d = operator.definition;
  if (!d.webhooks?.length) return { ports: [], env: [], volumes: [], volumeMounts: [] };
  const ports = [{ name: 'webhook', containerPort: 9443, protocol: 'TCP' }];
  if (d.webhookCertificates !== 'cert-manager') return { ports, env: [], volumes: [], volumeMounts: [] };
  return {
    ports,
    env: [{ name: 'OPERON_WEBHOOK_CERT_DIR', value: WEBHOOK_CERT_DIR }],
    volumes: [{ name: 'webhook-cert', secret: { secretName: webhookNames(operator).secret } }],
    volumeMounts: [{ name: 'webhook-cert', mountPath: WEBHOOK_CERT_DIR, readOnly: true }],
  };
}

/** The names the webhook objects of `operator` get; the operator's runtime uses the same ones. */
export function webhookNames(operator: Operator) {
  const d = operator.definition;
  return {
    service: `${d.name}-webhook`,
    secret: `${d.name}-webhook-cert`,
    configuration: d.name,
    certificate: `${d.name}-serving-cert`,
    issuer: `${d.name}-selfsigned`,
    /** The serving certificate's DNS names: what the API server dials for a Service reference. */
    hosts: [`${d.name}-webhook.${d.namespace}.svc`, `${d.name}-webhook.${d.namespace}.svc.cluster.local`],
  };
}

const crdName = (w: ResourceWebhooks) => `${w.resource.plural}.${w.resource.group}`;

/** The CRD of `resource` with `spec.conversion` pointing at the operator's webhook Service, when it converts. */
export function crdWithConversion(
  operator: Operator,
  crd: CustomResourceDefinitionManifest,
  options: WebhookManifestOptions = {},
): CustomResourceDefinitionManifest {
  const d = operator.definition;
  const w = (d.webhooks ?? []).find((h) => h.converter && crdName(h) === crd.metadata.name);
  if (!w?.conversionPath) return crd;
  const names = webhookNames(operator);
  const certManager = (options.certificates ?? d.webhookCertificates) === 'cert-manager';
  return {
    ...crd,
    metadata: {
      ...crd.metadata,
      ...(certManager
        ? {
            annotations: {
              ...crd.metadata.annotations,
              'cert-manager.io/inject-ca-from': `${d.namespace}/${names.certificate}`,
            },
          }
        : {}),
    },
    spec: {
      ...crd.spec,
      conversion: {
        strategy: 'Webhook',
        webhook: {
          clientConfig: {
            service: { namespace: d.namespace, name: names.service, path: w.conversionPath, port: 443 },
          },
          conversionReviewVersions: ['v1'],
        },
      },
    },
  };
}

function webhookEntry(
  operator: Operator,
  w: ResourceWebhooks,
  info: AdmissionWebhookInfo,
  mutating: boolean,
) {
  const d = operator.definition;
  return {
    name: info.name,
    clientConfig: {
      service: { namespace: d.namespace, name: webhookNames(operator).service, path: info.path, port: 443 },
    },
    rules: [
      {
        apiGroups: [w.resource.group],
        apiVersions: [w.admissionVersion],
        operations: [...info.operations],
        resources: [w.resource.plural],
        scope: w.resource.namespaced ? 'Namespaced' : 'Cluster',
      },
    ],
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: info.failurePolicy,
    timeoutSeconds: info.timeoutSeconds,
    matchPolicy: 'Equivalent',
    ...(mutating ? { reinvocationPolicy: info.reinvocationPolicy } : {}),
    // Never admit the operator's own namespace: its pods must start even when the webhook is down.
    namespaceSelector: {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [d.namespace] }],
    },
  };
}

/** Every webhook object of `operator`; empty when it has no webhooks. */
export function webhookManifests(operator: Operator, options: WebhookManifestOptions = {}): Manifest[] {
  const d = operator.definition;
  const hooks = d.webhooks ?? [];
  if (hooks.length === 0) return [];
  const names = webhookNames(operator);
  const certManager = (options.certificates ?? d.webhookCertificates) === 'cert-manager';
  const labels = { 'app.kubernetes.io/name': d.name, 'app.kubernetes.io/component': 'operator' };
  const inject = certManager
    ? { annotations: { 'cert-manager.io/inject-ca-from': `${d.namespace}/${names.certificate}` } }
    : {};
  const out: Manifest[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: names.service, namespace: d.namespace, labels },
      spec: {
        selector: labels,
        ports: [{ name: 'webhook', port: 443, targetPort: 'webhook', protocol: 'TCP' }],
      },
    },
  ];
  const validating = hooks.filter((w) => w.validating);
  const mutating = hooks.filter((w) => w.mutating);
  if (validating.length > 0) {
    out.push({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: names.configuration, ...inject },
      webhooks: validating.map((w) => webhookEntry(operator, w, w.validating!, false)),
    });
  }
  if (mutating.length > 0) {
    out.push({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: names.configuration, ...inject },
      webhooks: mutating.map((w) => webhookEntry(operator, w, w.mutating!, true)),
    });
  }
  if (certManager) {
    out.push(
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Issuer',
        metadata: { name: names.issuer, namespace: d.namespace },
        spec: { selfSigned: {} },
      },
      {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: names.certificate, namespace: d.namespace },
        spec: {
          dnsNames: names.hosts,
          issuerRef: { kind: 'Issuer', name: names.issuer },
          secretName: names.secret,
        },
      },
    );
    return out;
  }
  // Self-signed: RBAC for exactly the objects the rotator reads and writes.
  const converting = hooks.filter((w) => w.converter).map(crdName);
  const clusterRules = [
    ...(validating.length
      ? [
          {
            apiGroups: ['admissionregistration.k8s.io'],
            resources: ['validatingwebhookconfigurations'],
            resourceNames: [names.configuration],
            verbs: ['get', 'update'],
          },
        ]
      : []),
    ...(mutating.length
      ? [
          {
            apiGroups: ['admissionregistration.k8s.io'],
            resources: ['mutatingwebhookconfigurations'],
            resourceNames: [names.configuration],
            verbs: ['get', 'update'],
          },
        ]
      : []),
    ...(converting.length
      ? [
          {
            apiGroups: ['apiextensions.k8s.io'],
            resources: ['customresourcedefinitions'],
            resourceNames: converting.sort(),
            verbs: ['get', 'update'],
          },
        ]
      : []),
  ];
  const role = `${d.name}-webhook-certs`;
  const subjects = [{ kind: 'ServiceAccount', name: d.name, namespace: d.namespace }];
  out.push(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: role, namespace: d.namespace },
      rules: [
        // create cannot be limited by resourceNames (the name is not known before the request).
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: [names.secret], verbs: ['get', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: role, namespace: d.namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects,
    },
  );
  if (clusterRules.length > 0) {
    out.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: role },
        rules: clusterRules,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects,
      },
    );
  }
  return out;
}
