/**
 * Certificates for Operon's servers and for the local control plane: `createSelfSignedCA()` makes a
 * certificate authority, `issueServingCert(ca, { hosts })` a TLS serving certificate signed by it
 * and `issueCertificate(ca, { commonName, usage })` any leaf (client certificates with groups in
 * O=), all ECDSA P-256, as PEM.
 *
 * `@peculiar/x509` (and the `reflect-metadata` polyfill it needs) is loaded on the first call, not
 * on import: an operator that serves neither webhooks nor HTTPS metrics never loads it.
 */

import { createPrivateKey, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';
import { ErrorCode, OperonError } from '../errors.ts';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A certificate and its private key, PEM (the key PKCS#8), as in a `kubernetes.io/tls` Secret. */
export interface CertificatePair {
  /** PEM certificate (`tls.crt`). */
  cert: string;
  /** PEM PKCS#8 private key (`tls.key`). */
  key: string;
}

export interface CAOptions {
  /** Subject common name; default `operon-ca`. */
  commonName?: string;
  /** Default 3650 (ten years, as cert-controller's CA). */
  validityDays?: number;
  /** The time the certificate is made at; default now (tests pass a fixed date). */
  now?: Date;
}

export interface CertificateOptions {
  /** Subject common name: for a client certificate, the Kubernetes user name. */
  commonName: string;
  /** Subject O= values; Kubernetes reads them as the user's groups. */
  organizations?: readonly string[];
  /** Subject alternative names: each an IP address or a DNS name, told apart by form. */
  hosts?: readonly string[];
  /** Extended key usage; default `server`. */
  usage?: 'server' | 'client' | 'server-and-client';
  /** Default 365 (one year, as cert-controller's serving certificate); never past the CA's end. */
  validityDays?: number;
  /** The time the certificate is made at; default now. */
  now?: Date;
}

export interface ServingCertOptions {
  /** DNS names and IP addresses it is valid for, told apart by form, e.g. `webhook.ops.svc`, `127.0.0.1`. */
  hosts?: readonly string[];
  /** DNS subject alternative names, e.g. `webhook.ops.svc`. */
  dnsNames?: readonly string[];
  /** IP subject alternative names, e.g. `127.0.0.1`. */
  ipAddresses?: readonly string[];
  /** Default the first name. */
  commonName?: string;
  /** Default 365. */
  validityDays?: number;
  /** The time the certificate is made at; default now (tests pass a fixed date). */
  now?: Date;
}

/** ECDSA P-256: small, fast to generate, and accepted by the API server and every TLS client. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Certificates start an hour back, so a peer whose clock is a little behind accepts them. */
const BACKDATE_MS = 3_600_000;

let library: Promise<typeof X509> | undefined;
/** Loads @peculiar/x509 once; it resolves its parts through tsyringe, which needs the Reflect polyfill first. */
function x509(): Promise<typeof X509> {
  library ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return library;
}

/** A new certificate authority (self-signed, may sign leaf certificates only: path length 0). */
export async function createSelfSignedCA(options: CAOptions = {}): Promise<CertificatePair> {
  const days = validity(options.validityDays, 3650);
  const lib = await x509();
  const keys = await generateKeys();
  const now = (options.now ?? new Date()).getTime();
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [options.commonName ?? 'operon-ca'] }],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new lib.BasicConstraintsExtension(true, 0, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** A serving certificate (serverAuth) for its hosts, signed by `ca` (from `createSelfSignedCA()` or a Secret). */
export async function issueServingCert(
  ca: CertificatePair,
  options: ServingCertOptions,
): Promise<CertificatePair> {
  const hosts = [...(options.hosts ?? []), ...(options.dnsNames ?? [])];
  for (const ip of options.ipAddresses ?? []) {
    if (isIP(ip) === 0) throw new OperonError(ErrorCode.InvalidArgument, `"${ip}" is not an IP address.`);
    hosts.push(ip);
  }
  if (hosts.length === 0 || hosts.some((h) => typeof h !== 'string' || h === '')) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'A serving certificate needs at least one DNS name or IP address to be valid for, e.g. ["my-webhook.my-ns.svc"].',
    );
  }
  return issueCertificate(ca, {
    commonName: options.commonName ?? hosts[0]!,
    hosts,
    usage: 'server',
    ...(options.validityDays !== undefined ? { validityDays: options.validityDays } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

/** Any leaf certificate signed by `ca`: serving, client (CN = user, O = groups) or both. */
export async function issueCertificate(
  ca: CertificatePair,
  options: CertificateOptions,
): Promise<CertificatePair> {
  const days = validity(options.validityDays, 365);
  const hosts = [...(options.hosts ?? [])];
  const lib = await x509();
  let caCert: X509.X509Certificate;
  let caKey: CryptoKey;
  try {
    caCert = new lib.X509Certificate(ca.cert);
    // createPrivateKey reads PKCS#8 and SEC1 ("EC PRIVATE KEY") alike.
    const der = createPrivateKey(ca.key).export({ type: 'pkcs8', format: 'der' });
    caKey = await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
  } catch (cause) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'The CA is not a PEM certificate with its ECDSA P-256 key (as createSelfSignedCA() returns).',
      { cause },
    );
  }
  const usage = options.usage ?? 'server';
  const usages = [
    ...(usage !== 'client' ? [lib.ExtendedKeyUsage.serverAuth] : []),
    ...(usage !== 'server' ? [lib.ExtendedKeyUsage.clientAuth] : []),
  ];
  const keys = await generateKeys();
  const now = (options.now ?? new Date()).getTime();
  const notAfter = Math.min(now + days * DAY_MS, caCert.notAfter.getTime());
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [...(options.organizations ?? []).map((o) => ({ O: [o] })), { CN: [options.commonName] }],
    // The CA's subject as its bytes are (string types included): Go's verifier matches them exactly.
    issuer: caCert.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new lib.BasicConstraintsExtension(false, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
      new lib.ExtendedKeyUsageExtension(usages),
      ...(hosts.length > 0
        ? [
            new lib.SubjectAlternativeNameExtension(
              hosts.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value })),
            ),
          ]
        : []),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await lib.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

function validity(days: number | undefined, fallback: number): number {
  const d = days ?? fallback;
  if (!Number.isFinite(d) || d <= 0) {
    throw new OperonError(ErrorCode.InvalidArgument, `validityDays ${d} is not a positive number of days.`);
  }
  return d;
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** A random positive 128-bit serial number, hex. */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  bytes[0]! |= 0x01;
  return Buffer.from(bytes).toString('hex');
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}
