/**
 * Webhook certificates without cert-manager: `createCertificateRotator()` keeps a CA and a serving
 * certificate in one Secret in the operator's namespace, shared by every replica (the first one
 * creates it; a replica that loses the race reads the winner's), renews the serving certificate
 * well before it expires, hot-reloads it into the server, and keeps `caBundle` current in the
 * webhook configurations and CRD conversion stanzas. It is a Runnable.
 */

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { isAlreadyExists, isConflict, isNotFound } from '../client/api-error.ts';
import type { Client } from '../client/client.ts';
import type { ResourceType } from '../client/resource.ts';
import type { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from '../client/types/index.ts';
import {
  CustomResourceDefinition,
  MutatingWebhookConfiguration as MutatingType,
  Secret,
  ValidatingWebhookConfiguration as ValidatingType,
} from '../client/types/index.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { type Clock, realClock } from '../queue/clock.ts';
import { type CertificatePair, certificateValidity, createSelfSignedCA, issueServingCert } from './certs.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The Secret's keys, as cert-controller and kubelet-mounted TLS Secrets name them. */
export const SECRET_KEYS = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;

export interface CertificateRotatorOptions {
  client: Client;
  /** The operator's namespace, where the Secret lives. */
  namespace: string;
  /** e.g. `webapp-operator-webhook-cert`. */
  secretName: string;
  /** The serving certificate's names, e.g. `webapp-operator-webhook.webapp-system.svc`. */
  hosts: readonly string[];
  /** Gets every new serving certificate (`setCertificate`), without dropping connections. */
  server?: { setCertificate(certificate: CertificatePair): void };
  /** Configurations and CRDs whose caBundle is kept current (RBAC: get/update by resourceNames). */
  validatingWebhookConfigurations?: readonly string[];
  mutatingWebhookConfigurations?: readonly string[];
  customResourceDefinitions?: readonly string[];
  /** Default 3650 days. */
  caValidityDays?: number;
  /** Default 365 days. */
  servingValidityDays?: number;
  /**
   * Renew a certificate once it would be invalid this many days from now; default 90 (cert-
   * controller's lookahead). Must be shorter than the validity, else every check renews.
   */
  renewBeforeDays?: number;
  /** How often to check; default 1 h (renewal is 90 days ahead, so checks are cheap insurance). */
  checkIntervalMs?: number;
  /** The wall-clock time certificates are judged at; tests move it forward. */
  now?: () => Date;
  /** For the check timer. */
  clock?: Clock;
  log?: Logger;
}

export interface CertificateRotator {
  /** Checks once, then every `checkIntervalMs` until `signal` aborts. Check errors are logged and retried. */
  start(signal: AbortSignal): Promise<void>;
  /**
   * One check: read (or create) the Secret, renew what is due, load the serving certificate
   * into the server and inject the CA bundle. Resolves to what is in force.
   */
  check(): Promise<{ ca: string; serving: CertificatePair; renewed: boolean }>;
  /** Resolves after the first successful check: a valid certificate is loaded (readiness). */
  ready(signal?: AbortSignal): Promise<void>;
  /** The CA bundle in force (PEM), once checked. */
  readonly caBundle: string | undefined;
}

/** Whether the certificate `pem` is invalid now, or will be within `lookaheadMs`. */
export function needsRenewal(pem: string | undefined, now: Date, lookaheadMs: number): boolean {
  if (!pem) return true;
  try {
    const { notBefore, notAfter } = certificateValidity(pem);
    return now.getTime() < notBefore.getTime() || now.getTime() + lookaheadMs >= notAfter.getTime();
  } catch {
    return true;
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) =>
  s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');

/** Whether `cert` is signed by `ca` and names every one of `hosts` (a changed namespace needs a new one). */
export function servesFor(cert: string, ca: string, hosts: readonly string[]): boolean {
  try {
    const c = new X509Certificate(cert);
    if (!c.verify(new X509Certificate(ca).publicKey)) return false;
    return hosts.every((h) =>
      isIP(h) ? c.checkIP(h) !== undefined : c.checkHost(h, { wildcards: false }) !== undefined,
    );
  } catch {
    return false;
  }
}

/** Whether `key` (PEM) is the private key of `cert` (PEM): a Secret edited by halves can pair them wrongly. */
export function keyFits(cert: string, key: string): boolean {
  try {
    return new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}

/** The first certificate of a PEM bundle. */
function firstCert(bundle: string): string {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(bundle);
  return m ? (m[0].endsWith('\n') ? m[0] : `${m[0]}\n`) : bundle;
}

export function createCertificateRotator(options: CertificateRotatorOptions): CertificateRotator {
  const { client, namespace, secretName } = options;
  const log = options.log ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const clock = options.clock ?? realClock;
  const lookahead = (options.renewBeforeDays ?? 90) * DAY_MS;
  const interval = options.checkIntervalMs ?? 60 * 60 * 1000;
  let caBundle: string | undefined;
  let loaded: string | undefined;
  let readyResolve: (() => void) | undefined;
  const readyPromise = new Promise<void>((r) => {
    readyResolve = r;
  });

  async function makeAll(previousBundle?: string) {
    const ca = await createSelfSignedCA({
      commonName: 'operon-webhook-ca',
      now: now(),
      validityDays: options.caValidityDays ?? 3650,
    });
    const serving = await issueServingCert(ca, {
      hosts: options.hosts,
      now: now(),
      validityDays: options.servingValidityDays ?? 365,
    });
    // Keep a still-valid old CA in the bundle, so peers that have not seen the new one yet still verify.
    const old = previousBundle ? firstCert(previousBundle) : undefined;
    // Each PEM block on lines of its own: Go's PEM decoder rejects `-----END …----------BEGIN …`.
    const newCa = ca.cert.endsWith('\n') ? ca.cert : `${ca.cert}\n`;
    const bundle = old && !needsRenewal(old, now(), 0) ? `${newCa}${old}` : ca.cert;
    return { ca, bundle, serving };
  }

  function secretData(ca: CertificatePair, bundle: string, serving: CertificatePair): Record<string, string> {
    return {
      [SECRET_KEYS.caCert]: b64(bundle),
      [SECRET_KEYS.caKey]: b64(ca.key),
      [SECRET_KEYS.cert]: b64(serving.cert),
      [SECRET_KEYS.key]: b64(serving.key),
    };
  }

  /** Reads the Secret, creating it if absent; renews what is due. Retries on a lost race. */
  async function ensureSecret(): Promise<{ bundle: string; serving: CertificatePair; renewed: boolean }> {
    for (let attempt = 0; ; attempt++) {
      let secret: Secret | undefined;
      try {
        secret = await client.get(Secret, secretName, { namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (!secret) {
        const { ca, bundle, serving } = await makeAll();
        try {
          await client.create(Secret, {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: {
              name: secretName,
              namespace,
              labels: { 'app.kubernetes.io/managed-by': 'operon', 'app.kubernetes.io/component': 'webhook' },
            },
            type: 'Opaque',
            data: secretData(ca, bundle, serving),
          });
          log.info('webhook certificates created', { secret: `${namespace}/${secretName}` });
          return { bundle, serving, renewed: true };
        } catch (err) {
          // Another replica created it first: use theirs, never a CA of our own.
          if (isAlreadyExists(err) && attempt < 5) continue;
          throw err;
        }
      }
      const data = secret.data ?? {};
      const bundle = unb64(data[SECRET_KEYS.caCert]);
      const caKey = unb64(data[SECRET_KEYS.caKey]);
      const cert = unb64(data[SECRET_KEYS.cert]);
      const key = unb64(data[SECRET_KEYS.key]);
      let next: { bundle: string; serving: CertificatePair } | undefined;
      if (
        !bundle ||
        !caKey ||
        needsRenewal(firstCert(bundle), now(), lookahead) ||
        !keyFits(firstCert(bundle), caKey)
      ) {
        const made = await makeAll(bundle);
        next = { bundle: made.bundle, serving: made.serving };
        secret.data = secretData(made.ca, made.bundle, made.serving);
        log.info('webhook CA renewed', { secret: `${namespace}/${secretName}` });
      } else if (
        !cert ||
        !key ||
        needsRenewal(cert, now(), lookahead) ||
        !servesFor(cert, firstCert(bundle), options.hosts) ||
        !keyFits(cert, key)
      ) {
        const ca = { cert: firstCert(bundle), key: caKey };
        const serving = await issueServingCert(ca, {
          hosts: options.hosts,
          now: now(),
          validityDays: options.servingValidityDays ?? 365,
        });
        next = { bundle, serving };
        secret.data = secretData(ca, bundle, serving);
        log.info('webhook serving certificate renewed', { secret: `${namespace}/${secretName}` });
      }
      if (!next) return { bundle: bundle!, serving: { cert: cert!, key: key! }, renewed: false };
      try {
        await client.replace(Secret, secret);
        return { ...next, renewed: true };
      } catch (err) {
        // Someone else renewed at the same time (resourceVersion moved): read theirs.
        if (isConflict(err) && attempt < 5) continue;
        throw err;
      }
    }
  }

  /** A configuration that is not installed (yet) is skipped, so serving does not wait for it. */
  async function getOrWarn<T>(get: () => Promise<T>, what: string): Promise<T | undefined> {
    try {
      return await get();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      log.warn('cannot inject the webhook CA: not found; will retry at the next check', { object: what });
      return undefined;
    }
  }

  async function inject(bundle: string): Promise<void> {
    const encoded = b64(bundle);
    type Config = ValidatingWebhookConfiguration | MutatingWebhookConfiguration;
    const update = async (type: ResourceType<Config>, name: string) => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const config = await getOrWarn(() => client.get(type, name), `${type.kind} ${name}`);
        if (!config) return;
        const hooks = config.webhooks ?? [];
        if (hooks.every((w) => w.clientConfig.caBundle === encoded)) return;
        for (const w of hooks) w.clientConfig.caBundle = encoded;
        try {
          await client.replace(type, config);
          return;
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
    };
    for (const name of options.validatingWebhookConfigurations ?? [])
      await update(ValidatingType as ResourceType<Config>, name);
    for (const name of options.mutatingWebhookConfigurations ?? [])
      await update(MutatingType as ResourceType<Config>, name);
    for (const name of options.customResourceDefinitions ?? []) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const crd = await getOrWarn(() => client.get(CustomResourceDefinition, name), `CRD ${name}`);
        if (!crd) break;
        const cc = crd.spec.conversion?.webhook?.clientConfig;
        if (!cc || cc.caBundle === encoded) break;
        cc.caBundle = encoded;
        try {
          await client.replace(CustomResourceDefinition, crd);
          break;
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
    }
  }

  async function check() {
    let result = await ensureSecret();
    for (let attempt = 0; ; attempt++) {
      // The CA first: peers trust the new bundle before the server presents a certificate it signs.
      await inject(result.bundle);
      // Another replica may have renewed the CA after our read and injected its bundle before we
      // injected ours: read the Secret again and inject what it holds until the two agree. The last
      // writer of caBundle reads the Secret after its write, so the replicas converge.
      const latest = await client.get(Secret, secretName, { namespace });
      if (unb64(latest.data?.[SECRET_KEYS.caCert]) === result.bundle) break;
      if (attempt >= 4) {
        throw new OperonError(
          ErrorCode.Timeout,
          `The CA in Secret ${namespace}/${secretName} changed on every read; will check again.`,
        );
      }
      const next = await ensureSecret();
      result = { ...next, renewed: result.renewed || next.renewed };
    }
    const { bundle, serving, renewed } = result;
    caBundle = bundle;
    if (loaded !== serving.cert) {
      options.server?.setCertificate(serving);
      loaded = serving.cert;
    }
    readyResolve?.();
    return { ca: bundle, serving, renewed };
  }

  return {
    check,
    get caBundle() {
      return caBundle;
    },
    ready(signal) {
      if (!signal) return readyPromise;
      return Promise.race([
        readyPromise,
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      ]);
    },
    async start(signal) {
      while (!signal.aborted) {
        let wait = interval;
        try {
          await check();
        } catch (err) {
          log.warn('webhook certificate check failed; retrying', { err });
          wait = Math.min(interval, 10_000);
        }
        await new Promise<void>((resolve) => {
          const timer = clock.setTimeout(done, wait);
          function done() {
            clock.clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          }
          signal.addEventListener('abort', done, { once: true });
        });
      }
    },
  };
}
