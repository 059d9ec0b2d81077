/**
 * The manager's HTTP endpoints: `/metrics` over HTTPS, each scrape authenticated and authorized
 * by the API server (plain HTTP only when asked for); the probes `/healthz` and `/readyz` over
 * plain HTTP; and `/status` (the live view, JSON, secrets redacted), off unless asked for.
 */

import { watch as watchDir } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, OperonError } from '../errors.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { Metrics } from '../metrics/index.ts';
import type { EndpointAuth } from './endpoint-auth.ts';
import { redactSecrets } from './redact.ts';
import { describeSetting, type RunSettingFlag } from './settings.ts';

// Not `import ... from 'node:http'`: an ES module import of node:http reads every export it has,
// which loads Node's own bundled undici for its WebSocket exports, 13 MiB of RSS and 90 ms of
// start-up CPU that nothing here uses (bench/idle.ts).
const { createServer: createHttpServer } = process.getBuiltinModule('node:http');

export interface EndpointOptions {
  metricsAddress: string | false;
  healthAddress: string | false;
  /**
   * HTTPS, with `auth` deciding on each scrape (default true). false serves plain HTTP to anyone
   * who can reach the port, for local development only; it logs a warning.
   */
  metricsSecure?: boolean;
  /** Authenticates and authorizes each request to the secure metrics server (and `/status` on it). */
  auth?: EndpointAuth;
  /**
   * A folder holding `tls.crt` and `tls.key` (a mounted `kubernetes.io/tls` Secret), reread when
   * they change. Default: a self-signed certificate made at start, for this host name and localhost.
   */
  metricsCertDir?: string;
  /** How often the certificate files are checked for changes besides file events; default 10 s. */
  certCheckIntervalMs?: number;
  /**
   * The live view: false (default) off; a loopback `host:port` (e.g. `127.0.0.1:8082`), plain
   * HTTP, to reach with `kubectl port-forward`; or `'metrics'`: `/status` on the metrics server,
   * behind its authentication and authorization (`get` on the non-resource URL `/status`).
   */
  statusAddress?: string | false;
  metrics: Metrics;
  /** Brings gauges up to date just before a scrape. */
  beforeScrape?(): void;
  healthy(): boolean;
  /** True when ready; otherwise the reason, which `/readyz` answers with its 503. */
  ready(): true | string;
  status(): unknown;
  log?: Logger;
}

export interface HttpEndpoints {
  metrics?: string;
  health?: string;
  /** Where `/status` is served: its own address, or the metrics address when `statusAddress` is `'metrics'`. */
  status?: string;
  /** Whether the metrics address speaks HTTPS. */
  metricsSecure: boolean;
  close(): Promise<void>;
}

