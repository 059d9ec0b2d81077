/**
 * The HTTP transport to one cluster: `createTransport()` keeps one pooled keep-alive undici
 * dispatcher, adds credentials (refreshing them after a 401), honours 429 `Retry-After`, bounds
 * every request but a watch by a timeout, PINGs each HTTP/2 connection so a silently dead one is
 * dropped, and can apply an optional client-side QPS/burst limit (off by default, as in
 * controller-runtime). `close()` is terminal: nothing is sent afterwards.
 */

import { ErrorCode, isOperonError, OperonError } from '../errors.ts';
import { type Clock, realClock } from '../queue/clock.ts';
import { ApiError } from './api-error.ts';
import type { ClusterConfig, Credentials, Impersonation } from './config.ts';
import type { Status } from './types/meta-v1.ts';
import { Agent, type Dispatcher, proxyAgent, request } from './undici.ts';

export interface TransportOptions {
  /** Client-side requests per second; default none (no limit). */
  qps?: number;
  /** Bucket size for `qps`; default `qps`. */
  burst?: number;
  /** How often a 429 answer is retried after its Retry-After; default 5. */
  maxThrottleRetries?: number;
  /**
   * Connections per origin; default unlimited. Over HTTP/1.1 every open watch holds one, so a
   * limit below the number of watches would stall the rest (and every request behind them).
   */
  connections?: number;
  /**
   * Offer HTTP/2 through ALPN; default true. Measured with 200 concurrent watches (npm run bench):
   * 2 connections instead of 216, every watch open in 384 ms instead of 1032 ms, half the RSS,
   * no measurable difference in event latency. A server without HTTP/2 gets HTTP/1.1.
   */
  http2?: boolean;
  /**
   * Longest time one request may take, from sending it to the last byte of its answer; default
   * 60 s, the API server's own `--request-timeout` (past it the server answers 504 anyway). A
   * request that runs out fails with code `OPERON_TIMEOUT` (retryable). Watches (`watch=1` in the
   * query) are exempt: they are long by design, and the connection's PING and the watch's idle
   * timeout find a dead one. 0 turns the limit off.
   */
  requestTimeoutMs?: number;
  /**
   * How often each HTTP/2 connection is PINGed. A PING still unanswered when the next one is due
   * drops the connection and fails every request and watch on it (code `OPERON_UNREACHABLE`), so
   * the next request opens a fresh one. Default 5 s: a connection that went silent (a NAT or load
   * balancer that forgot the flow: no FIN, no RST) is dropped 5–10 s later, well inside the 30 s in
   * which an operator must act on new changes (client-go: 30 s idle + 15 s PING timeout). Measured
   * through a blackhole (test/faults.test.ts): 10 s gave 19.9 s to act on a change, too close to
   * 30 s. A PING is a 17-byte frame the server answers without work; 5 s still leaves a loaded
   * event loop seconds to read the ack. 0 turns it off. Over HTTP/1.1 there is no PING: requests
   * rely on `requestTimeoutMs`, watches on their idle timeout.
   */
  pingIntervalMs?: number;
  userAgent?: string;
  /** Observes every answer: method, path and status (for audits of what an operator does). */
  onResponse?: (method: string, path: string, status: number) => void;
  /**
   * Time for the QPS limit, the waits after a 429 and the request timeouts; default the process clock. Tests pass a
   * fake clock (`createFakeClock()` from operon/queue) to check the spacing without waiting.
   */
  clock?: Clock;
}

