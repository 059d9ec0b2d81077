import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCertificateAuthority, loadCertificateAuthority } from './pki.ts';

describe('pki', () => {
  it('makes a self-signed CA that Node parses and verifies', async () => {
    const ca = await createCertificateAuthority('test-ca');
    const cert = new X509Certificate(ca.cert);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'CN=test-ca');
    assert.ok(cert.verify(cert.publicKey));
    assert.ok(cert.checkIssued(cert));
  });

  it('issues a serving certificate for IPs and names, signed by the CA', async () => {
    const ca = await createCertificateAuthority();
    const caCert = new X509Certificate(ca.cert);
    const leaf = await ca.issue({
      commonName: 'kube-apiserver',
      hosts: ['127.0.0.1', 'localhost', '::1'],
      usage: 'server',
    });
    const cert = new X509Certificate(leaf.cert);
    assert.equal(cert.ca, false);
    assert.ok(cert.verify(caCert.publicKey));
    assert.ok(cert.checkIssued(caCert));
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkHost('example.com'), undefined);
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    // The private key matches the certificate.
    assert.ok(cert.checkPrivateKey(createPrivateKey(leaf.key)));
  });

  it('puts the user in CN and the groups in O of a client certificate', async () => {
    const ca = await createCertificateAuthority();
    const leaf = await ca.issue({
      commonName: 'alice',
      organizations: ['system:masters', 'devs'],
      usage: 'client',
    });
    const cert = new X509Certificate(leaf.cert);
    assert.equal(cert.subject, 'O=system:masters\nO=devs\nCN=alice');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  });

  it('reloads a CA from PEM and keeps issuing certificates it signed', async () => {
    const ca = await createCertificateAuthority('reloaded');
    const again = loadCertificateAuthority({ cert: ca.cert, key: ca.key });
    const leaf = new X509Certificate((await again.issue({ commonName: 'bob', usage: 'client' })).cert);
    const caCert = new X509Certificate(ca.cert);
    assert.ok(leaf.checkIssued(caCert));
    assert.ok(leaf.verify(createPublicKey(ca.key)));
  });

  it('refuses to load a CA whose key is not its own, or a certificate that is not a CA', async () => {
    const a = await createCertificateAuthority('a');
    const b = await createCertificateAuthority('b');
    assert.throws(
      () => loadCertificateAuthority({ cert: a.cert, key: b.key }),
      /not a CA certificate and its private key/,
    );
    const leaf = await a.issue({ commonName: 'leaf', usage: 'server', hosts: ['x'] });
    assert.throws(() => loadCertificateAuthority(leaf), /not a CA certificate/);
  });
});
