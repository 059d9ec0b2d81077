/**
 * A small certificate authority for local control planes: `createCertificateAuthority()` makes a
 * CA, `ca.issue()` signs serving and client certificates (CN = user, O = groups), all ECDSA P-256,
 * with `operon/certs` (the X.509 library is loaded only once a certificate is made).
 */

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type CertificatePair, createSelfSignedCA, issueCertificate } from '../certs/certs.ts';
import { ErrorCode, OperonError } from '../errors.ts';

export type KeyPairPem = CertificatePair;

export interface IssueOptions {
  commonName: string;
  /** Subject O= values; Kubernetes reads them as the user's groups. */
  organizations?: readonly string[];
  /** DNS names and IP addresses for the subjectAltName of a serving certificate. */
  hosts?: readonly string[];
  usage: 'server' | 'client' | 'server-and-client';
  /** Validity in days; default 3650. */
  days?: number;
}

export interface CertificateAuthority extends KeyPairPem {
  issue(options: IssueOptions): Promise<KeyPairPem>;
}

function authority(pem: KeyPairPem): CertificateAuthority {
  return {
    cert: pem.cert,
    key: pem.key,
    issue: (options) =>
      issueCertificate(pem, {
        commonName: options.commonName,
        usage: options.usage,
        validityDays: options.days ?? 3650,
        ...(options.organizations ? { organizations: options.organizations } : {}),
        ...(options.hosts ? { hosts: options.hosts } : {}),
      }),
  };
}

/** Makes a new self-signed CA. */
export async function createCertificateAuthority(
  commonName = 'operon-ca',
  days = 3650,
): Promise<CertificateAuthority> {
  return authority(await createSelfSignedCA({ commonName, validityDays: days }));
}

/** Loads a CA written earlier by `createCertificateAuthority` so it can issue more certificates. */
export function loadCertificateAuthority(pem: KeyPairPem): CertificateAuthority {
  // Fail here, not at the first issue, when the files are not a CA and its key.
  const cert = new X509Certificate(pem.cert);
  if (!cert.ca || !cert.checkPrivateKey(createPrivateKey(pem.key))) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      "The control plane's ca.crt and ca.key are not a CA certificate and its private key; delete the plane's folder to make a new one.",
    );
  }
  return authority(pem);
}
