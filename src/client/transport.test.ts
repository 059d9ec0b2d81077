/**
 * Unit tests of the transport's own logic (throttling, credential refresh, rate limit, headers,
 * hooks, shutdown) against a local HTTPS server that stands in for the API server.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest } from 'node:http2';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createFakeClock, type FakeClock } from '../queue/clock.ts';
import { createCertificateAuthority, type KeyPairPem } from '../testing/pki.ts';
import { isTooManyRequests, isUnauthorized } from './api-error.ts';
import type { AuthProvider, ClusterConfig } from './config.ts';
import { createTransport, type Transport, type TransportOptions } from './transport.ts';

/** A request as the peer saw it. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Repeated headers kept apart (`impersonate-group` once per group). */
  headersDistinct: Record<string, string[]>;
}

/** Answers the `n`-th request (from 0) of the current test. */
type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const ca = await createCertificateAuthority('transport-test-ca');
const serving: KeyPairPem = await ca.issue({ commonName: 'peer', hosts: ['127.0.0.1'], usage: 'server' });

let server: Server;
let origin: string;
let handler: Handler;
let seen: Seen[] = [];
/** TCP connections accepted during the current test. */
let connections: Socket[] = [];
const transports: Transport[] = [];

before(async () => {
  server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      headersDistinct: req.headersDistinct as Record<string, string[]>,
    });
    handler(req, res, seen.length - 1);
  });
  // Longer than the close() test's deadline, so only the client can have closed its connections.
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => connections.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  seen = [];
  connections = [];
  handler = (_req, res) => reply(res, 200, { kind: 'ConfigMap' });
});

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

