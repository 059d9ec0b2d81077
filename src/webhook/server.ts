/**
 * The webhook HTTPS server: `createWebhookServer({ routes, certificate })` answers
 * AdmissionReview and ConversionReview requests over HTTP/1.1 (what the API server speaks), one
 * route per path. It is a Runnable: `start(signal)` serves until the signal aborts, then drains.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Registry } from 'prom-client';
import { ErrorCode, OperonError } from '../errors.ts';
import { type Logger, messageOf, silentLogger } from '../log/logger.ts';
import { type Clock, realClock } from '../queue/clock.ts';
import type { CertificatePair } from './certs.ts';
import { createWebhookMetrics, type WebhookMetrics } from './metrics.ts';
import { certificateValidity } from './validity.ts';

/** controller-runtime's body limit: 7 MiB, above etcd's 1.5 MiB object limit with room for old + new. */
export const DEFAULT_MAX_BODY_BYTES = 7 * 1024 * 1024;

/**
 * How long shutdown waits for in-flight reviews by default: 30 s, the longest webhook timeout the
 * API server allows, so no review is cut short of its own deadline (each is answered, 504, at its
 * timeout anyway). controller-runtime waits 60 s, longer than the generated Deployment's
 * terminationGracePeriodSeconds (40 s): the kubelet would kill the process mid-drain.
 */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/** The `request` of a review: every review request has a `uid` the response must echo. */
export interface ReviewRequest {
  uid: string;
  [key: string]: unknown;
}

export interface ReviewContext {
  /** Aborts when the review's `timeoutSeconds` pass, the API server hangs up, or the server stops. */
  signal: AbortSignal;
  log: Logger;
}

/** One path of the server: what review it accepts and how it answers. */
export interface ReviewRoute {
  /** e.g. `/validate-example-operon-dev-v1-webapp`. */
  readonly path: string;
  /** The review's `apiVersion`, e.g. `admission.k8s.io/v1`. */
  readonly apiVersion: string;
  /** `AdmissionReview` or `ConversionReview`. */
  readonly kind: string;
  /** Seconds a review may take when the request has no `?timeout=` (the API server always sends one for admission). */
  readonly defaultTimeoutSeconds: number;
  /** Answers the review's `request` with its `response`. May throw or reject: `fail` answers then. */
  handle(request: ReviewRequest, ctx: ReviewContext): unknown;
  /** The `response` for a request the handler could not answer (it threw, it timed out, the server stopped). */
  fail(request: ReviewRequest, message: string, code: number): unknown;
}

export interface WebhookServerOptions {
  routes: readonly ReviewRoute[];
  /** The serving certificate and key; replace it later with `setCertificate()`. */
  certificate?: CertificatePair;
  /** Default `0.0.0.0`. */
  host?: string;
  /** Default 9443, as controller-runtime; 0 picks a free port. */
  port?: number;
  /** Largest request body; default 7 MiB. */
  maxBodyBytes?: number;
  /**
   * How long shutdown waits for in-flight reviews before aborting them; default
   * `DEFAULT_DRAIN_TIMEOUT_MS` (30 s). A review that is aborted is still answered. Keep it inside
   * the pod's terminationGracePeriodSeconds.
   */
  drainTimeoutMs?: number;
  /** Where the `controller_runtime_webhook_*` series go; default a new registry. */
  metrics?: Registry;
  log?: Logger;
  /** Time for latencies and per-review timeouts; tests pass a fake clock. */
  clock?: Clock;
}

export interface WebhookServer {
  /** Binds the port (once; later calls return the same address): `host:port`. Needs a certificate. */
  listen(): Promise<string>;
  /** `host:port` once listening. */
  readonly address: string | undefined;
  /** Serves until `signal` aborts, then stops accepting, drains in-flight reviews and closes every connection. */
  start(signal: AbortSignal): Promise<void>;
  /**
   * Swaps the serving certificate for new connections; open connections are not dropped. Throws an
   * OperonError (InvalidArgument) for a key that is not the certificate's, keeping the current one.
   */
  setCertificate(certificate: CertificatePair): void;
  /** Listening, not stopping, with a certificate valid now: what a readiness probe reports. */
  readonly ready: boolean;
  /** Reviews being answered now. */
  readonly inFlight: number;
  readonly paths: readonly string[];
}

