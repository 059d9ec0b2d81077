/**
 * Unit tests of the transport's connection health against a local HTTP/2 server: the total
 * request timeout (on a fake clock; watches exempt), PING liveness that drops a silently dead
 * connection (through the fault proxy's blackhole), and a terminal `close()`.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ErrorCode, isOperonError } from '../errors.ts';
import { createFakeClock } from '../queue/clock.ts';
import { eventually } from '../testing/eventually.ts';
import { startFaultProxy } from '../testing/fault-proxy.ts';
import { createCertificateAuthority } from '../testing/pki.ts';
import type { AuthProvider, ClusterConfig, Credentials } from './config.ts';
import { createTransport, type HttpRequest, type Transport, type TransportOptions } from './transport.ts';

type Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

const ca = await createCertificateAuthority('transport-health-ca');
const serving = await ca.issue({ commonName: 'peer', hosts: ['127.0.0.1'], usage: 'server' });

let server: Http2SecureServer;
let port: number;
let handler: Handler;
/** Requests the server saw in this test, and how each ended. */
let seen: Array<{ url: string; aborted: boolean }> = [];
const sockets = new Set<Socket>();
const transports: Transport[] = [];

before(async () => {
  server = createSecureServer({ cert: serving.cert, key: serving.key, allowHTTP1: true }, (req, res) => {
    const entry = { url: req.url, aborted: false };
    seen.push(entry);
    req.on('aborted', () => {
      entry.aborted = true;
    });
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

beforeEach(() => {
  seen = [];
  handler = (_req, res) => json(res, { kind: 'ConfigMap' });
});

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

after(async () => {
  for (const s of sockets) s.destroy();
  server.close();
  await once(server, 'close');
});

function json(res: Http2ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const staticAuth: AuthProvider = {
  kind: 'static',
  credentials: async () => ({}),
  invalidate: () => {},
};

function config(overrides: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    server: `https://127.0.0.1:${port}`,
    ca: ca.cert,
    auth: staticAuth,
    source: 'test',
    ...overrides,
  } as ClusterConfig;
}

function transport(options: TransportOptions = {}, overrides: Partial<ClusterConfig> = {}): Transport {
  const t = createTransport(config(overrides), options);
  transports.push(t);
  return t;
}

const get = (path = '/api/v1/namespaces/default/configmaps/a'): HttpRequest => ({ method: 'GET', path });
const WATCH = '/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=1';
const LIST = '/api/v1/namespaces/default/configmaps';

/** Lets pending I/O callbacks run (not a synchronisation on time: nothing here waits for a clock). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('request timeout', () => {
  it('fails a request with no answer with OPERON_TIMEOUT when its time is up, not before', async () => {
    handler = () => {}; // never answers
    const clock = createFakeClock();
    const t = transport({ clock, requestTimeoutMs: 5000 });
    let outcome: unknown;
    const pending = t.json(get()).then(
      () => (outcome = 'resolved'),
      (err: unknown) => (outcome = err),
    );
    await eventually('the server to see the request', () => seen.length === 1, 5000);
    clock.advance(4999);
    await settle();
    assert.equal(outcome, undefined, 'still waiting 1 ms before the timeout');
    clock.advance(1);
    await pending;
    assert.ok(isOperonError(outcome, ErrorCode.Timeout), `got ${String(outcome)}`);
    assert.equal((outcome as { retryable: boolean }).retryable, true);
    assert.match((outcome as Error).message, /GET \/api\/v1\/namespaces\/default\/configmaps\/a .*5000 ms/);
    assert.equal(t.stats.timedOut, 1);
    await eventually('the server to see the request cancelled', () => seen[0]!.aborted, 5000);
  });

  it('covers the body too: an answer whose body stalls is cut', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"kind":');
    };
    const clock = createFakeClock();
    const t = transport({ clock, requestTimeoutMs: 1000 });
    const res = await t.send(get());
    const body = res.body.text();
    clock.advance(1000);
    await assert.rejects(body, (err) => isOperonError(err, ErrorCode.Timeout));
  });

  it('exempts watches, which stay open past the timeout and keep delivering', async () => {
    let stream: Http2ServerResponse | undefined;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"BOOKMARK"}\n');
      stream = res;
    };
    const clock = createFakeClock();
    const t = transport({ clock, requestTimeoutMs: 1000 });
    const res = await t.send({ method: 'GET', path: WATCH });
    const chunks: string[] = [];
    res.body.on('data', (c: Buffer) => chunks.push(c.toString()));
    assert.equal(clock.pendingTimers(), 0, 'no timeout armed for a watch');
    clock.advance(3_600_000);
    stream!.write('{"type":"ADDED"}\n');
    await eventually(
      'the event after the timeout would have fired',
      () => chunks.join('').includes('ADDED'),
      5000,
    );
    res.body.destroy();
  });

  it('knows a watch by its decoded query, and arms the timeout for other queries', async () => {
    handler = () => {};
    const clock = createFakeClock();
    const t = transport({ clock, requestTimeoutMs: 1000 });
    const sendAndCount = async (path: string) => {
      const before = seen.length;
      t.send({ method: 'GET', path }).catch(() => {});
      await eventually(`the server to see ${path}`, () => seen.length === before + 1, 5000);
      return clock.pendingTimers();
    };
    assert.equal(await sendAndCount(`${LIST}?w%61tch=true`), 0, 'a percent-encoded watch is a watch');
    assert.equal(await sendAndCount(`${LIST}?limit=1&watchers=1`), 1, 'a list names no watch');
    assert.equal(await sendAndCount(`${LIST}?watch=0`), 2, 'watch=0 is no watch');
  });

  it('rejects with the caller’s reason when the caller aborts, and with OPERON_TIMEOUT when time is up', async () => {
    handler = () => {};
    const clock = createFakeClock();
    const t = transport({ clock, requestTimeoutMs: 1000 });
    const caller = new AbortController();
    const aborted = t.json({ ...get(), signal: caller.signal });
    await eventually('the server to see the request', () => seen.length === 1, 5000);
    const reason = new Error('caller stopped');
    caller.abort(reason);
    await assert.rejects(aborted, (err) => err === reason);
    clock.advance(1000);
    assert.equal(t.stats.timedOut, 0, 'the aborted request armed no timeout that fired');
    const timed = t.json({ ...get(), signal: new AbortController().signal });
    await eventually('the server to see the second request', () => seen.length === 2, 5000);
    clock.advance(1000);
    await assert.rejects(timed, (err) => isOperonError(err, ErrorCode.Timeout));
    await eventually('the server to see both cancelled', () => seen.every((r) => r.aborted), 5000);
  });

  it('takes a per-request timeout over the default, and 0 as none', async () => {
    handler = () => {};
    const clock = createFakeClock();
    const t = transport({ clock, requestTimeoutMs: 0 });
    const none = t.json(get());
    none.catch(() => {});
    await eventually('the server to see the request', () => seen.length === 1, 5000);
    assert.equal(clock.pendingTimers(), 0, 'requestTimeoutMs: 0 arms no timeout');
    const own = t.json({ ...get(), timeoutMs: 200 });
    await eventually('the server to see the second request', () => seen.length === 2, 5000);
    clock.advance(200);
    await assert.rejects(own, (err) => isOperonError(err, ErrorCode.Timeout));
  });

  it('rejects a timeout or PING interval that is not a whole number of ms >= 0', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => createTransport(config(), { requestTimeoutMs: bad }),
        (err) => isOperonError(err, ErrorCode.InvalidArgument),
      );
      assert.throws(
        () => createTransport(config(), { pingIntervalMs: bad }),
        (err) => isOperonError(err, ErrorCode.InvalidArgument),
      );
    }
  });
});

describe('HTTP/2 PING liveness', () => {
  it('drops a connection that stops answering, failing its watch, and the next request opens a new one', async () => {
    await using proxy = await startFaultProxy({ port });
    handler = (req, res) => {
      if (req.url.includes('watch=1')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"type":"BOOKMARK"}\n');
        return; // held open
      }
      json(res, { kind: 'ConfigMap' });
    };
    const t = transport({ pingIntervalMs: 100 }, { server: proxy.url });
    const watchRes = await t.send({ method: 'GET', path: WATCH });
    assert.equal(proxy.stats.accepted, 1);
    const watchEnded = watchRes.body.text().then(
      () => 'ended cleanly',
      (err: Error) => err.message,
    );
    // Every byte on the open connection is dropped from now on; nothing closes it.
    assert.equal(proxy.blackhole(), 1);

    assert.match(await watchEnded, /unresponsive/);
    await eventually('the dead connection to be counted', () => t.stats.unresponsive === 1, 5000);
    await eventually('the client to give up the dead connection', () => proxy.stats.abandoned === 1, 5000);
    // Only a new connection carries the next request: the old one is still blackholed.
    assert.deepEqual(await t.json(get()), { kind: 'ConfigMap' });
    assert.equal(proxy.stats.accepted, 2);
  });

  it('fails a request in flight on the dead connection as OPERON_UNREACHABLE, retryable', async () => {
    await using proxy = await startFaultProxy({ port });
    let hold = false;
    handler = (_req, res) => {
      if (hold) return; // the answer never comes back anyway
      json(res, { kind: 'ConfigMap' });
    };
    const t = transport({ pingIntervalMs: 100, requestTimeoutMs: 0 }, { server: proxy.url });
    await t.json(get());
    hold = true;
    proxy.blackhole();
    await assert.rejects(t.json(get()), (err) => {
      assert.ok(isOperonError(err, ErrorCode.Unreachable), String(err));
      assert.equal((err as { retryable: boolean }).retryable, true);
      return true;
    });
    hold = false;
    assert.deepEqual(await t.json(get()), { kind: 'ConfigMap' });
  });

  it('keeps a quiet connection that answers its PINGs', async () => {
    await using proxy = await startFaultProxy({ port });
    let stream: Http2ServerResponse | undefined;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"BOOKMARK"}\n');
      stream = res;
    };
    let pings = 0;
    const countPings = (session: import('node:http2').ServerHttp2Session) =>
      session.on('ping', () => pings++);
    server.on('session', countPings);
    try {
      const t = transport({ pingIntervalMs: 50 }, { server: proxy.url });
      const res = await t.send({ method: 'GET', path: WATCH });
      const chunks: string[] = [];
      res.body.on('data', (c: Buffer) => chunks.push(c.toString()));
      // Several intervals pass with the watch silent, each PING answered.
      await eventually('five PINGs to reach the server', () => pings >= 5, 5000);
      stream!.write('{"type":"ADDED"}\n');
      await eventually('the event on the same connection', () => chunks.join('').includes('ADDED'), 5000);
      assert.equal(proxy.stats.accepted, 1, 'no new connection was needed');
      assert.equal(t.stats.unresponsive, 0);
      res.body.destroy();
    } finally {
      server.off('session', countPings);
    }
  });
});

describe('close() is terminal', () => {
  it('rejects every later request, watches included, with OPERON_CLIENT_CLOSED and opens no connection', async () => {
    await using proxy = await startFaultProxy({ port });
    const t = transport({}, { server: proxy.url });
    await t.json(get());
    await t.close();
    assert.equal(t.closed, true);
    for (const req of [
      get(),
      { method: 'GET', path: WATCH },
      { method: 'POST', path: '/api/v1/namespaces', body: '{}' },
    ]) {
      await assert.rejects(t.send(req), (err) => {
        assert.ok(isOperonError(err, ErrorCode.ClientClosed), String(err));
        assert.match(
          (err as Error).message,
          new RegExp(`${req.method} ${req.path.split('?')[0]} was not sent`),
        );
        return true;
      });
    }
    await assert.rejects(t.json(get()), (err) => isOperonError(err, ErrorCode.ClientClosed));
    assert.equal(proxy.stats.accepted, 1, 'no connection opened after close()');
    assert.equal(seen.length, 1);
    await t.close(); // idempotent
  });

  it('rejects a request waiting for credentials, and sends nothing', async () => {
    let release: (c: Credentials) => void = () => {};
    const slowAuth: AuthProvider = {
      kind: 'exec',
      credentials: () => new Promise<Credentials>((resolve) => (release = resolve)),
      invalidate: () => {},
    } as AuthProvider;
    const t = transport({}, { auth: slowAuth });
    const pending = t.json(get());
    const closed = t.close();
    release({ token: 'late' });
    await assert.rejects(pending, (err) => isOperonError(err, ErrorCode.ClientClosed));
    await closed;
    assert.equal(seen.length, 0, 'the server saw no request');
  });

  it('rejects a request waiting out a Retry-After at once, without retrying it', async () => {
    handler = (_req, res) => json(res, { kind: 'Status', code: 429 }, 429, { 'retry-after': '3600' });
    const t = transport();
    const pending = assert.rejects(t.json(get()), (err) => isOperonError(err, ErrorCode.ClientClosed));
    await eventually('the first attempt to be answered 429', () => t.stats.throttled === 1, 5000);
    await t.close();
    await pending;
    assert.equal(seen.length, 1, 'not retried after close()');
  });

  it('rejects a request waiting for the rate limit at once', async () => {
    const t = transport({ qps: 0.001, burst: 1 });
    await t.json(get());
    const pending = assert.rejects(t.json(get()), (err) => isOperonError(err, ErrorCode.ClientClosed));
    await t.close();
    await pending;
    assert.equal(seen.length, 1);
  });

  it('ends a watch still open at close() instead of leaving it hanging', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"BOOKMARK"}\n');
    };
    const t = transport();
    const res = await t.send({ method: 'GET', path: WATCH });
    const ended = res.body.text().then(
      () => 'clean',
      () => 'error',
    );
    await t.close();
    assert.equal(await ended, 'error', 'the watch body fails once its connection is destroyed');
    await assert.rejects(t.send({ method: 'GET', path: WATCH }), (err) =>
      isOperonError(err, ErrorCode.ClientClosed),
    );
  });
});
