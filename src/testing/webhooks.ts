/**
 * Running an operator's webhooks against a local control plane: `runWebhooks(plane, webhooks)`
 * serves them on `https://127.0.0.1:PORT` (URL mode, as envtest does), installs the
 * Validating/MutatingWebhookConfigurations, points the CRDs' conversion at it, and returns once
 * the API server calls it.
 */

import { randomBytes } from 'node:crypto';
import type { Client } from '../client/client.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import { Admission, admissionRoute } from '../webhook/admission.ts';
import type { CertificatePair } from '../webhook/certs.ts';
import type { AdmissionWebhookInfo, ResourceWebhooks } from '../webhook/define-webhooks.ts';
import { createWebhookServer, type ReviewRoute, type WebhookServer } from '../webhook/server.ts';
import type { ControlPlane } from './control-plane.ts';
import { eventually } from './eventually.ts';

export interface RunWebhooksOptions {
  /** Overrides every handler's failurePolicy, e.g. to test `Ignore`. */
  failurePolicy?: 'Fail' | 'Ignore';
  /** Only call the webhooks for objects in namespaces with these labels. */
  namespaceSelector?: { matchLabels?: Record<string, string> };
  log?: Logger;
  /** Given to the handlers as `ctx.client` (for lookups such as a ConfigMap). */
  client?: Client;
  /**
   * The serving certificate and the CA bundle (PEM) that verifies it, e.g. from a
   * `createCertificateRotator()`; default a fresh CA and a certificate for 127.0.0.1.
   */
  certificate?: { caBundle: string; serving: CertificatePair };
  /** How long to wait for the API server to call the webhooks; default 60 s. */
  timeoutMs?: number;
}

/** Webhooks served for a test; dispose (or `stop()`) to remove their configurations and stop serving. */
export interface RunningWebhooks extends AsyncDisposable {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly server: WebhookServer;
  /** The CA bundle (PEM) of the configurations: it verifies the serving certificate. */
  readonly caBundle: string;
  /** The names of the ValidatingWebhookConfiguration and MutatingWebhookConfiguration installed. */
  readonly configurationName: string;
  /** Reviews answered, per path (the probe paths included). */
  readonly calls: ReadonlyMap<string, number>;
  /** Stops serving but leaves the configurations: the API server then meets a webhook that is down. */
  pause(): Promise<void>;
  stop(): Promise<void>;
}

const PROBE_LABEL = 'webhooks.operon.dev/probe';

type WebhookEntry = Record<string, unknown>;

function entry(
  info: AdmissionWebhookInfo,
  w: ResourceWebhooks,
  url: string,
  caBundle: string,
  options: RunWebhooksOptions,
  mutating: boolean,
): WebhookEntry {
  return {
    name: info.name,
    clientConfig: { url: `${url}${info.path}`, caBundle },
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
    failurePolicy: options.failurePolicy ?? info.failurePolicy,
    timeoutSeconds: info.timeoutSeconds,
    matchPolicy: 'Equivalent',
    ...(mutating ? { reinvocationPolicy: info.reinvocationPolicy } : {}),
    ...(options.namespaceSelector ? { namespaceSelector: options.namespaceSelector } : {}),
  };
}

/** A webhook on ConfigMaps carrying this run's probe label: its calls prove the configuration is live. */
function probeEntry(name: string, path: string, url: string, caBundle: string, id: string): WebhookEntry {
  return {
    name,
    clientConfig: { url: `${url}${path}`, caBundle },
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
    objectSelector: { matchLabels: { [PROBE_LABEL]: id } },
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    timeoutSeconds: 5,
  };
}

/**
 * Serves `webhooks` for the plane's API server and installs them. Resolves once the API server
 * has called the admission configurations and, for each converting resource, the conversion.
 */
