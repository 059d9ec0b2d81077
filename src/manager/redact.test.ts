import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactSecrets, redactText } from './redact.ts';

describe('redaction of the live view', () => {
  it('masks credentials, tokens, keys and passwords in URLs', () => {
    const cases: Array<[string, string]> = [
      ['Authorization: Bearer abc.def-ghi', 'Bearer'],
      ['basic auth: Basic dXNlcjpwYXNz', 'Basic'],
      ['token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig-nature_1 expired', 'expired'],
      ['refresh_token=rt-abc123; path=/', 'refresh_token='],
      ['{"password": "s3cr3t"}', 'password'],
      ['dial https://admin:s3cr3t@db:5432', 'https://[redacted]@db'],
      ['key -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY----- end', 'end'],
      [`opaque ${'Ab1'.repeat(20)} here`, 'here'],
    ];
    for (const [text, kept] of cases) {
      const out = redactText(text);
      assert.match(out, /\[redacted/, `${text} -> ${out}`);
      assert.ok(out.includes(kept), `${kept} kept in ${out}`);
      for (const secret of ['abc.def-ghi', 'dXNlcjpwYXNz', 'rt-abc123', 's3cr3t', 'MHcCAQEE', 'Ab1Ab1Ab1']) {
        assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
      }
    }
  });

  it('leaves object names, keys and ordinary errors alone, and copies rather than mutates', () => {
    const key = `tenant-a/${'a'.repeat(50)}`;
    const status = {
      controllers: [{ key, error: 'Deployment demo/web: 409 Conflict, the object has been modified' }],
      lastByKey: { [key]: { reasons: ['owned Deployment demo/web'] } },
    };
    const copy = redactSecrets(status);
    assert.deepEqual(copy, status);
    assert.notEqual(copy, status);
    assert.equal(
      redactText('uid 1b4e28ba-2fa1-11d2-883f-0016d3cca427'),
      'uid 1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    );
  });
});
