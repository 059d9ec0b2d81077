/**
 * The webhook side of a running operator: `runWebhooks()` serves an operator's webhooks on every
 * replica (not only the leader) until the signal aborts, with certificates from the shared
 * Secret (self-signed mode) or from files a cert-manager Secret mounts.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Client } from '../client/client.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { ResourceWebhooks } from './define-webhooks.ts';
import { createCertificateRotator } from './rotator.ts';
import { createWebhookServer, type WebhookServer } from './server.ts';

export interface OperatorWebhookOptions {
  webhooks: readonly ResourceWebhooks[];
  client: Client;
  log: Logger;
  metrics?: Registry;
  /** Where the Secret lives and what the configurations are called (see `webhookNames()` in operon/generate). */
  namespace: string;
  names: { secret: string; configuration: string; hosts: readonly string[] };
  /** `host:port` (`[::1]:9443` for IPv6); default `:9443`. */
  address?: string;
  /** A folder with `tls.crt` and `tls.key` (cert-manager mode); re-read every 10 s. Default: the self-signed Secret. */
  certDir?: string;
}

/**
 * Starts serving; resolves once listening with a valid certificate (readiness), with `done`,
 * which resolves when `signal` has aborted and the server has drained.
 */
export async function serveOperatorWebhooks(
  options: OperatorWebhookOptions,
  signal: AbortSignal,
): Promise<{ server: WebhookServer; done: Promise<void> }> {
  const { webhooks, log } = options;
  const [host, port] = (() => {
    const a = options.address ?? ':9443';
    const i = a.lastIndexOf(':');
    const p = Number(a.slice(i + 1));
    if (i < 0 || !Number.isInteger(p) || p < 0 || p > 65535) {
      throw new OperonError(ErrorCode.InvalidArgument, `Webhook address "${a}" is not host:port.`);
    }
    // `[::1]:9443` is an IPv6 host in brackets, as in a URL.
    return [a.slice(0, i).replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', p] as const;
  })();
  const server = createWebhookServer({
    routes: webhooks.flatMap((w) => w.routes({ client: options.client })),
    host,
    port,
    log: log.child({ component: 'webhook' }),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const tasks: Promise<void>[] = [];
  if (options.certDir) {
    const dir = options.certDir;
    const read = async () => ({
      cert: await readFile(join(dir, 'tls.crt'), 'utf8'),
      key: await readFile(join(dir, 'tls.key'), 'utf8'),
    });
    let current = await read();
    server.setCertificate(current);
    const timer = setInterval(() => {
      // A read between the writes of a rotation can pair a new key with the old certificate: the
      // server refuses that pair and keeps its own; the next read, once both are written, loads it.
      read()
        .then((next) => {
          if (next.cert !== current.cert || next.key !== current.key) {
            server.setCertificate(next);
            current = next;
          }
        })
        .catch((err: unknown) => log.warn('could not reload the webhook certificate', { err, dir }));
    }, 10_000);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  } else {
    const rotator = createCertificateRotator({
      client: options.client,
      namespace: options.namespace,
      secretName: options.names.secret,
      hosts: options.names.hosts,
      server,
      validatingWebhookConfigurations: webhooks.some((w) => w.validating)
        ? [options.names.configuration]
        : [],
      mutatingWebhookConfigurations: webhooks.some((w) => w.mutating) ? [options.names.configuration] : [],
      customResourceDefinitions: webhooks
        .filter((w) => w.converter)
        .map((w) => `${w.resource.plural}.${w.resource.group}`),
      log: log.child({ component: 'webhook-certs' }),
    });
    tasks.push(rotator.start(signal));
    await rotator.ready(signal);
  }
  tasks.push(server.start(signal));
  await server.listen();
  return { server, done: Promise.all(tasks).then(() => undefined) };
}
