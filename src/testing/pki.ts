/**
 * A small certificate authority for local control planes: `createCertificateAuthority()` makes a CA,
 * `ca.issue()` signs serving and client certificates (CN = user, O = groups), all ECDSA P-256.
 *
 * Certificates are DER-encoded here with node:crypto doing the signing; Node's own X509Certificate
 * parses and verifies the result in the tests.
 */

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export interface KeyPairPem {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

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
  issue(options: IssueOptions): KeyPairPem;
}

// ---- DER, just the parts a certificate needs ----

function tlv(tag: number, body: Uint8Array): Buffer {
  const len = body.length;
  let header: number[];
  if (len < 0x80) header = [tag, len];
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), body]);
}

const seq = (...items: Uint8Array[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Uint8Array[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Uint8Array) => tlv(0x04, b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, inner: Uint8Array) => tlv(0xa0 + n, inner);

function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

function integer(b: Uint8Array): Buffer {
  let bytes = Buffer.from(b);
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && (bytes[i + 1]! & 0x80) === 0) i++;
  bytes = bytes.subarray(i);
  if ((bytes[0]! & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let n = p >>> 7; n > 0; n >>>= 7) chunk.unshift(0x80 | (n & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

function name(commonName: string, organizations: readonly string[] = []): Buffer {
  const rdns = [
    ...organizations.map((o) => set(seq(oid(OID.organization), utf8(o)))),
    set(seq(oid(OID.commonName), utf8(commonName))),
  ];
  return seq(...rdns);
}

function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? seq(oid(id), tlv(0x01, Buffer.from([0xff])), octets(value)) : seq(oid(id), octets(value));
}

function keyUsageBits(bits: number): Buffer {
  let unused = 0;
  while (unused < 7 && (bits & (1 << unused)) === 0) unused++;
  return bitString(Buffer.from([bits]), unused);
}

function subjectAltName(hosts: readonly string[]): Buffer {
  const names = hosts.map((h) => {
    if (isIPv4(h)) return tlv(0x87, Buffer.from(h.split('.').map(Number)));
    if (isIPv6(h)) return tlv(0x87, ipv6Bytes(h));
    return tlv(0x82, Buffer.from(h, 'ascii'));
  });
  return seq(...names);
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

interface Signer {
  name: Buffer;
  key: KeyObject;
  keyId: Buffer;
}

function buildCert(opts: {
  subject: Buffer;
  spki: Buffer;
  issuer: Signer;
  days: number;
  extensions: Buffer[];
}): string {
  const sigAlg = seq(oid(OID.ecdsaWithSha256));
  const now = Date.now();
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    sigAlg,
    opts.issuer.name,
    seq(time(new Date(now - 60 * 60 * 1000)), time(new Date(now + opts.days * 24 * 60 * 60 * 1000))),
    opts.subject,
    opts.spki,
    explicit(3, seq(...opts.extensions)),
  );
  const signature = sign('sha256', tbs, opts.issuer.key);
  return toPem('CERTIFICATE', seq(tbs, sigAlg, bitString(signature)));
}

function toPem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

function newKey() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, spki, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The bit string inside a SubjectPublicKeyInfo, which is what key identifiers hash. */
function spkiKeyBits(spki: Buffer): Buffer {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }.
  // For P-256 the BIT STRING is the last 66 bytes: tag, length, unused-bits byte, 65-byte point.
  return spki.subarray(spki.length - 65);
}

/** Makes a new self-signed CA. */
export function createCertificateAuthority(commonName = 'operon-ca', days = 3650): CertificateAuthority {
  const { privateKey, spki, keyPem } = newKey();
  const subject = name(commonName);
  const id = keyId(spkiKeyBits(spki));
  const self: Signer = { name: subject, key: privateKey, keyId: id };
  const cert = buildCert({
    subject,
    spki,
    issuer: self,
    days,
    extensions: [
      extension(OID.basicConstraints, true, seq(tlv(0x01, Buffer.from([0xff])))),
      extension(OID.keyUsage, true, keyUsageBits(0x80 | 0x04 | 0x02)),
      extension(OID.subjectKeyId, false, octets(id)),
    ],
  });
  return {
    cert,
    key: keyPem,
    issue: (options) => issue(self, options),
  };
}

function issue(ca: Signer, options: IssueOptions): KeyPairPem {
  const { spki, keyPem } = newKey();
  const usages = [
    ...(options.usage !== 'client' ? [OID.serverAuth] : []),
    ...(options.usage !== 'server' ? [OID.clientAuth] : []),
  ];
  const extensions = [
    extension(OID.basicConstraints, true, seq()),
    extension(OID.keyUsage, true, keyUsageBits(0x80 | 0x20)),
    extension(OID.extKeyUsage, false, seq(...usages.map(oid))),
    extension(OID.subjectKeyId, false, octets(keyId(spkiKeyBits(spki)))),
    extension(OID.authorityKeyId, false, seq(tlv(0x80, ca.keyId))),
  ];
  if (options.hosts && options.hosts.length > 0) {
    extensions.push(extension(OID.subjectAltName, false, subjectAltName(options.hosts)));
  }
  const cert = buildCert({
    subject: name(options.commonName, options.organizations),
    spki,
    issuer: ca,
    days: options.days ?? 3650,
    extensions,
  });
  return { cert, key: keyPem };
}

/** Loads a CA written earlier by `createCertificateAuthority` so it can issue more certificates. */
export function loadCertificateAuthority(pem: KeyPairPem): CertificateAuthority {
  const privateKey = createPrivateKey(pem.key);
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const cn = /^CN=(.*)$/m.exec(new X509Certificate(pem.cert).subject)?.[1] ?? 'operon-ca';
  const self: Signer = { name: name(cn), key: privateKey, keyId: keyId(spkiKeyBits(spki)) };
  return { ...pem, issue: (options) => issue(self, options) };
}