export interface HttpRequest {
  method: string;
  /** Path with query string, e.g. `/api/v1/namespaces/default/pods?limit=500`. */
  path: string;
  body?: string;
  contentType?: string;
  signal?: AbortSignal | undefined;
  /** For watches: longest silence between body chunks before the connection counts as dead. */
  bodyTimeoutMs?: number;
  /** This request's total timeout instead of `requestTimeoutMs` (0 = none). */
  timeoutMs?: number;
  /** Accept header; default `application/json` (metadata-only reads ask for PartialObjectMetadata). */
  accept?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export interface Transport {
  readonly config: ClusterConfig;
  /** Sends a request; the caller consumes the body. Non-2xx answers are returned, not thrown. */
  send(req: HttpRequest): Promise<HttpResponse>;
  /** Sends a request and parses a JSON answer; throws ApiError for non-2xx. */
  json<T>(req: HttpRequest): Promise<T>;
  /**
   * Counters for benchmarks, metrics and fault tests: requests sent, by method; 429s retried;
   * requests that ran out of time; connections dropped because they stopped answering PINGs.
   */
  readonly stats: {
    requests: number;
    byMethod: Record<string, number>;
    throttled: number;
    timedOut: number;
    unresponsive: number;
  };
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Ends the transport for good: every request afterwards, and every one not yet sent (waiting
   * for credentials, the rate limit or a Retry-After), rejects with code `OPERON_CLIENT_CLOSED`
   * and opens no connection. Requests in flight get a second to finish, then their connections
   * are destroyed. Idempotent.
   */
  close(): Promise<void>;
}

function sleep(ms: number, signal: AbortSignal | undefined, clock: Clock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A token bucket on `clock`: `take()` resolves when a token is free. */
function tokenBucket(qps: number, burst: number, clock: Clock) {
  let tokens = burst;
  let last = clock.now();
  return async (signal?: AbortSignal) => {
    for (;;) {
      const now = clock.now();
      tokens = Math.min(burst, tokens + ((now - last) / 1000) * qps);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(((1 - tokens) / qps) * 1000, signal, clock);
    }
  };
}

/** Whether a request path is a watch, which the API server too treats as long-running. */
function isWatch(path: string): boolean {
  const q = path.indexOf('?');
  if (q < 0) return false;
  // Most queries name no watch, not even percent-encoded: no need to parse them.
  if (!path.includes('watch', q) && !path.includes('%', q)) return false;
  const watch = new URLSearchParams(path.slice(q + 1)).get('watch');
  return watch === '1' || watch === 'true';
}

/**
 * A signal that aborts when any of `signals` does, or when `abort(reason)` is called;
 * `dispose()` unhooks it from them.
 */
function anySignal(signals: ReadonlyArray<AbortSignal | undefined | null>): {
  signal: AbortSignal;
  abort(reason: unknown): void;
  dispose(): void;
} {
  const controller = new AbortController();
  const hooked: AbortSignal[] = [];
  const onAbort = function (this: AbortSignal) {
    controller.abort(this.reason);
    dispose();
  };
  function dispose() {
    for (const s of hooked.splice(0)) s.removeEventListener('abort', onAbort);
  }
  const abort = (reason: unknown) => {
    controller.abort(reason);
    dispose();
  };
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) {
      controller.abort(s.reason);
      dispose();
      break;
    }
    s.addEventListener('abort', onAbort, { once: true });
    hooked.push(s);
  }
  return { signal: controller.signal, abort, dispose };
}

/** The message an undici error carries when its HTTP/2 connection stopped answering PINGs. */
const UNRESPONSIVE = /connection unresponsive/;

