/**
 * Certificates for Operon's own servers: `createSelfSignedCA()` makes a certificate authority and
 * `issueServingCert(ca, { dnsNames })` a TLS serving certificate signed by it, both as PEM.
 */

// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
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
}

export interface ServingCertOptions {
  /** DNS subject alternative names, e.g. `webhook.ops.svc`; the first is also the common name. */
  dnsNames: readonly string[];
  /** IP subject alternative names, e.g. `127.0.0.1`. */
  ipAddresses?: readonly string[];
  /** Default 365. */
  validityDays?: number;
}

/** ECDSA P-256: small, fast to generate, and accepted by the API server and every TLS client. */
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Certificates start an hour back, so a peer whose clock is a little behind accepts them. */
const BACKDATE_MS = 3_600_000;

/** A new certificate authority (self-signed, may sign serving certificates only: path length 0). */
export async function createSelfSignedCA(options: CAOptions = {}): Promise<CertificatePair> {
  const days = validity(options.validityDays, 3650);
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [options.commonName ?? 'operon-ca'] }],
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + days * DAY_MS),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** A serving certificate for `dnsNames` and `ipAddresses`, signed by `ca` (from `createSelfSignedCA()` or a Secret). */
export async function issueServingCert(
  ca: CertificatePair,
  options: ServingCertOptions,
): Promise<CertificatePair> {
  const days = validity(options.validityDays, 365);
  const dnsNames = [...options.dnsNames];
  const ips = [...(options.ipAddresses ?? [])];
  if (dnsNames.length === 0 && ips.length === 0) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'A serving certificate needs at least one DNS name or IP address to be valid for.',
    );
  }
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new OperonError(ErrorCode.InvalidArgument, `"${ip}" is not an IP address.`);
  }
  let caCert: x509.X509Certificate;
  let caKey: CryptoKey;
  try {
    caCert = new x509.X509Certificate(ca.cert);
    caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(ca.key), KEY_ALGORITHM, false, ['sign']);
  } catch (cause) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'The CA is not a PEM certificate with its PKCS#8 ECDSA P-256 key (as createSelfSignedCA() returns).',
      { cause },
    );
  }
  const keys = await generateKeys();
  const now = Date.now();
  const notAfter = Math.min(now + days * DAY_MS, caCert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [dnsNames[0] ?? ips[0]!] }],
    issuer: caCert.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
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

function pemBody(pem: string): Buffer {
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (!m) throw new Error('not a PKCS#8 PEM private key');
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
}
