import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { isOperonError } from '../errors.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { startEndpoints } from './endpoints.ts';
import { defaultAddresses, RUN_SETTINGS, readRunSettings, settingsTable } from './settings.ts';

const sample = {
  address: ['127.0.0.1:1111', '127.0.0.1:2222'],
  boolean: ['false', 'true'],
  ms: ['1500', '2500'],
  path: ['/from/flag', '/from/env'],
  name: ['flag-ns', 'env-ns'],
  level: ['debug', 'warn'],
} as const;

function read(kind: keyof typeof sample, values: ReturnType<typeof readRunSettings>, flag: never) {
  if (kind === 'boolean') return String(values.boolean(flag));
  if (kind === 'ms') return String(values.ms(flag));
  if (kind === 'level') return String(values.level(flag));
  return String(values.string(flag));
}

describe('operator.run() settings', () => {
  it('listens where kubebuilder scaffolds by default: HTTPS metrics :8443, probes :8081, no live view', () => {
    // The addresses issue #12 names; plain :8080 only for metrics asked to be insecure.
    assert.deepEqual(defaultAddresses(true), { metrics: ':8443', health: ':8081', status: false });
    assert.deepEqual(defaultAddresses(false), { metrics: ':8080', health: ':8081', status: false });
    const row = (flag: string) => RUN_SETTINGS.find((s) => s.flag === flag)?.default;
    assert.equal(row('metrics-bind-address'), '`:8443` (`:8080` when not secure)');
    assert.equal(row('health-probe-bind-address'), '`:8081`');
    assert.equal(row('status-bind-address'), 'off');
  });

  it('documents every setting in docs/configuration.md, exactly as RUN_SETTINGS has it', async () => {
    const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(settingsTable()), 'docs/configuration.md holds the table settingsTable() renders');
  });

  it('reads no environment variable in run() that the table lacks', async () => {
    const documented = new Set<string>(RUN_SETTINGS.map((s) => s.env));
    documented.add('KUBERNETES_SERVICE_HOST'); // set by Kubernetes, documented below the table
    for (const file of ['./operator.ts', '../webhook/run.ts']) {
      const source = await readFile(new URL(file, import.meta.url), 'utf8');
      const read = [...source.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])/g)].map(
        (m) => m[1] ?? m[2],
      );
      assert.deepEqual(
        read.filter((name) => !documented.has(name!)),
        [],
        `${file} reads only documented variables`,
      );
    }
  });

  for (const s of RUN_SETTINGS) {
    it(`takes --${s.flag} and ${s.env}, the flag winning`, () => {
      const [fromFlag, fromEnv] = sample[s.kind];
      const flag = s.flag as never;
      assert.equal(read(s.kind, readRunSettings([], { [s.env]: fromEnv }), flag), fromEnv);
      assert.equal(
        read(s.kind, readRunSettings([`--${s.flag}=${fromFlag}`], { [s.env]: fromEnv }), flag),
        fromFlag,
      );
      assert.equal(read(s.kind, readRunSettings(['--other', `--${s.flag}`, fromFlag], {}), flag), fromFlag);
      assert.equal(read(s.kind, readRunSettings([], { [s.env]: '' }), flag), 'undefined');
    });
  }

  it('names the flag and the variable when a value is bad', () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [
        { OPERON_LEASE_DURATION_MS: 'soon' },
        /--leader-elect-lease-duration-ms \/ OPERON_LEASE_DURATION_MS is "soon"/,
      ],
      [
        { OPERON_LEADER_ELECTION: 'yes' },
        /--leader-elect \/ OPERON_LEADER_ELECTION is "yes"; use true or false/,
      ],
      [
        { OPERON_LOG_LEVEL: 'loud' },
        /--log-level \/ OPERON_LOG_LEVEL is "loud"; use one of debug, info, warn, error/,
      ],
    ];
    const values = readRunSettings([], {});
    assert.equal(values.ms('leader-elect-lease-duration-ms'), undefined);
    for (const [env, message] of bad) {
      const v = readRunSettings([], env);
      assert.throws(
        () => {
          v.ms('leader-elect-lease-duration-ms');
          v.boolean('leader-elect');
          v.level('log-level');
        },
        (err: unknown) => isOperonError(err) && message.test((err as Error).message),
      );
    }
    assert.throws(
      () => readRunSettings(['--kubeconfig'], {}),
      /--kubeconfig needs a value \(or set KUBECONFIG\)/,
    );
  });

  it('says which flag and variable to change when a port is in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      for (const [options, setting] of [
        [
          { metricsAddress: `127.0.0.1:${port}`, healthAddress: false },
          /--metrics-bind-address \/ OPERON_METRICS_ADDRESS/,
        ],
        [
          { metricsAddress: false, healthAddress: `127.0.0.1:${port}` },
          /--health-probe-bind-address \/ OPERON_HEALTH_ADDRESS/,
        ],
      ] as const) {
        await assert.rejects(
          startEndpoints({
            ...options,
            metricsSecure: false,
            metrics: createMetrics(),
            healthy: () => true,
            ready: () => true,
            status: () => ({}),
          }),
          (err: Error) => /the port is in use/.test(err.message) && setting.test(err.message),
        );
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
