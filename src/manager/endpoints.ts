/**
 * The manager's HTTP endpoints: `/metrics` in Prometheus text on one address, and `/healthz`
 * (watches alive), `/readyz` (caches synced) and `/status` (the live view, JSON) on another.
 */

import { createServer, type Server } from 'node:http';
import { ErrorCode, OperonError } from '../errors.ts';
import type { Metrics } from '../metrics/index.ts';

export interface EndpointOptions {
  metricsAddress: string | false;
  healthAddress: string | false;
  metrics: Metrics;
  /** Brings gauges up to date just before a scrape. */
  beforeScrape?(): void;
  healthy(): boolean;
  ready(): boolean;
  status(): unknown;
}

export interface HttpEndpoints {
  metrics?: string;
  health?: string;
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

async function listen(server: Server, address: string, what: string): Promise<string> {
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) =>
      reject(
        new OperonError(
          cause.code === 'EADDRINUSE' ? ErrorCode.PortInUse : ErrorCode.InvalidArgument,
          `Cannot serve ${what} on ${address}: ${cause.code === 'EADDRINUSE' ? 'the port is in use' : cause.message}. Choose another address (metricsAddress / healthAddress), or false to turn it off.`,
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

export async function startEndpoints(options: EndpointOptions): Promise<HttpEndpoints> {
  const servers: Server[] = [];
  const out: HttpEndpoints = {
    async close() {
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
  try {
    if (options.metricsAddress !== false) {
      const server = createServer((req, res) => {
        if (req.url?.split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
          return;
        }
        options.beforeScrape?.();
        options.metrics.text().then(
          (text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(text),
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
        );
      });
      servers.push(server);
      out.metrics = await listen(server, options.metricsAddress, 'metrics');
    }
    if (options.healthAddress !== false) {
      const server = createServer((req, res) => {
        const path = req.url?.split('?')[0];
        const probe = (ok: boolean, what: string) =>
          res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : `${what}\n`);
        if (path === '/healthz' || path === '/livez')
          probe(options.healthy(), 'a watch has been failing: see the logs');
        else if (path === '/readyz') probe(options.ready(), 'caches not synced yet');
        else if (path === '/status') {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(`${JSON.stringify(options.status(), null, 2)}\n`);
        } else
          res
            .writeHead(404, { 'content-type': 'text/plain' })
            .end('not found: try /healthz, /readyz or /status\n');
      });
      servers.push(server);
      out.health = await listen(server, options.healthAddress, 'health probes');
    }
  } catch (err) {
    await out.close();
    throw err;
  }
  return out;
}
