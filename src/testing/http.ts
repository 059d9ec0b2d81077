/**
 * A minimal authenticated HTTPS client for the control plane's own needs (health, CRDs,
 * namespaces): `connect()` returns `request()` over one keep-alive agent. Operators use
 * `operon/client`; this stays private to `operon/testing`.
 */

import { Agent, request as httpsRequest } from 'node:https';
import type { Impersonation } from '../client/config.ts';
import { impersonationHeaders } from '../client/transport.ts';
import { ErrorCode, OperonError } from '../errors.ts';

export interface Credentials {
  server: string;
  /** PEM CA bundle; undefined trusts the system's CAs. */
  ca?: string;
  /** Client certificate and key (PEM). */
  cert?: string;
  key?: string;
  /** Bearer token. */
  token?: string;
  /** Skip server certificate verification (a kubeconfig's insecure-skip-tls-verify). */
  insecure?: boolean;
  /** Act as this user (a kubeconfig's `as`, `as-groups`, `as-uid`, `as-user-extra`). */
  impersonate?: Impersonation;
}

export interface Response<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export interface Connection {
  request<T = unknown>(
    method: string,
    path: string,
    options?: { body?: unknown; contentType?: string; signal?: AbortSignal; timeoutMs?: number },
  ): Promise<Response<T>>;
  /** Like request, but throws an ApiError-coded OperonError unless the status is 2xx. */
  call<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  close(): void;
}

export function connect(creds: Credentials): Connection {
  const agent = new Agent({
    ca: creds.ca,
    cert: creds.cert,
    key: creds.key,
    keepAlive: true,
    maxSockets: 16,
  });
  const base = new URL(creds.server);
  const impersonation = creds.impersonate ? impersonationHeaders(creds.impersonate) : {};

  const request: Connection['request'] = (method, path, options = {}) =>
    new Promise((resolve, reject) => {
      const payload =
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body);
      const req = httpsRequest(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path,
          headers: {
            accept: 'application/json',
            ...impersonation,
            ...(creds.token ? { authorization: `Bearer ${creds.token}` } : {}),
            ...(payload !== undefined
              ? {
                  'content-type': options.contentType ?? 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }
              : {}),
          },
          ...(options.signal ? { signal: options.signal } : {}),
          timeout: options.timeoutMs ?? 30_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => {
            let body: unknown = text;
            try {
              body = text ? JSON.parse(text) : undefined;
            } catch {}
            resolve({ status: res.statusCode ?? 0, body: body as never, text });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });

  return {
    request,
    async call(method, path, body, contentType) {
      const res = await request(method, path, { body, ...(contentType ? { contentType } : {}) });
      if (res.status >= 200 && res.status < 300) return res.body as never;
      const status = res.body as { message?: string; reason?: string } | undefined;
      throw new OperonError(
        ErrorCode.ApiError,
        `${method} ${path}: HTTP ${res.status} ${status?.reason ?? ''}: ${status?.message ?? res.text.slice(0, 500)}`,
        { retryable: res.status >= 500 || res.status === 429 || res.status === 409 },
      );
    },
    close: () => agent.destroy(),
  };
}
