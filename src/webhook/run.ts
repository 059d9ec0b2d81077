/**
 * The webhook side of a running operator: `addOperatorWebhooks(manager, options)` adds a Runnable
 * to the manager's `webhooks` group that serves an operator's webhooks on every replica (not only
 * the leader), with certificates from the shared Secret (self-signed mode) or from files a
 * cert-manager Secret mounts; `serveOperatorWebhooks()` is the same without a manager.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Client } from '../client/client.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Manager } from '../manager/manager.ts';
import type { Runnable } from '../manager/runnable.ts';
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
    // A stop during the read: its abort event has passed, so nothing below would ever end.
    signal.throwIfAborted();
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
  try {
    await server.listen();
  } catch (err) {
    // Nobody will await the rotator now: keep its ending from becoming an unhandled rejection.
    for (const t of tasks) t.catch(() => {});
    throw err;
  }
  tasks.push(server.start(signal));
  return { server, done: Promise.all(tasks).then(() => undefined) };
}

/** The webhook server as a manager Runnable; `serving` is what `/readyz` asks of it. */
export interface WebhookRunnable extends Runnable {
  /** Listening, not stopping, with a certificate valid now. */
  readonly serving: boolean;
  /** The server, once `start()` has made it. */
  readonly server: WebhookServer | undefined;
}

/**
 * A Runnable serving the operator's webhooks: `start()` gets a certificate (the Secret, or the
 * files of `certDir`), listens, serves until its signal aborts and then drains in-flight reviews;
 * `ready()` resolves once it listens with a certificate, and rejects if it cannot.
 */
export function webhookRunnable(options: OperatorWebhookOptions): WebhookRunnable {
  let server: WebhookServer | undefined;
  let listening!: () => void;
  let failed!: (err: unknown) => void;
  const isListening = new Promise<void>((resolve, reject) => {
    listening = resolve;
    failed = reject;
  });
  isListening.catch(() => {});
  return {
    name: 'webhook server',
    async start(signal) {
      let served: Awaited<ReturnType<typeof serveOperatorWebhooks>>;
      // Until it listens, its own controller: a failure stops the rotator it may have started.
      const local = new AbortController();
      const both = AbortSignal.any([signal, local.signal]);
      try {
        served = await serveOperatorWebhooks(options, both);
      } catch (err) {
        local.abort(err);
        failed(err);
        throw err;
      }
      server = served.server;
      listening();
      await served.done;
    },
    ready(signal) {
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        isListening.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
    get serving() {
      return server?.ready ?? false;
    },
    get server() {
      return server;
    },
  };
}

/**
 * Adds the operator's webhooks to `manager`: a `webhookRunnable()` in its `webhooks` group (so it
 * runs on every replica, before the caches start, and stops after the controllers and caches) and
 * a `/readyz` check that it serves with a valid certificate. Handlers and certificate management
 * get the manager's unfenced client: they must go on working on a replica that does not lead, and
 * while the manager drains them after a loss of leadership or on shutdown.
 */
export function addOperatorWebhooks(
  manager: Manager,
  options: Omit<OperatorWebhookOptions, 'client' | 'log' | 'metrics'> &
    Partial<Pick<OperatorWebhookOptions, 'log' | 'metrics'>>,
): WebhookRunnable {
  const r = webhookRunnable({
    client: manager.unfencedClient,
    log: manager.log,
    metrics: manager.metrics.registry,
    ...options,
  });
  manager.addRunnable(r, 'webhooks').addReadyCheck('webhooks', () => r.serving);
  return r;
}
