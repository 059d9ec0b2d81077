import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { connect } from 'node:tls';
import type { JsonName } from '@peculiar/x509';
import { createSelfSignedCA, issueCertificate, issueServingCert } from './certs.ts';

/** The DER element at `offset`: where its content starts and where it ends. */
function element(der: Buffer, offset: number): { start: number; end: number } {
  const first = der[offset + 1]!;
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + der[start++]!;
  }
  return { start, end: start + length };
}

/** The raw issuer and subject Names of a PEM certificate, as encoded. */
function rawNames(pem: string): { issuer: Buffer; subject: Buffer } {
  const der = Buffer.from(new X509Certificate(pem).raw);
  const tbs = element(der, element(der, 0).start);
  const fields: Buffer[] = [];
  for (let at = tbs.start; at < tbs.end; ) {
    const e = element(der, at);
    fields.push(der.subarray(at, e.end));
    at = e.end;
  }
  // version [0], serialNumber, signature, issuer, validity, subject, ...
  const at = fields[0]![0] === 0xa0 ? 1 : 0;
  return { issuer: fields[at + 2]!, subject: fields[at + 4]! };
}

describe('certificates', () => {
  it('a self-signed CA is a CA that signed itself', async () => {
    const ca = await createSelfSignedCA({ commonName: 'test-ca', validityDays: 10 });
    const cert = new X509Certificate(ca.cert);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'CN=test-ca');
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(ca.key)));
  });

  it('a serving certificate is signed by the CA, for exactly the names asked, and not a CA itself', async () => {
    const ca = await createSelfSignedCA();
    const serving = await issueServingCert(ca, {
      dnsNames: ['metrics.ops.svc', 'localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
      validityDays: 30,
    });
    const cert = new X509Certificate(serving.cert);
    const caCert = new X509Certificate(ca.cert);
    assert.equal(cert.ca, false);
    assert.ok(cert.verify(caCert.publicKey), 'signed by the CA');
    assert.ok(cert.checkIssued(caCert));
    assert.equal(cert.checkHost('metrics.ops.svc'), 'metrics.ops.svc');
    assert.equal(cert.checkHost('other.ops.svc'), undefined);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('10.0.0.1'), undefined);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.ok(days > 30 && days < 31, `valid for ${days} days (30 plus the hour it is backdated)`);
  });

  it('a TLS client that trusts the CA completes a handshake; one that does not, refuses', async () => {
    const ca = await createSelfSignedCA();
    const serving = await issueServingCert(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const server = createServer(serving, (_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const trusted = connect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost' });
      await once(trusted, 'secureConnect');
      assert.equal(trusted.authorized, true);
      trusted.destroy();
      const other = await createSelfSignedCA();
      const untrusted = connect({ host: '127.0.0.1', port, ca: other.cert, servername: 'localhost' });
      const [err] = (await once(untrusted, 'error')) as [NodeJS.ErrnoException];
      assert.match(String(err.code), /UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('names the CA as its issuer byte for byte, even a CA made elsewhere with UTF8String names', async () => {
    // The local control plane's first CAs were DER written by hand, with UTF8String names; Go's
    // verifier (kube-apiserver) matches a leaf's issuer to its CA's subject by their bytes.
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const legacy = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: [{ CN: [{ utf8String: 'legacy-ca' }] }] as unknown as JsonName,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      keys,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
    const ca = {
      cert: legacy.toString('pem'),
      key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
    };
    const leaf = await issueCertificate(ca, {
      commonName: 'alice',
      organizations: ['devs'],
      usage: 'client',
    });
    assert.deepEqual(rawNames(leaf.cert).issuer, rawNames(ca.cert).subject);
    assert.deepEqual(new X509Certificate(leaf.cert).keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(new X509Certificate(leaf.cert).subject, 'O=devs\nCN=alice');
    const ours = await createSelfSignedCA();
    const serving = await issueServingCert(ours, { hosts: ['a.svc'] });
    assert.deepEqual(rawNames(serving.cert).issuer, rawNames(ours.cert).subject);
  });

  it('refuses a certificate for nothing, a bad IP, and a CA that is not one', async () => {
    const ca = await createSelfSignedCA();
    await assert.rejects(issueServingCert(ca, { dnsNames: [] }), /at least one DNS name or IP/);
    await assert.rejects(issueServingCert(ca, { dnsNames: ['a'], ipAddresses: ['1.2.3'] }), /not an IP/);
    await assert.rejects(
      issueServingCert({ cert: 'x', key: 'y' }, { dnsNames: ['a'] }),
      /The CA is not a PEM/,
    );
  });
});
