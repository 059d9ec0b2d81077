import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toLoggable } from '../log/logger.ts';
import { runExecPlugin } from './exec-credential.ts';

const SECRET = 'sha256~opaqueTokenValue0123456789';

function plugin(script: string) {
  return {
    command: '/bin/sh',
    args: ['-c', script],
    env: [],
    apiVersion: 'client.authentication.k8s.io/v1',
    owner: 'user "test"',
  };
}

async function failure(script: string): Promise<string> {
  const err = await runExecPlugin(plugin(script), {
    env: process.env,
    signal: AbortSignal.timeout(10_000),
    timeoutMs: 10_000,
  }).then(
    () => assert.fail('the plugin output was accepted'),
    (e: unknown) => e,
  );
  return JSON.stringify(toLoggable(err));
}

describe('exec credential plugin output that is not an ExecCredential', () => {
  it('a bare token printed instead of JSON is not quoted in the error or its cause', async () => {
    const logged = await failure(`printf '%s' '${SECRET}'`);
    assert.match(logged, /not JSON/);
    assert.ok(!logged.includes(SECRET.slice(0, 10)), logged);
  });
});
