import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { connect } from 'node:tls';
import { createSelfSignedCA, issueServingCert } from './certs.ts';

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
