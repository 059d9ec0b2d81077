/**
 * TLS certificates for Operon's servers (metrics, webhooks) and the local control plane:
 * `createSelfSignedCA()`, `issueServingCert(ca, { hosts | dnsNames, ipAddresses, validityDays })`
 * and `issueCertificate(ca, { commonName, organizations, usage })`, returning PEM. The X.509
 * library is loaded on the first call, not on import.
 */

export {
  type CAOptions,
  type CertificateOptions,
  type CertificatePair,
  createSelfSignedCA,
  issueCertificate,
  issueServingCert,
  type ServingCertOptions,
} from './certs.ts';