/** Parses a Go duration as the API server writes `?timeout=` (`10s`, `1m30s`, `500ms`) into milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 1e-3,
    µs: 1e-3,
    ns: 1e-6,
  };
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(ms|us|µs|ns|h|m|s)/g))
    total += Number(n) * units[unit!]!;
  return total;
}

class BadRequest extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Creates the server; nothing listens until `listen()` or `start()`. */
export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? realClock;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const drainMs = options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const metrics: WebhookMetrics = createWebhookMetrics(options.metrics);
  const routes = new Map<string, ReviewRoute>();
  for (const route of options.routes) {
    if (!route.path.startsWith('/')) {
      throw new OperonError(ErrorCode.InvalidArgument, `Webhook path "${route.path}" must start with "/".`);
    }
    if (routes.has(route.path)) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `Two webhooks are served at ${route.path}; paths must be unique.`,
      );
    }
    routes.set(route.path, route);
  }

  /** Checks that the key is the certificate's (and both are PEM) before anything takes the pair. */
  const checked = (c: CertificatePair): CertificatePair => {
    try {
      createSecureContext({ cert: c.cert, key: c.key });
    } catch (cause) {
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `The webhook serving certificate was refused: its key does not match it, or one is not PEM (${(cause as Error).message}); pass the tls.crt and tls.key of one pair.`,
        { cause },
      );
    }
    return c;
  };
  let certificate = options.certificate && checked(options.certificate);
  let server: Server | undefined;
  let listening: Promise<string> | undefined;
  let address: string | undefined;
  let stopping = false;
  /** Aborts every in-flight review when the drain time is up. */
  const hardStop = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let drained: (() => void) | undefined;

  const contextFor = (c: CertificatePair) => ({ cert: c.cert, key: c.key });

  function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      ...(stopping ? { connection: 'close' } : {}),
    });
    res.end(body);
  }

  /**
   * Reads the body within `timeoutMs` (the review's own timeout: the API server has given up by
   * then), so a client that sends its body a byte at a time cannot hold a connection for minutes.
   */
  function readBody(req: IncomingMessage, timeoutMs: number): Promise<Buffer> {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBody) {
      return Promise.reject(
        new BadRequest(413, `request body of ${declared} bytes is over the limit of ${maxBody} bytes`),
      );
    }
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (err?: unknown) => {
        clock.clearTimeout(timer);
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', finish);
        if (err === undefined) resolve(Buffer.concat(chunks));
        else {
          req.pause();
          reject(err);
        }
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) finish(new BadRequest(413, `request body is over the limit of ${maxBody} bytes`));
        else chunks.push(chunk);
      };
      const onEnd = () => finish();
      const timer = clock.setTimeout(
        () => finish(new BadRequest(408, `the request body did not arrive within ${timeoutMs / 1000}s`)),
        timeoutMs,
      );
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('error', finish);
    });
  }

  function parseReview(route: ReviewRoute, body: Buffer): ReviewRequest {
    let review: unknown;
    try {
      review = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new BadRequest(400, `the body is not JSON: ${(err as Error).message}`);
    }
    if (typeof review !== 'object' || review === null || Array.isArray(review)) {
      throw new BadRequest(400, `the body is not a ${route.kind} object`);
    }
    const r = review as { apiVersion?: unknown; kind?: unknown; request?: unknown };
    if (r.apiVersion !== route.apiVersion || r.kind !== route.kind) {
      throw new BadRequest(
        400,
        `expected ${route.apiVersion} ${route.kind}, got ${JSON.stringify(r.apiVersion)} ${JSON.stringify(r.kind)}`,
      );
    }
    const request = r.request as { uid?: unknown } | undefined;
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      throw new BadRequest(400, `the ${route.kind} has no request`);
    }
    if (typeof request.uid !== 'string' || request.uid === '') {
      throw new BadRequest(400, `the ${route.kind} request has no uid`);
    }
    return request as ReviewRequest;
  }

  /** Runs the route's handler under a signal; resolves to the response it (or `fail`) gives. */
  async function answer(
    route: ReviewRoute,
    request: ReviewRequest,
    timeoutMs: number,
    req: IncomingMessage,
    elapsedMs: number,
  ) {
    const controller = new AbortController();
    const timer = clock.setTimeout(
      () =>
        controller.abort(
          new OperonError(
            ErrorCode.Timeout,
            `the webhook did not answer within its timeout of ${timeoutMs / 1000}s`,
          ),
        ),
      Math.max(0, timeoutMs - elapsedMs),
    );
    const onHardStop = () =>
      controller.abort(new OperonError(ErrorCode.Timeout, 'the webhook server is shutting down'));
    const onClose = () => {
      if (!req.complete || !req.socket.writable)
        controller.abort(new OperonError(ErrorCode.Unreachable, 'the API server closed the connection'));
    };
    if (hardStop.signal.aborted) onHardStop();
    hardStop.signal.addEventListener('abort', onHardStop, { once: true });
    req.socket.once('close', onClose);
    const signal = controller.signal;
    const reviewLog = log.child({ webhook: route.path, uid: request.uid });
    try {
      const aborted = new Promise<never>((_, reject) => {
        const fire = () => reject(signal.reason);
        if (signal.aborted) fire();
        else signal.addEventListener('abort', fire, { once: true });
      });
      aborted.catch(() => {});
      try {
        return await Promise.race([
          Promise.resolve().then(() => route.handle(request, { signal, log: reviewLog })),
          aborted,
        ]);
      } catch (err) {
        if (signal.aborted && err === signal.reason) {
          const reason = messageOf(signal.reason);
          reviewLog.warn('webhook review aborted', { reason });
          return route.fail(request, reason, 504);
        }
        reviewLog.error('webhook handler failed', { err });
        // Whatever was thrown, the answer is a denial: an HTTP error would leave the decision to
        // failurePolicy, and with Ignore admit the request.
        return route.fail(request, `the webhook handler failed: ${messageOf(err)}`, 500);
      }
    } finally {
      clock.clearTimeout(timer);
      hardStop.signal.removeEventListener('abort', onHardStop);
      req.socket.off('close', onClose);
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://webhook');
    const route = routes.get(url.pathname);
    if (!route) {
      send(res, 404, `no webhook at ${url.pathname}; this server serves ${[...routes.keys()].join(', ')}\n`);
      return;
    }
    const started = clock.now();
    metrics.started(route.path);
    let status = 200;
    try {
      if (req.method !== 'POST')
        throw new BadRequest(405, `${req.method} is not allowed; the API server POSTs`);
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json') {
        throw new BadRequest(400, `content-type must be application/json, not "${type || '(none)'}"`);
      }
      const timeoutParam = url.searchParams.get('timeout');
      const timeoutMs =
        (timeoutParam ? parseGoDuration(timeoutParam) : undefined) ?? route.defaultTimeoutSeconds * 1000;
      const request = parseReview(route, await readBody(req, timeoutMs));
      // The handler gets what is left of the review's timeout once the body has arrived.
      const response = await answer(route, request, timeoutMs, req, clock.now() - started);
      let body: string;
      try {
        body = JSON.stringify({ apiVersion: route.apiVersion, kind: route.kind, response });
      } catch (err) {
        body = JSON.stringify({
          apiVersion: route.apiVersion,
          kind: route.kind,
          response: route.fail(
            request,
            `the webhook's answer cannot be serialised: ${(err as Error).message}`,
            500,
          ),
        });
      }
      send(res, 200, body, 'application/json');
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      status = err.status;
      log.warn('bad webhook request', { webhook: route.path, status, reason: err.message });
      send(res, status, `${err.message}\n`);
      // An unread, late or oversized body: do not keep the connection for another request.
      if (status === 413 || status === 408) res.once('finish', () => req.socket.destroySoon());
    } finally {
      metrics.finished(route.path, status, (clock.now() - started) / 1000);
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const work = serve(req, res)
      .catch((err: unknown) => {
        log.error('webhook request failed', { err });
        send(res, 500, 'internal error\n');
      })
      .finally(() => {
        inFlight.delete(work);
        if (stopping) server?.closeIdleConnections();
        if (inFlight.size === 0) drained?.();
      });
    inFlight.add(work);
  }

  function listen(): Promise<string> {
    if (listening) return listening;
    if (!certificate) {
      return Promise.reject(
        new OperonError(
          ErrorCode.InvalidArgument,
          'The webhook server has no certificate: pass `certificate` or call setCertificate() before listen().',
        ),
      );
    }
    const s = createServer({ ...contextFor(certificate), ALPNProtocols: ['http/1.1'] }, onRequest);
    s.headersTimeout = 32_000;
    s.keepAliveTimeout = 90_000;
    s.on('tlsClientError', (err) => log.debug('webhook TLS handshake failed', { err }));
    server = s;
    const host = options.host ?? '0.0.0.0';
    const port = options.port ?? 9443;
    listening = new Promise<string>((resolve, reject) => {
      s.once('error', (cause: NodeJS.ErrnoException) =>
        reject(
          new OperonError(
            cause.code === 'EADDRINUSE' ? ErrorCode.PortInUse : ErrorCode.InvalidArgument,
            `Cannot serve webhooks on ${host}:${port}: ${cause.code === 'EADDRINUSE' ? 'the port is in use' : cause.message}. Choose another address with --webhook-bind-address / OPERON_WEBHOOK_ADDRESS (or the server's \`host\` and \`port\` in code).`,
            { cause },
          ),
        ),
      );
      s.listen(port, host, () => {
        const a = s.address();
        address =
          typeof a === 'object' && a
            ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
            : `${host}:${port}`;
        log.info('webhook server listening', { address, paths: [...routes.keys()] });
        resolve(address);
      });
    });
    return listening;
  }

  async function stop(): Promise<void> {
    const s = server;
    if (!s) return;
    stopping = true;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeIdleConnections();
    if (inFlight.size > 0) {
      log.info('webhook server draining', { inFlight: inFlight.size, drainTimeoutMs: drainMs });
      await new Promise<void>((resolve) => {
        const timer = clock.setTimeout(() => {
          hardStop.abort();
          resolve();
        }, drainMs);
        drained = () => {
          clock.clearTimeout(timer);
          resolve();
        };
      });
      // Aborted reviews still answer; wait for those answers to be written.
      await Promise.all([...inFlight]);
    }
    s.closeAllConnections();
    await closed;
    log.info('webhook server stopped');
  }

  return {
    listen,
    get address() {
      return address;
    },
    async start(signal) {
      if (signal.aborted) {
        // Stopped before it serves: what listen() may have opened closes, or it would keep the
        // process alive after everything else stopped.
        await stop();
        signal.throwIfAborted();
      }
      await listen();
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await stop();
    },
    setCertificate(next) {
      // A pair that does not fit is refused whole: the server keeps serving the one it has.
      const context = contextFor(checked(next));
      server?.setSecureContext(context);
      certificate = next;
      log.info('webhook serving certificate loaded', { notAfter: certificateValidity(next.cert).notAfter });
    },
    get ready() {
      if (!address || stopping || !certificate) return false;
      const { notBefore, notAfter } = certificateValidity(certificate.cert);
      const now = Date.now();
      return notBefore.getTime() <= now && now < notAfter.getTime();
    },
    get inFlight() {
      return inFlight.size;
    },
    paths: [...routes.keys()],
  };
}