after(async () => {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

function reply(
  res: ServerResponse,
  status: number,
  body?: object,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** A Kubernetes Status body. */
function status(code: number, reason: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message: `${reason} from the peer`,
  };
}

/** Credentials whose bearer token changes every time they are invalidated (as an exec plugin's would). */
function rotatingToken(kind: AuthProvider['kind'] = 'exec') {
  let generation = 0;
  const calls = { invalidate: 0 };
  const auth: AuthProvider = {
    kind,
    async credentials() {
      return { token: `token-${generation}` };
    },
    invalidate() {
      calls.invalidate++;
      generation++;
    },
  };
  return { auth, calls };
}

const noAuth: AuthProvider = { kind: 'none', credentials: async () => ({}), invalidate() {} };

/**
 * Credentials that note the fake time of every call. The transport asks for credentials right
 * after the rate limiter lets a request go and before each retry, so these are departure times.
 */
function departures(clock: FakeClock) {
  const at: number[] = [];
  const auth: AuthProvider = {
    kind: 'none',
    async credentials() {
      at.push(clock.now());
      return {};
    },
    invalidate() {},
  };
  return { auth, at };
}

/** Lets the callbacks that are ready run (a timer that fired resumes its waiter in these turns). */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Lets every request that can leave without the clock moving do so (the local peer answers in a few ms). */
async function untilStill(check: () => boolean, what: string): Promise<void> {
  for (let turn = 0; !check(); turn++) {
    if (turn > 5000) assert.fail(`never reached: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A transport to the peer, closed after the test. */
function transport(options: TransportOptions = {}, config: Partial<ClusterConfig> = {}): Transport {
  const t = createTransport(
    {
      server: origin,
      ca: ca.cert,
      insecureSkipTLSVerify: false,
      namespace: 'default',
      source: 'transport test',
      auth: noAuth,
      ...config,
    },
    options,
  );
  transports.push(t);
  return t;
}

const get = (path = '/api/v1/namespaces/default/configmaps/a') => ({ method: 'GET', path });

describe('throttling (429)', () => {
  it('retries a 429 no sooner than its Retry-After says, by the injected clock', async () => {
    handler = (_req, res, n) =>
      n === 0
        ? reply(res, 429, status(429, 'TooManyRequests'), { 'retry-after': '1' })
        : reply(res, 200, { kind: 'ConfigMap' });
    const answers: number[] = [];
    const clock = createFakeClock({ start: 5000 });
    const { auth, at } = departures(clock);
    // No request timeout: the only timer on this clock is the wait after the 429.
    const t = transport(
      { clock, requestTimeoutMs: 0, onResponse: (_m, _p, code) => answers.push(code) },
      { auth },
    );

    const got = t.json<{ kind: string }>(get());
    await untilStill(() => clock.pendingTimers() === 1, 'the transport waits after the 429');
    clock.advance(999);
    await settle();
    assert.deepEqual(at, [5000], 'no retry before Retry-After: 1 has passed');
    clock.advance(1);

    assert.equal((await got).kind, 'ConfigMap');
    assert.deepEqual(at, [5000, 6000], 'the retry left exactly 1 s after the 429');
    assert.equal(seen.length, 2);
    assert.equal(t.stats.throttled, 1);
    assert.deepEqual(answers, [429, 200], 'onResponse observes every attempt');
  });

  it('gives up after maxThrottleRetries and returns the 429', async () => {
    handler = (_req, res) => reply(res, 429, status(429, 'TooManyRequests'), { 'retry-after': '0' });
    const t = transport({ maxThrottleRetries: 2 });

    await assert.rejects(t.json(get()), (err) => {
      assert.ok(isTooManyRequests(err), String(err));
      assert.equal(err.retryAfterSeconds, 0);
      assert.equal(err.reason, 'TooManyRequests');
      return true;
    });
    assert.equal(seen.length, 3, 'one request and two retries');
    assert.equal(t.stats.throttled, 2);
  });
});

describe('credential refresh (401)', () => {
  it('invalidates the credentials once and retries with fresh ones', async () => {
    handler = (req, res) =>
      req.headers.authorization === 'Bearer token-1'
        ? reply(res, 200, { kind: 'ConfigMap' })
        : reply(res, 401, status(401, 'Unauthorized'));
    const { auth, calls } = rotatingToken();
    const t = transport({}, { auth });

    const got = await t.json<{ kind: string }>(get());

    assert.equal(got.kind, 'ConfigMap');
    assert.equal(calls.invalidate, 1);
    assert.deepEqual(
      seen.map((s) => s.headers.authorization),
      ['Bearer token-0', 'Bearer token-1'],
    );
  });

  it('returns a second 401 instead of refreshing again', async () => {
    handler = (_req, res) => reply(res, 401, status(401, 'Unauthorized'));
    const { auth, calls } = rotatingToken();
    const t = transport({}, { auth });

    await assert.rejects(t.json(get()), (err) => isUnauthorized(err));
    assert.equal(seen.length, 2);
    assert.equal(calls.invalidate, 1);
  });

  it('does not retry a 401 with static credentials, which cannot change', async () => {
    handler = (_req, res) => reply(res, 401, status(401, 'Unauthorized'));
    const { auth, calls } = rotatingToken('static');
    const t = transport({}, { auth });

    const res = await t.send(get());
    await res.body.dump();

    assert.equal(res.status, 401);
    assert.equal(seen.length, 1);
    assert.equal(calls.invalidate, 0);
  });
});

describe('client-side rate limit', () => {
  it('lets the burst leave at once and spaces later requests at 1/qps, by the injected clock', async () => {
    const clock = createFakeClock({ start: 1000 });
    const { auth, at } = departures(clock);
    // No request timeout: the only timers on this clock are the limiter's.
    const t = transport({ qps: 10, burst: 2, clock, requestTimeoutMs: 0 }, { auth });

    const all = Promise.all(Array.from({ length: 5 }, () => t.json(get())));
    await untilStill(() => seen.length === 2, 'the burst to reach the peer');
    assert.deepEqual(at, [1000, 1000], 'the two tokens of the burst are spent at once');
    // Three requests wait for tokens; one comes every 100 ms and only one request takes it.
    for (const due of [1100, 1200, 1300]) {
      const before = at.length;
      clock.advance(99);
      await settle();
      assert.equal(at.length, before, `nothing leaves before ${due}`);
      clock.advance(1);
      await settle(); // no real time passes: the fake clock alone lets it go
      assert.deepEqual(at.slice(before), [due], `one request leaves at ${due}`);
    }

    await all;
    assert.deepEqual(at, [1000, 1000, 1100, 1200, 1300]);
    assert.equal(seen.length, 5);
    assert.equal(clock.pendingTimers(), 0, 'no limiter timer is left behind');
  });

  it('refills the bucket while idle, but never above the burst', async () => {
    const clock = createFakeClock();
    const { auth, at } = departures(clock);
    // No request timeout: the only timers on this clock are the limiter's.
    const t = transport({ qps: 10, burst: 2, clock, requestTimeoutMs: 0 }, { auth });
    await Promise.all([t.json(get()), t.json(get())]);
    clock.advance(10_000); // idle long enough for 100 tokens; the bucket holds 2

    const all = Promise.all(Array.from({ length: 3 }, () => t.json(get())));
    await settle();
    assert.deepEqual(at, [0, 0, 10_000, 10_000], 'two leave at once, the third waits');
    clock.advance(99);
    await settle();
    assert.equal(at.length, 4);
    clock.advance(1);
    await all;
    assert.deepEqual(at, [0, 0, 10_000, 10_000, 10_100]);
  });

  it('sends every request at once without a limit', async () => {
    const t = transport();

    const answers = await Promise.all(Array.from({ length: 5 }, () => t.send(get())));
    await Promise.all(answers.map((r) => r.body.dump()));

    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200, 200, 200],
    );
    assert.equal(seen.length, 5);
    assert.equal(t.stats.requests, 5);
  });
});

describe('headers', () => {
  it('sends impersonate-user and one impersonate-group header per group', async () => {
    const t = transport(
      {},
      {
        impersonate: { user: 'system:serviceaccount:ops:operator', groups: ['system:authenticated', 'ops'] },
      },
    );

    await t.json(get());

    assert.deepEqual(seen[0]!.headersDistinct['impersonate-user'], ['system:serviceaccount:ops:operator']);
    assert.deepEqual(seen[0]!.headersDistinct['impersonate-group'], ['system:authenticated', 'ops']);
  });

  it('sends no impersonation headers unless configured', async () => {
    await transport().json(get());

    assert.equal(seen[0]!.headers['impersonate-user'], undefined);
    assert.equal(seen[0]!.headers['impersonate-group'], undefined);
  });
});

describe('onResponse', () => {
  it('sees the method, the path (without the server prefix) and the status of each answer', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') reply(res, 201, { kind: 'ConfigMap' });
      else if (req.method === 'DELETE') reply(res, 404, status(404, 'NotFound'));
      else reply(res, 200, { kind: 'ConfigMap' });
    };
    const observed: Array<[string, string, number]> = [];
    const t = transport(
      { onResponse: (method, path, code) => observed.push([method, path, code]) },
      { server: `${origin}/proxy/c1` },
    );

    await t.json(get('/api/v1/namespaces/default/configmaps/a?resourceVersion=0'));
    await t.json({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: '{}' });
    await assert.rejects(t.json({ method: 'DELETE', path: '/api/v1/namespaces/default/configmaps/b' }));

    assert.deepEqual(observed, [
      ['GET', '/api/v1/namespaces/default/configmaps/a?resourceVersion=0', 200],
      ['POST', '/api/v1/namespaces/default/configmaps', 201],
      ['DELETE', '/api/v1/namespaces/default/configmaps/b', 404],
    ]);
    assert.equal(seen[0]!.url, '/proxy/c1/api/v1/namespaces/default/configmaps/a?resourceVersion=0');
    assert.deepEqual(t.stats.byMethod, { GET: 1, POST: 1, DELETE: 1 });
  });
});

describe('close()', () => {
  it('closes every pooled keep-alive connection', async () => {
    const t = transport();
    await Promise.all(Array.from({ length: 3 }, () => t.json(get())));
    assert.ok(connections.length >= 1);
    const closed = connections.map((socket) => (socket.closed ? undefined : once(socket, 'close')));

    await t.close();

    // The peer sees each connection end; the deadline only keeps a failure from hanging the run.
    const deadline = new Promise((resolve) => setTimeout(resolve, 5000).unref());
    await Promise.race([Promise.all(closed), deadline]);
    const open = connections.filter((socket) => !socket.closed);
    assert.equal(
      open.length,
      0,
      `${open.length} of ${connections.length} connections still open after close()`,
    );
  });
});

describe('HTTP/2', () => {
  let h2: Http2SecureServer;
  let h2Origin: string;
  const versions: string[] = [];
  const h2Connections: Socket[] = [];

  before(async () => {
    h2 = createSecureServer({ cert: serving.cert, key: serving.key, allowHTTP1: true }, (req, res) => {
      versions.push((req as Http2ServerRequest).httpVersion);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"kind":"ConfigMap"}');
    });
    h2.on('connection', (socket: Socket) => h2Connections.push(socket));
    h2.listen(0, '127.0.0.1');
    await once(h2, 'listening');
    h2Origin = `https://127.0.0.1:${(h2.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const socket of h2Connections) socket.destroy();
    h2.close();
    await once(h2, 'close');
  });

  it('speaks HTTP/2 by default and HTTP/1.1 when told not to', async () => {
    await transport({}, { server: h2Origin }).json(get());
    await transport({ http2: false }, { server: h2Origin }).json(get());

    assert.deepEqual(versions, ['2.0', '1.1']);
  });
});
