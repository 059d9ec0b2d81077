/**
 * Certificates for webhook serving: `createSelfSignedCA()` makes a CA and `issueServingCert(ca, {
 * hosts })` a serving certificate signed by it, ECDSA P-256, as PEM. They are `operon/certs`'s,
 * which the metrics server and the local control plane use too; `@peculiar/x509` is loaded on the
 * first call, so importing this module (or `operon/webhook`) loads no X.509 library.
 */

export {
  type CAOptions as CreateCAOptions,
  type CertificatePair,
  createSelfSignedCA,
  issueServingCert,
  type ServingCertOptions as IssueServingCertOptions,
} from '../certs/certs.ts';
export { certificateValidity } from './validity.ts';
