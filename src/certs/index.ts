/**
 * TLS certificates for Operon's servers (metrics, webhooks): `createSelfSignedCA()` and
 * `issueServingCert(ca, { dnsNames, ipAddresses, validityDays })`, returning PEM.
 */

export {
  type CAOptions,
  type CertificatePair,
  createSelfSignedCA,
  issueServingCert,
  type ServingCertOptions,
} from './certs.ts';
