/**
 * Benchmark: admission round trips through the real API server. Dry-run creates of a custom
 * resource with an Operon validating webhook, the same creates of a twin resource validated by a
 * controller-runtime webhook (bench/peers/controller-runtime-webhook, built with `go build`), and
 * creates with no webhook (the API server's own cost), in one run against one API server: p50 /
 * p99 latency one at a time, and throughput with 16 in flight, side by side. Both webhooks allow
 * an image from registry.example.com/ and deny any other, over HTTPS with an ECDSA P-256
 * certificate from the same CA.
 *
 *   node --conditions=operon:source bench/webhook.ts [--quick]
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient, loadKubeconfig, ValidatingWebhookConfiguration } from 'operon/client';
import { defineResource, Type } from 'operon/resource';
import { eventually, runWebhooks, startControlPlane } from 'operon/testing';
import { Admission, createSelfSignedCA, defineWebhooks, issueServingCert } from 'operon/webhook';
import { freePort } from '../src/testing/ports.ts';
import { buildGo } from './operator/peers.ts';

const spec = Type.Object({ image: Type.String() });
const Hooked = defineResource({ group: 'bench.operon.dev', kind: 'Hooked', versions: { v1: { spec } } });
const Plain = defineResource({ group: 'bench.operon.dev', kind: 'Plain', versions: { v1: { spec } } });
/** The twin of Hooked that the controller-runtime webhook validates. */
const Peered = defineResource({ group: 'bench.operon.dev', kind: 'Peered', versions: { v1: { spec } } });
const PEER_PATH = '/validate-bench-operon-dev-v1-peered';
const hooks = defineWebhooks(Hooked, {
  validate: (o) =>
    o.spec.image.startsWith('registry.example.com/') ? Admission.allow() : Admission.deny('registry'),
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchWebhook(options: { quick?: boolean } = {}): Promise<string> {
  const sequential = options.quick ? 100 : 1000;
  const concurrent = options.quick ? 400 : 4000;
  const inFlight = 16;
  const peerBinary = await buildGo('controller-runtime-webhook', 'webhook-peer');
  await using plane = await startControlPlane({ crds: [Hooked.crd(), Plain.crd(), Peered.crd()] });
  const client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  // One CA for both webhooks, so the TLS cost is the same.
  const ca = await createSelfSignedCA({ commonName: 'bench-webhook-ca' });
  await using running = await runWebhooks(plane, [hooks], {
    certificate: { caBundle: ca.cert, serving: await issueServingCert(ca, { hosts: ['127.0.0.1'] }) },
  });
  const certDir = await mkdtemp(join(tmpdir(), 'operon-bench-webhook-'));
  const serving = await issueServingCert(ca, { hosts: ['127.0.0.1'] });
  await writeFile(join(certDir, 'tls.crt'), serving.cert);
  await writeFile(join(certDir, 'tls.key'), serving.key, { mode: 0o600 });
  const port = await freePort();
  const peer: ChildProcess = spawn(peerBinary, [certDir, String(port)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const peerExit = once(peer, 'exit');
  const rows: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: peer.stdout! }).on('line', (l) => l === 'ready' && resolve());
      void peerExit.then(([code]) => reject(new Error(`the controller-runtime webhook exited (${code})`)));
    });
    await client.create(ValidatingWebhookConfiguration, {
      metadata: { name: 'bench-controller-runtime-webhook' },
      webhooks: [
        {
          name: 'validate.peereds.bench.operon.dev',
          clientConfig: {
            url: `https://127.0.0.1:${port}${PEER_PATH}`,
            caBundle: Buffer.from(ca.cert).toString('base64'),
          },
          rules: [
            {
              apiGroups: [Peered.group],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: [Peered.plural],
            },
          ],
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds: 10,
        },
      ],
    });
    // The configuration is live once the peer denies a bad image.
    await eventually('the API server calls the controller-runtime webhook', () =>
      client
        .create(
          Peered,
          { metadata: { name: 'probe', namespace: 'default' }, spec: { image: 'elsewhere/x:1' } },
          { dryRun: true },
        )
        .then(
          () => false,
          (err: unknown) => /denied the request/.test((err as Error).message),
        ),
    );
    const scenarios: Array<[string, typeof Hooked]> = [
      ['no webhook (API server alone)', Plain as unknown as typeof Hooked],
      ['Operon validating webhook', Hooked],
      ['controller-runtime validating webhook', Peered as unknown as typeof Hooked],
    ];
    for (const [name, type] of scenarios) {
      let n = 0;
      const create = () =>
        client.create(
          type,
          {
            metadata: { name: `o${n++}`, namespace: 'default' },
            spec: { image: 'registry.example.com/app:1' },
          },
          { dryRun: true },
        );
      for (let i = 0; i < 20; i++) await create(); // warm up connections and caches
      const latencies: number[] = [];
      for (let i = 0; i < sequential; i++) {
        const t = performance.now();
        await create();
        latencies.push(performance.now() - t);
      }
      latencies.sort((a, b) => a - b);
      let left = concurrent;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (left-- > 0) await create();
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      rows.push(
        `| ${name} | ${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} | ${Math.round(concurrent / seconds)} |`,
      );
    }
    const calls = running.calls.get(hooks.validating!.path) ?? 0;
    const peerVersion = /controller-runtime (v\S+)/.exec(
      await (await import('node:fs/promises')).readFile(
        new URL('./peers/controller-runtime-webhook/go.mod', import.meta.url),
        'utf8',
      ),
    )?.[1];
    return [
      '## Admission webhook round trip',
      '',
      `Dry-run creates through kube-apiserver, one run, one API server; latency over ${sequential} sequential requests, throughput over ${concurrent} with ${inFlight} in flight. The Operon webhook answered ${calls} reviews; the controller-runtime one (${peerVersion ?? '?'}, admission.WithValidator) does the same check on a twin resource.`,
      '',
      '| Path | p50 ms | p99 ms | creates/s |',
      '| --- | ---: | ---: | ---: |',
      ...rows,
    ].join('\n');
  } finally {
    peer.stdin!.end();
    if (peer.exitCode === null && !(await Promise.race([peerExit.then(() => true), sleep(5000)])))
      peer.kill('SIGKILL');
    await client
      .delete(ValidatingWebhookConfiguration, 'bench-controller-runtime-webhook')
      .catch(() => undefined);
    await client.close();
    await rm(certDir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref());

if (import.meta.main)
  process.stdout.write(`${await benchWebhook({ quick: process.argv.includes('--quick') })}\n`);