export function createTransport(config: ClusterConfig, options: TransportOptions = {}): Transport {
  const base = new URL(config.server);
  const origin = base.origin;
  const prefix = base.pathname.replace(/\/$/, '');
  const clock = options.clock ?? realClock;
  const limiter = options.qps
    ? tokenBucket(options.qps, options.burst ?? Math.max(1, Math.ceil(options.qps)), clock)
    : undefined;
  const maxThrottleRetries = options.maxThrottleRetries ?? 5;
  const userAgent = options.userAgent ?? 'operon/0.1';
  const stats = {
    requests: 0,
    byMethod: {} as Record<string, number>,
    throttled: 0,
    timedOut: 0,
    unresponsive: 0,
  };
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const pingIntervalMs = options.pingIntervalMs ?? 5000;
  for (const [name, value] of [
    ['requestTimeoutMs', requestTimeoutMs],
    ['pingIntervalMs', pingIntervalMs],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `${name} must be a whole number of milliseconds >= 0 (0 turns it off), not ${value}.`,
      );
    }
  }
  // Aborted by close(): ends every wait of a request not yet sent.
  const closing = new AbortController();
  // Requests sent whose answer (body included) is not finished; close() waits a moment for them.
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let closed = false;
  let closedPromise: Promise<void> | undefined;
  const closedError = (req: Pick<HttpRequest, 'method' | 'path'>, cause?: unknown) =>
    new OperonError(
      ErrorCode.ClientClosed,
      `The client is closed, so ${req.method} ${req.path.split('?')[0]} was not sent. Create a new client to talk to the API server again.`,
      cause === undefined ? {} : { cause },
    );

  // The dispatcher depends on the client certificate, which an exec plugin may rotate.
  let dispatcher: Dispatcher | undefined;
  // The certificate and key it was made with, compared as they are: joined into one key, the two
  // PEM strings were copied on every request (2-5 KB each time).
  let dispatcherCert: string | undefined;
  let dispatcherKey: string | undefined;
  const retired: Dispatcher[] = [];

  function dispatcherFor(creds: Credentials): Dispatcher {
    if (closed) throw new OperonError(ErrorCode.ClientClosed, 'The client is closed.');
    const cert = creds.cert ?? '';
    const key = creds.key ?? '';
    if (dispatcher && cert === dispatcherCert && key === dispatcherKey) return dispatcher;
    if (dispatcher) retired.push(dispatcher);
    const tls = {
      ...(config.ca ? { ca: config.ca } : {}),
      ...(creds.cert ? { cert: creds.cert } : {}),
      ...(creds.key ? { key: creds.key } : {}),
      ...(config.insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    };
    const common = {
      connections: options.connections ?? null,
      keepAliveTimeout: 30_000,
      // undici's HTTP/2 joins repeated headers with ", ", which would turn two Impersonate-Group
      // headers into one group named "a, b": impersonating with several values needs HTTP/1.1.
      allowH2: (options.http2 ?? true) && !repeatsHeaders(config.impersonate),
      h2Options: { pingInterval: pingIntervalMs },
      headersTimeout: 60_000,
    };
    const created = config.proxyUrl
      ? proxyAgent({ uri: config.proxyUrl, requestTls: tls, ...common })
      : new Agent({ connect: { ...tls, keepAlive: true, keepAliveInitialDelay: 30_000 }, ...common });
    created.on('disconnect', (_origin, _targets, err) => {
      if (UNRESPONSIVE.test((err as Error | undefined)?.message ?? '')) stats.unresponsive++;
    });
    dispatcher = created;
    dispatcherCert = cert;
    dispatcherKey = key;
    return created;
  }

  async function sendOnce(req: HttpRequest, creds: Credentials): Promise<HttpResponse> {
    const headers: Record<string, string | string[]> = {
      accept: req.accept ?? 'application/json',
      'user-agent': userAgent,
    };
    if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
    if (config.impersonate) Object.assign(headers, impersonationHeaders(config.impersonate));
    if (creds.token) headers.authorization = `Bearer ${creds.token}`;
    else if (creds.username !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password ?? ''}`).toString('base64')}`;
    }
    const dispatcher = dispatcherFor(creds);
    // The total timeout runs from here to the end of the answer's body, whoever reads it.
    const timeoutMs = req.timeoutMs ?? (isWatch(req.path) ? 0 : requestTimeoutMs);
    // One signal for the caller's and the deadline's aborts (one AbortController per request).
    const linked = anySignal([req.signal]);
    let expired: OperonError | undefined;
    const timer =
      timeoutMs > 0
        ? clock.setTimeout(() => {
            stats.timedOut++;
            expired = new OperonError(
              ErrorCode.Timeout,
              `${req.method} ${req.path.split('?')[0]} got no complete answer within ${timeoutMs} ms: the API server is overloaded or the connection is dead. It is retried like any failed request; raise requestTimeoutMs if answers this slow are expected.`,
              { retryable: true },
            );
            linked.abort(expired);
          }, timeoutMs)
        : undefined;
    timer?.unref();
    inFlight++;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      if (timer) clock.clearTimeout(timer);
      linked.dispose();
      if (--inFlight === 0) idle?.();
    };
    stats.requests++;
    stats.byMethod[req.method] = (stats.byMethod[req.method] ?? 0) + 1;
    try {
      const res = await request(dispatcher, {
        origin,
        path: `${prefix}${req.path}`,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: req.body ?? null,
        signal: linked.signal,
        ...(req.bodyTimeoutMs !== undefined ? { bodyTimeout: req.bodyTimeoutMs } : { bodyTimeout: 120_000 }),
      });
      if (res.body.destroyed) done();
      else res.body.once('close', done);
      options.onResponse?.(req.method, req.path, res.statusCode);
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (cause) {
      done();
      if (req.signal?.aborted) throw req.signal.reason;
      if (expired) throw expired;
      if (closed) throw closedError(req, cause);
      throw unreachable(cause, config);
    }
  }

  async function send(req: HttpRequest): Promise<HttpResponse> {
    if (closed) throw closedError(req);
    // Waits before the request is sent end with the caller's signal or with close(). The signal
    // for them is made on the first wait: most requests never wait (no QPS limit, credentials at
    // hand), and it costs an AbortController and two listeners.
    let waits: ReturnType<typeof anySignal> | undefined;
    const waitSignal = () => {
      waits ??= anySignal([req.signal, closing.signal]);
      return waits.signal;
    };
    try {
      return await sendWithRetries(req, waitSignal);
    } catch (err) {
      if (closed && !req.signal?.aborted) {
        if (err === closing.signal.reason) throw closedError(req);
        if (!isOperonError(err, ErrorCode.ClientClosed)) throw closedError(req, err);
      }
      throw err;
    } finally {
      waits?.dispose();
    }
  }

  async function sendWithRetries(req: HttpRequest, waitSignal: () => AbortSignal): Promise<HttpResponse> {
    let refreshed = false;
    for (let throttled = 0; ; ) {
      if (limiter) await limiter(waitSignal());
      // Static credentials (or none) are at hand: getting them never waits, so needs no wait signal.
      const { auth } = config;
      const creds = await auth.credentials(
        auth.kind === 'static' || auth.kind === 'none' ? req.signal : waitSignal(),
      );
      if (closed) throw closedError(req);
      const res = await sendOnce(req, creds);
      if (res.status === 401 && !refreshed && config.auth.kind !== 'static' && config.auth.kind !== 'none') {
        // Expired token or rotated certificate: fetch fresh credentials once.
        await res.body.dump();
        config.auth.invalidate();
        refreshed = true;
        continue;
      }
      if (res.status === 429 && throttled < maxThrottleRetries) {
        throttled++;
        stats.throttled++;
        const after = retryAfterSeconds(res.headers);
        await res.body.dump();
        await sleep(Math.min(after ?? 2 ** throttled * 0.1, 60) * 1000, waitSignal(), clock);
        continue;
      }
      return res;
    }
  }

  async function closeDispatchers(): Promise<void> {
    const all = [...retired, ...(dispatcher ? [dispatcher] : [])];
    dispatcher = undefined;
    retired.length = 0;
    // Requests in flight get a moment to finish (a watch nobody aborted never does); then the
    // connections are destroyed, which fails whatever still runs on them.
    if (inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        idle = resolve;
        timer = setTimeout(resolve, 1000);
      });
      clearTimeout(timer);
      idle = undefined;
    }
    const graceful = inFlight === 0;
    await Promise.all(
      all.map((d) => (graceful ? d.close() : d.destroy()).catch(() => d.destroy().catch(() => undefined))),
    );
  }

  return {
    config,
    stats,
    send,
    get closed() {
      return closed;
    },
    async json<T>(req: HttpRequest): Promise<T> {
      const res = await send(req);
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        if (closed && !req.signal?.aborted && !isOperonError(err)) throw closedError(req, err);
        throw err;
      }
      if (res.status >= 200 && res.status < 300) return (text ? JSON.parse(text) : undefined) as T;
      throw errorFromResponse(req, res.status, text, res.headers);
    },
    close() {
      if (!closedPromise) {
        closed = true;
        closing.abort(new OperonError(ErrorCode.ClientClosed, 'The client is closed.'));
        closedPromise = closeDispatchers();
      }
      return closedPromise;
    },
  };
}

