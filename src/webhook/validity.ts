/** When a PEM certificate is valid, read with Node's own parser, so callers need no X.509 library. */

import { X509Certificate } from 'node:crypto';

/** When a PEM certificate starts and stops being valid. */
export function certificateValidity(pem: string): { notBefore: Date; notAfter: Date } {
  const c = new X509Certificate(pem);
  return { notBefore: new Date(c.validFrom), notAfter: new Date(c.validTo) };
}
