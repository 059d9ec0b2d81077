/**
 * Certificates for webhook serving: `createSelfSignedCA()` makes a CA and `issueServingCert()` a
 * serving certificate signed by it, ECDSA P-256, as PEM, built on `@peculiar/x509`.
 *
 * This is the only module that loads `@peculiar/x509` (and the `reflect-metadata` polyfill it
 * needs), so an operator without webhooks never loads either.
 */

import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { ErrorCode, OperonError } from '../errors.ts';

export { certificateValidity } from './validity.ts';

const crypto = webcrypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
/** NotBefore is set this far in the past, so a peer whose clock lags a little still accepts it. */
const BACKDATE_MS = 60 * 60 * 1000;

/** A certificate and its private key, both PEM (the key PKCS#8). */
export interface CertificatePair {
  cert: string;
  key: string;
}

export interface CreateCAOptions {
  /** Default `operon-webhook-ca`. */
  commonName?: string;
  /** Default 3650 (ten years, as cert-controller's CA). */
  validityDays?: number;
  /** The time the certificate is made at; default now (tests pass a fixed date). */
  now?: Date;
}

export interface IssueServingCertOptions {
  /** DNS names and IP addresses the certificate is valid for, e.g. `webapp-operator-webhook.webapp-system.svc`. */
  hosts: readonly string[];
  /** Default the first host. */
  commonName?: string;
  /** Default 365 (one year, as cert-controller's serving certificate). */
  validityDays?: number;
  now?: Date;
}

function checkDays(days: number, what: string): void {
  if (!Number.isFinite(days) || days <= 0) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `${what} must be a positive number of days, not ${days}.`,
    );
  }
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Makes a self-signed CA (basicConstraints CA, keyCertSign). */
export async function createSelfSignedCA(options: CreateCAOptions = {}): Promise<CertificatePair> {
  const days = options.validityDays ?? 3650;
  checkDays(days, 'validityDays');
  const now = options.now ?? new Date();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: `CN=${escapeDn(options.commonName ?? 'operon-webhook-ca')}`,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + days * DAY_MS),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** Issues a serving certificate (serverAuth) for `hosts`, signed by `ca`. */
export async function issueServingCert(
  ca: CertificatePair,
  options: IssueServingCertOptions,
): Promise<CertificatePair> {
  const hosts = [...options.hosts];
  if (hosts.length === 0 || hosts.some((h) => typeof h !== 'string' || h === '')) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'issueServingCert: hosts must list at least one DNS name or IP address, e.g. ["my-webhook.my-ns.svc"].',
    );
  }
  const days = options.validityDays ?? 365;
  checkDays(days, 'validityDays');
  const now = options.now ?? new Date();
  let caCert: x509.X509Certificate;
  let caKey: CryptoKey;
  try {
    caCert = new x509.X509Certificate(ca.cert);
    const der = createPrivateKey(ca.key).export({ type: 'pkcs8', format: 'der' });
    caKey = await crypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
  } catch (cause) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'issueServingCert: the CA is not a PEM certificate and PKCS#8 ECDSA P-256 key made by createSelfSignedCA().',
      { cause },
    );
  }
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: `CN=${escapeDn(options.commonName ?? hosts[0]!)}`,
      issuer: caCert.subject,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + days * DAY_MS),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(
          hosts.map((h) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h })),
          false,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and without a leading zero byte
  return Buffer.from(bytes).toString('hex');
}

/** Escapes a value for an RFC 4514 distinguished name. */
function escapeDn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1').replace(/^([ #])/, '\\$1');
}