export async function runWebhooks(
  plane: ControlPlane,
  webhooks: readonly ResourceWebhooks[],
  options: RunWebhooksOptions = {},
): Promise<RunningWebhooks> {
  const conn = plane.connection;
  const id = randomBytes(4).toString('hex');
  const configurationName = `operon-test-webhooks-${id}`;
  let tls = options.certificate;
  if (!tls) {
    // Loaded here, so that operon/testing users without webhooks never load the X.509 library.
    const { createSelfSignedCA, issueServingCert } = await import('../webhook/certs.ts');
    const ca = await createSelfSignedCA({ commonName: 'operon-test-webhook-ca' });
    const serving = await issueServingCert(ca, { hosts: ['127.0.0.1', 'localhost'], validityDays: 7 });
    tls = { caBundle: ca.cert, serving };
  }
  const caBundle = Buffer.from(tls.caBundle).toString('base64');
  const calls = new Map<string, number>();
  const count = (route: ReviewRoute): ReviewRoute => ({
    ...route,
    handle(request, ctx) {
      calls.set(route.path, (calls.get(route.path) ?? 0) + 1);
      return route.handle(request, ctx);
    },
  });
  const probe = (path: string) =>
    admissionRoute({
      path,
      name: path.slice(1),
      mode: 'validate',
      operations: ['CREATE'],
      timeoutSeconds: 5,
      handler: () => Admission.allow(),
    });
  const hasValidating = webhooks.some((w) => w.validating);
  const hasMutating = webhooks.some((w) => w.mutating);
  const routes = [
    ...webhooks.flatMap((w) => w.routes({ client: options.client })),
    ...(hasValidating ? [probe('/operon-probe-validating')] : []),
    ...(hasMutating ? [probe('/operon-probe-mutating')] : []),
  ].map(count);
  const server = createWebhookServer({
    routes,
    certificate: tls.serving,
    host: '127.0.0.1',
    port: 0,
    drainTimeoutMs: 5000,
    ...(options.log ? { log: options.log } : {}),
  });
  const stopServer = new AbortController();
  const serving$ = server.start(stopServer.signal);
  const address = await server.listen();
  const url = `https://${address}`;
  const patchedCrds: string[] = [];

  const cleanup = async () => {
    const tries = [
      hasValidating &&
        conn.request(
          'DELETE',
          `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${configurationName}`,
        ),
      hasMutating &&
        conn.request(
          'DELETE',
          `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${configurationName}`,
        ),
      ...patchedCrds.map((name) =>
        conn.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`, {
          body: { spec: { conversion: { strategy: 'None', webhook: null } } },
          contentType: 'application/merge-patch+json',
        }),
      ),
    ];
    await Promise.allSettled(tries.filter(Boolean));
    stopServer.abort();
    await serving$;
  };

  try {
    if (hasValidating) {
      await conn.call('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: configurationName },
        webhooks: [
          ...webhooks.flatMap((w) =>
            w.validating ? [entry(w.validating, w, url, caBundle, options, false)] : [],
          ),
          probeEntry('probe.validating.webhooks.operon.dev', '/operon-probe-validating', url, caBundle, id),
        ],
      });
    }
    if (hasMutating) {
      await conn.call('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name: configurationName },
        webhooks: [
          ...webhooks.flatMap((w) =>
            w.mutating ? [entry(w.mutating, w, url, caBundle, options, true)] : [],
          ),
          probeEntry('probe.mutating.webhooks.operon.dev', '/operon-probe-mutating', url, caBundle, id),
        ],
      });
    }
    for (const w of webhooks) {
      if (!w.converter || !w.conversionPath) continue;
      const name = `${w.resource.plural}.${w.resource.group}`;
      await conn.call(
        'PATCH',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        {
          spec: {
            conversion: {
              strategy: 'Webhook',
              webhook: {
                clientConfig: { url: `${url}${w.conversionPath}`, caBundle },
                conversionReviewVersions: ['v1'],
              },
            },
          },
        },
        'application/merge-patch+json',
      );
      patchedCrds.push(name);
    }

    // Live when the API server calls the probes (admission) and converts (conversion).
    const wait = { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 200 };
    if (hasValidating || hasMutating) {
      await eventually(
        'the API server to call the webhook configurations',
        async () => {
          const res = await conn.request<{ metadata?: unknown }>(
            'POST',
            '/api/v1/namespaces/default/configmaps?dryRun=All',
            {
              body: {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                metadata: { generateName: 'operon-webhook-probe-', labels: { [PROBE_LABEL]: id } },
              },
            },
          );
          if (res.status >= 300)
            throw new Error(`probe create answered ${res.status}: ${res.text.slice(0, 200)}`);
          return (
            (!hasValidating || (calls.get('/operon-probe-validating') ?? 0) > 0) &&
            (!hasMutating || (calls.get('/operon-probe-mutating') ?? 0) > 0)
          );
        },
        wait,
      );
    }
    for (const w of webhooks) {
      if (!w.converter || !w.conversionPath) continue;
      const path = w.conversionPath;
      const crd = `${w.resource.plural}.${w.resource.group}`;
      await eventually(
        `the API server to use the conversion webhook of ${crd}`,
        async () => {
          const res = await conn.request<{ spec?: { conversion?: { strategy?: string } } }>(
            'GET',
            `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`,
          );
          if (res.body.spec?.conversion?.strategy !== 'Webhook') return false;
          const spoke = w.converter!.versions.find((v) => v !== w.converter!.hub)!;
          const group = w.resource.group;
          // A dry-run create at a spoke version is converted to the storage version before it is stored.
          const body = {
            apiVersion: `${group}/${spoke}`,
            kind: w.resource.kind,
            metadata: { generateName: 'operon-conversion-probe-' },
          };
          const base = w.resource.namespaced
            ? `/apis/${group}/${spoke}/namespaces/default`
            : `/apis/${group}/${spoke}`;
          await conn.request('POST', `${base}/${w.resource.plural}?dryRun=All`, { body });
          return (calls.get(path) ?? 0) > 0;
        },
        wait,
      );
    }
  } catch (err) {
    await cleanup();
    throw err instanceof OperonError
      ? err
      : new OperonError(
          ErrorCode.ComponentFailed,
          `runWebhooks: could not install the webhooks: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
  }

  let stopped: Promise<void> | undefined;
  const handle: RunningWebhooks = {
    url,
    server,
    caBundle: tls.caBundle,
    configurationName,
    calls,
    async pause() {
      stopServer.abort();
      await serving$;
    },
    stop() {
      stopped ??= cleanup();
      return stopped;
    },
    [Symbol.asyncDispose]() {
      return handle.stop();
    },
  };
  return handle;
}
