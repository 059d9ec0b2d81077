import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection } from './http.ts';
import { runsRequestedVersion } from './shared.ts';

/** A plane whose API server reports `major.minor` on /version, counting the requests. */
function planeAt(major: string, minor: string) {
  const asked: string[] = [];
  const connection = {
    request: async (_method: string, path: string) => {
      asked.push(path);
      return { status: 200, body: { major, minor, gitVersion: `v${major}.${minor}.0` }, text: '' };
    },
    call: async () => undefined,
    close: () => undefined,
  } as unknown as Connection;
  return { plane: { connection }, asked };
}

describe('choosing the shared plane by version', () => {
  it('takes the shared plane as it is when no version is asked for, without asking its version', async () => {
    const { plane, asked } = planeAt('1', '37');
    assert.equal(await runsRequestedVersion(plane, { env: {} }), true);
    assert.deepEqual(asked, []);
  });

  it('takes it when it runs the minor OPERON_K8S_VERSION or the version option asks for', async () => {
    const { plane, asked } = planeAt('1', '35');
    assert.equal(await runsRequestedVersion(plane, { env: { OPERON_K8S_VERSION: '1.35' } }), true);
    assert.equal(await runsRequestedVersion(plane, { version: '1.35.4', env: {} }), true);
    assert.deepEqual(asked, ['/version', '/version']);
  });

  it('refuses it when it runs another minor, so the file starts a plane of its own', async () => {
    const { plane } = planeAt('1', '37');
    assert.equal(await runsRequestedVersion(plane, { env: { OPERON_K8S_VERSION: '1.35' } }), false);
    assert.equal(
      await runsRequestedVersion(plane, { version: '1.36', env: { OPERON_K8S_VERSION: '1.37' } }),
      false,
    );
  });
});