function retryAfterSeconds(headers: HttpResponse['headers']): number | undefined {
  const v = headers['retry-after'];
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Builds the ApiError for a non-2xx answer, from the Status body when there is one. */
export function errorFromResponse(
  req: Pick<HttpRequest, 'method' | 'path'>,
  status: number,
  text: string,
  headers: HttpResponse['headers'] = {},
): ApiError {
  let body: Status | undefined;
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed && parsed.kind === 'Status') body = parsed;
  } catch {}
  const retryAfter = retryAfterSeconds(headers);
  return new ApiError({
    status,
    ...(body?.reason ? { reason: body.reason } : {}),
    message: body?.message ?? (text.slice(0, 300) || `HTTP ${status}`),
    ...(body ? { body } : {}),
    method: req.method,
    path: req.path.split('?')[0]!,
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
  });
}

function unreachable(cause: unknown, config: ClusterConfig): OperonError {
  const err = cause as { code?: string; message?: string };
  const tlsCodes = new Set([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  ]);
  const code = err?.code ?? (cause as { cause?: { code?: string } })?.cause?.code ?? '';
  const hint = tlsCodes.has(code)
    ? `the server's certificate is not trusted (${code}): check certificate-authority(-data) for this cluster in ${config.source}`
    : code === 'ECONNREFUSED'
      ? `nothing listens at ${config.server}: is the cluster running? (${config.source})`
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `the host of ${config.server} does not resolve (${config.source})`
        : `${err?.message ?? String(cause)} (${config.source})`;
  return new OperonError(ErrorCode.Unreachable, `Cannot reach the API server: ${hint}.`, {
    cause,
    retryable: true,
  });
}

/**
 * The Impersonate-* headers for `as`: one Impersonate-Group per group, Impersonate-Uid, and one
 * Impersonate-Extra-<key> per extra key, the key percent-encoded as client-go does (header names
 * are case-insensitive, so the server lower-cases and unescapes them).
 */
export function impersonationHeaders(as: Impersonation): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { 'impersonate-user': as.user };
  if (as.groups?.length) headers['impersonate-group'] = [...as.groups];
  if (as.uid !== undefined) headers['impersonate-uid'] = as.uid;
  for (const [key, values] of Object.entries(as.extra ?? {})) {
    if (values.length > 0) headers[`impersonate-extra-${headerKeyEscape(key)}`] = [...values];
  }
  return headers;
}

/** Whether impersonation needs one header sent more than once (several groups, or several values of an extra). */
function repeatsHeaders(as: Impersonation | undefined): boolean {
  if (!as) return false;
  return (as.groups?.length ?? 0) > 1 || Object.values(as.extra ?? {}).some((v) => v.length > 1);
}

/** Percent-encodes every byte that may not appear in an HTTP header name (RFC 7230 token). */
function headerKeyEscape(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /^[A-Za-z0-9!#$&'*+.^_`|~-]$/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
