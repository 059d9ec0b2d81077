import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { certificateValidity, createSelfSignedCA, issueServingCert } from './certs.ts';

describe('certificates', () => {
  it('issues a serving certificate that verifies against its CA and names every host', async () => {
    const ca = await createSelfSignedCA({ commonName: 'test-ca' });
    const serving = await issueServingCert(ca, { hosts: ['hook.ns.svc', '127.0.0.1', '::1'] });
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(serving.cert);
    assert.equal(caCert.ca, true);
    assert.equal(cert.ca, false);
    assert.ok(cert.verify(caCert.publicKey), 'signed by the CA');
    assert.ok(cert.checkIssued(caCert));
    assert.equal(cert.checkHost('hook.ns.svc'), 'hook.ns.svc');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('other.ns.svc'), undefined);
    assert.ok(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(serving.key)));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  });

  it('sets validity from the given time, backdated an hour', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const ca = await createSelfSignedCA({ now, validityDays: 10 });
    const serving = await issueServingCert(ca, { hosts: ['a'], now, validityDays: 2 });
    assert.deepEqual(certificateValidity(ca.cert), {
      notBefore: new Date('2029-12-31T23:00:00Z'),
      notAfter: new Date('2030-01-11T00:00:00Z'),
    });
    assert.deepEqual(certificateValidity(serving.cert).notAfter, new Date('2030-01-03T00:00:00Z'));
  });

  it('two CAs are different, so a replica that makes its own is detectable', async () => {
    const [a, b] = await Promise.all([createSelfSignedCA(), createSelfSignedCA()]);
    const serving = await issueServingCert(a, { hosts: ['x'] });
    assert.equal(new X509Certificate(serving.cert).verify(new X509Certificate(b.cert).publicKey), false);
  });

  it('rejects bad input with a clear error', async () => {
    const ca = await createSelfSignedCA();
    await assert.rejects(issueServingCert(ca, { hosts: [] }), /at least one DNS name/);
    await assert.rejects(
      issueServingCert({ cert: 'x', key: 'y' }, { hosts: ['a'] }),
      /not a PEM certificate/,
    );
    await assert.rejects(createSelfSignedCA({ validityDays: 0 }), /positive number of days/);
  });
});

describe('loading', () => {
  const run = async (script: string) => {
    const { execFileSync } = await import('node:child_process');
    return execFileSync(
      process.execPath,
      ['--conditions=operon:source', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
      },
    );
  };

  it('operon/testing, operon/manager, operon/generate and operon/webhook do not load the X.509 library', async () => {
    const out = await run(
      "await import('operon/testing'); await import('operon/manager'); await import('operon/generate');" +
        "await import('operon/webhook');" +
        'process.stdout.write(String(typeof Reflect.getMetadata));',
    );
    assert.equal(out, 'undefined');
  });

  it('loads it on the first certificate made, once', async () => {
    const out = await run(
      "const w = await import('operon/webhook');" +
        'const before = typeof Reflect.getMetadata;' +
        'const ca = await w.createSelfSignedCA();' +
        "await w.issueServingCert(ca, { hosts: ['a.b.svc'] });" +
        'process.stdout.write(before + " " + typeof Reflect.getMetadata);',
    );
    assert.equal(out, 'undefined function');
  });
});