/** Splits `host:port` (`:8080` means every interface). */
export function parseAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `"${address}" is not a listen address; use host:port, :port for every interface, or :0 for a free port.`,
    );
  }
  const host = address.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  return { host, port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Where an endpoint's address is set: the option in code, and `run()`'s flag and variable. */
const SETTING = {
  metrics: { option: 'metricsAddress', flag: 'metrics-bind-address' },
  health: { option: 'healthAddress', flag: 'health-probe-bind-address' },
  status: { option: 'statusAddress', flag: 'status-bind-address' },
} as const satisfies Record<string, { option: string; flag: RunSettingFlag }>;

async function listen(
  server: Server | HttpsServer,
  address: string,
  what: string,
  endpoint: keyof typeof SETTING,
): Promise<string> {
  const { host, port } = parseAddress(address);
  const { option, flag } = SETTING[endpoint];
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) =>
      reject(
        new OperonError(
          cause.code === 'EADDRINUSE' ? ErrorCode.PortInUse : ErrorCode.InvalidArgument,
          `Cannot serve ${what} on ${address}: ${cause.code === 'EADDRINUSE' ? 'the port is in use' : cause.message}. Choose another address with ${describeSetting(flag)} (or \`${option}\` in code), or 0 (\`false\` in code) to turn it off.`,
          { cause },
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const a = server.address();
  return typeof a === 'object' && a
    ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
    : address;
}

const text = (res: ServerResponse, code: number, body: string) =>
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`);

const TLS_FILES = { cert: 'tls.crt', key: 'tls.key' } as const;

async function readPair(dir: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = await Promise.all([
    readFile(join(dir, TLS_FILES.cert), 'utf8'),
    readFile(join(dir, TLS_FILES.key), 'utf8'),
  ]);
  return { cert, key };
}

/** Watches `dir` for a new certificate pair and hands it to `apply`; returns the stop function. */
function watchCertificates(
  dir: string,
  initial: { cert: string; key: string },
  apply: (pair: { cert: string; key: string }) => void,
  log: Logger,
  intervalMs: number,
): () => void {
  let current = initial;
  let checking = false;
  let again = false;
  const check = async () => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        let pair: { cert: string; key: string };
        try {
          pair = await readPair(dir);
        } catch (err) {
          // A Secret update swaps a symlink; a read in between can miss a file. The next check retries.
          log.debug('metrics serving certificate not readable; keeping the current one', { dir, err });
          continue;
        }
        if (pair.cert === current.cert && pair.key === current.key) continue;
        try {
          apply(pair);
          current = pair;
          log.info('metrics serving certificate reloaded', { dir });
        } catch (err) {
          log.warn('metrics serving certificate in the folder is not usable; keeping the current one', {
            dir,
            err,
          });
          current = pair; // warn once per change, not on every check
        }
      } while (again);
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  let watcher: ReturnType<typeof watchDir> | undefined;
  try {
    watcher = watchDir(dir, () => void check());
    watcher.on('error', () => watcher?.close());
  } catch {
    // No file events here (some volume types): the interval still sees changes.
  }
  return () => {
    clearInterval(timer);
    watcher?.close();
  };
}

export async function startEndpoints(options: EndpointOptions): Promise<HttpEndpoints> {
  const log = options.log ?? silentLogger;
  const secure = options.metricsSecure ?? true;
  const statusAddress = options.statusAddress ?? false;
  const servers: Array<Server | HttpsServer> = [];
  const stops: Array<() => void> = [];
  const out: HttpEndpoints = {
    metricsSecure: secure,
    async close() {
      for (const stop of stops) stop();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
  if (statusAddress === 'metrics' && (options.metricsAddress === false || !secure)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'statusAddress "metrics" serves /status behind the secure metrics server, which is ' +
        `${options.metricsAddress === false ? 'turned off' : 'plain HTTP (metricsSecure: false)'}. ` +
        'Turn secure metrics on, or give statusAddress a loopback address such as 127.0.0.1:8082.',
    );
  }
  if (typeof statusAddress === 'string' && statusAddress !== 'metrics') {
    const { host } = parseAddress(statusAddress);
    if (!isLoopback(host)) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `statusAddress "${statusAddress}" is not a loopback address: /status over plain HTTP must bind 127.0.0.1 ` +
          '(reach it with kubectl port-forward). To reach it from elsewhere, use statusAddress "metrics": it is then ' +
          'served on the metrics server, behind the same authentication and authorization.',
      );
    }
  }
  if (secure && options.metricsAddress !== false && !options.auth) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      'Secure metrics need an auth function (createDelegatingAuth(client)) to check each scrape.',
    );
  }

  const serveStatus = (res: ServerResponse) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(`${JSON.stringify(redactSecrets(options.status()), null, 2)}\n`);
  const serveMetrics = (res: ServerResponse) => {
    options.beforeScrape?.();
    options.metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(body),
      (err: unknown) => {
        log.error('metrics could not be gathered', { err });
        text(res, 500, 'metrics could not be gathered: see the operator log');
      },
    );
  };

  try {
    if (options.metricsAddress !== false) {
      const paths = statusAddress === 'metrics' ? ['/metrics', '/status'] : ['/metrics'];
      const handle = (req: IncomingMessage, res: ServerResponse) => {
        const path = req.url?.split('?')[0] ?? '';
        if (!paths.includes(path)) return text(res, 404, `not found: try ${paths.join(' or ')}`);
        const serve = () => (path === '/status' ? serveStatus(res) : serveMetrics(res));
        if (!secure) return serve();
        options.auth!(req.headers.authorization, { verb: (req.method ?? 'GET').toLowerCase(), path }).then(
          (decision) => {
            if (decision.outcome === 'allowed') return serve();
            if (decision.outcome === 'unauthenticated') {
              log.debug('scrape not authenticated', { path, reason: decision.reason });
              return text(res, 401, 'Unauthorized');
            }
            log.debug('scrape not authorized', { path, user: decision.user, reason: decision.reason });
            return text(res, 403, `Authorization denied for user ${decision.user}`);
          },
          (err: unknown) => {
            log.warn('could not authenticate or authorize a scrape with the API server', { path, err });
            text(res, 500, 'Authentication or authorization failed: see the operator log');
          },
        );
      };
      let server: Server | HttpsServer;
      if (secure) {
        let pair: { cert: string; key: string };
        if (options.metricsCertDir) {
          const dir = options.metricsCertDir;
          try {
            pair = await readPair(dir);
          } catch (cause) {
            throw new OperonError(
              ErrorCode.InvalidArgument,
              `Cannot read the metrics serving certificate ${join(dir, TLS_FILES.cert)} and key ${join(dir, TLS_FILES.key)} ` +
                `(${(cause as NodeJS.ErrnoException).code ?? String(cause)}). Mount the Secret there, or leave metricsCertDir unset for a self-signed certificate.`,
              { cause },
            );
          }
        } else {
          const { createSelfSignedCA, issueServingCert } = await import('../certs/index.ts');
          const ca = await createSelfSignedCA({ commonName: 'operon-metrics-ca' });
          pair = await issueServingCert(ca, {
            dnsNames: [...new Set([hostname(), 'localhost'])],
            ipAddresses: ['127.0.0.1', '::1'],
          });
          log.info('metrics: serving a self-signed certificate (set metricsCertDir to use a mounted one)');
        }
        let https: HttpsServer;
        try {
          https = createHttpsServer({ ...pair, minVersion: 'TLSv1.2' }, handle);
        } catch (cause) {
          throw new OperonError(
            ErrorCode.InvalidArgument,
            `The metrics serving certificate and key in ${options.metricsCertDir} do not make a usable pair: ${(cause as Error).message}.`,
            { cause },
          );
        }
        server = https;
        if (options.metricsCertDir) {
          stops.push(
            watchCertificates(
              options.metricsCertDir,
              pair,
              (next) => https.setSecureContext({ ...next, minVersion: 'TLSv1.2' }),
              log,
              options.certCheckIntervalMs ?? 10_000,
            ),
          );
        }
      } else {
        server = createHttpServer(handle);
      }
      servers.push(server);
      out.metrics = await listen(server, options.metricsAddress, 'metrics', 'metrics');
      if (!secure) {
        log.warn(
          'metrics served over plain HTTP without authentication (metricsSecure: false): anyone who reaches ' +
            'the port can read them. Use this for local development only.',
          { address: out.metrics },
        );
      }
      if (statusAddress === 'metrics') out.status = out.metrics;
    }
    if (options.healthAddress !== false) {
      const server = createHttpServer((req, res) => {
        const path = req.url?.split('?')[0];
        const probe = (ok: boolean, what: string) => text(res, ok ? 200 : 503, ok ? 'ok' : what);
        if (path === '/healthz') probe(options.healthy(), 'a watch has been failing: see the logs');
        else if (path === '/readyz') {
          const ready = options.ready();
          probe(ready === true, ready === true ? '' : ready);
        } else text(res, 404, 'not found: try /healthz or /readyz');
      });
      servers.push(server);
      out.health = await listen(server, options.healthAddress, 'health probes', 'health');
    }
    if (typeof statusAddress === 'string' && statusAddress !== 'metrics') {
      const server = createHttpServer((req, res) => {
        if (req.url?.split('?')[0] === '/status') serveStatus(res);
        else text(res, 404, 'not found: try /status');
      });
      servers.push(server);
      out.status = await listen(server, statusAddress, 'the live view (/status)', 'status');
    }
  } catch (err) {
    await out.close();
    throw err;
  }
  return out;
}
