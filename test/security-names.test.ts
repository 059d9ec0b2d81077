import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClusterConfig, ConfigMap, createClient, Namespace, Secret } from 'operon/client';

/** A client whose server does not exist: any request that is sent fails with Unreachable. */
function offlineClient() {
  const config: ClusterConfig = {
    server: 'https://127.0.0.1:9',
    insecureSkipTLSVerify: true,
    namespace: 'default',
    source: 'test',
    auth: { kind: 'none', credentials: async () => ({}), invalidate: () => {} },
  };
  return createClient(config);
}

const invalid = (what: RegExp) => (err: unknown) =>
  (err as { code?: string }).code === 'OPERON_INVALID_ARGUMENT' && what.test((err as Error).message);

describe('names and namespaces are checked before they reach a URL', () => {
  for (const name of ['', '.', '..', 'a/b', '../secrets', '%2e%2e', 'a%2Fb']) {
    it(`get, delete, patch and status of name ${JSON.stringify(name)} are refused without a request`, async () => {
      const client = offlineClient();
      try {
        await assert.rejects(client.get(Secret, name, { namespace: 'tenant-a' }), invalid(/name/));
        await assert.rejects(client.delete(Secret, name, { namespace: 'tenant-a' }), invalid(/name/));
        await assert.rejects(
          async () => client.patch(ConfigMap, name, { data: {} }, { namespace: 'tenant-a' }),
          invalid(/name/),
        );
        await assert.rejects(client.status.get(Namespace, name), invalid(/name/));
        assert.equal(client.transport.stats.requests, 0, 'no request may be sent');
      } finally {
        await client.close();
      }
    });
  }

  for (const namespace of ['.', '..', 'a/b', '%2e%2e']) {
    it(`list and get in namespace ${JSON.stringify(namespace)} are refused without a request`, async () => {
      const client = offlineClient();
      try {
        await assert.rejects(client.list(Secret, { namespace }), invalid(/namespace/));
        await assert.rejects(client.get(Secret, 'db', { namespace }), invalid(/namespace/));
        await assert.rejects(
          async () => client.apply(ConfigMap, { metadata: { name: 'x', namespace } }),
          invalid(/namespace/),
        );
        assert.throws(() => client.path(Secret, { namespace }), invalid(/namespace/));
        assert.equal(client.transport.stats.requests, 0, 'no request may be sent');
      } finally {
        await client.close();
      }
    });
  }

  it('ordinary names still make the paths they did', () => {
    const client = offlineClient();
    assert.equal(
      client.path(Secret, { namespace: 'tenant-a', name: 'db.creds' }),
      '/api/v1/namespaces/tenant-a/secrets/db.creds',
    );
    assert.equal(
      client.path(Secret, { namespace: '' }),
      '/api/v1/secrets',
      'an empty namespace is every namespace',
    );
    assert.equal(
      client.path(Namespace, { name: 'tenant-a', subresource: 'status' }),
      '/api/v1/namespaces/tenant-a/status',
    );
  });
});
