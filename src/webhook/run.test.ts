import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import type { Client } from '../client/client.ts';
import type { Logger } from '../log/logger.ts';
import { defineResource, Type } from '../resource/index.ts';
import { eventually } from '../testing/eventually.ts';
import { Admission } from './admission.ts';
import { createSelfSignedCA, issueServingCert } from './certs.ts';
import { defineWebhooks } from './define-webhooks.ts';
import { serveOperatorWebhooks } from './run.ts';

const Thing = defineResource({
  group: 'run-test.operon.dev',
  kind: 'Thing',
  versions: { v1: { spec: Type.Object({ value: Type.String() }) } },
});
const hooks = defineWebhooks(Thing, { validate: () => Admission.allow() });

function recordingLogger(lines: Array<{ level: string; msg: string }>): Logger {
  const log: Logger = {
    debug: (msg) => lines.push({ level: 'debug', msg }),
    info: (msg) => lines.push({ level: 'info', msg }),
    warn: (msg) => lines.push({ level: 'warn', msg }),
    error: (msg) => lines.push({ level: 'error', msg }),
    child: () => log,
    enabled: () => true,
  };
  return log;
}

function presented(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()!.toString());
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('webhooks served from a certificate folder (cert-manager mode)', () => {
  it('a re-read that finds a key not matching the certificate is logged and skipped, not a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'operon-run-test-'));
    const stop = new AbortController();
    try {
      const ca = await createSelfSignedCA();
      const first = await issueServingCert(ca, { hosts: ['localhost', '127.0.0.1'] });
      const second = await issueServingCert(ca, { hosts: ['localhost', '127.0.0.1'] });
      await writeFile(join(dir, 'tls.crt'), first.cert);
      await writeFile(join(dir, 'tls.key'), first.key);
      const lines: Array<{ level: string; msg: string }> = [];
      const { server, done } = await serveOperatorWebhooks(
        {
          webhooks: [hooks],
          client: {} as Client,
          log: recordingLogger(lines),
          namespace: 'unused',
          names: { secret: 'unused', configuration: 'unused', hosts: ['localhost'] },
          address: '127.0.0.1:0',
          certDir: dir,
        },
        stop.signal,
      );
      const port = Number(server.address!.split(':').pop());
      // Half of a rotation: the new key beside the old certificate (a read between two writes).
      await writeFile(join(dir, 'tls.key'), second.key);
      await eventually(
        'the mismatched pair is reported',
        () => lines.some((l) => l.level === 'warn' && /certificate/.test(l.msg)),
        30_000,
      );
      assert.equal(server.ready, true);
      assert.equal(await presented(port, ca.cert), new X509Certificate(first.cert).toString());
      // The other half arrives: the next re-read loads the new pair.
      await writeFile(join(dir, 'tls.crt'), second.cert);
      await eventually(
        'the new certificate is served',
        async () => (await presented(port, ca.cert)) === new X509Certificate(second.cert).toString(),
        30_000,
      );
      stop.abort();
      await done;
    } finally {
      stop.abort();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a stop while the certificates are read leaves nothing listening or re-reading them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'operon-run-test-'));
    try {
      const ca = await createSelfSignedCA();
      const pair = await issueServingCert(ca, { hosts: ['localhost', '127.0.0.1'] });
      await writeFile(join(dir, 'tls.crt'), pair.cert);
      await writeFile(join(dir, 'tls.key'), pair.key);
      const handles = () =>
        process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'Timeout');
      const before = handles();
      const stop = new AbortController();
      const serving = serveOperatorWebhooks(
        {
          webhooks: [hooks],
          client: {} as Client,
          log: recordingLogger([]),
          namespace: 'unused',
          names: { secret: 'unused', configuration: 'unused', hosts: ['localhost'] },
          address: '127.0.0.1:0',
          certDir: dir,
        },
        stop.signal,
      );
      // A SIGTERM just after start: the files are being read (the first await).
      stop.abort(new Error('shutting down'));
      await assert.rejects(serving, /shutting down/);
      // Before, the re-read timer and the listening socket stayed: the process never exited.
      assert.deepEqual(handles(), before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes an IPv6 address in brackets, as the metrics address does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'operon-run-test-'));
    const stop = new AbortController();
    try {
      const ca = await createSelfSignedCA();
      const pair = await issueServingCert(ca, { hosts: ['localhost', '::1'] });
      await writeFile(join(dir, 'tls.crt'), pair.cert);
      await writeFile(join(dir, 'tls.key'), pair.key);
      const { server, done } = await serveOperatorWebhooks(
        {
          webhooks: [hooks],
          client: {} as Client,
          log: recordingLogger([]),
          namespace: 'unused',
          names: { secret: 'unused', configuration: 'unused', hosts: ['localhost'] },
          address: '[::1]:0',
          certDir: dir,
        },
        stop.signal,
      );
      assert.match(server.address!, /^\[::1\]:\d+$/);
      stop.abort();
      await done;
    } finally {
      stop.abort();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
