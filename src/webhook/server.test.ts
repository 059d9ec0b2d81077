import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { Registry } from 'prom-client';
import { ErrorCode, OperonError } from '../errors.ts';
import { silentLogger } from '../log/logger.ts';
import { createFakeClock } from '../queue/clock.ts';
import { eventually } from '../testing/eventually.ts';
import { Admission, type AdmissionResponse, admissionRoute, decodePatch } from './admission.ts';
import { type CertificatePair, createSelfSignedCA, issueServingCert } from './certs.ts';
import { applyPatch } from './json-patch.ts';
import { createWebhookServer, parseGoDuration, type ReviewRoute, type WebhookServer } from './server.ts';

interface Reply {
  status: number;
  body: string;
  json?: { apiVersion: string; kind: string; response: AdmissionResponse };
  reusedSocket: boolean;
}

function post(
  address: string,
  ca: string | string[],
  path: string,
  body: string | object,
  options: { contentType?: string; method?: string; agent?: Agent } = {},
): Promise<Reply> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path,
        method: options.method ?? 'POST',
        ca,
        servername: 'localhost',
        ...(options.agent ? { agent: options.agent } : { agent: false }),
        headers: {
          'content-type': options.contentType ?? 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Reply['json'];
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({
            status: res.statusCode!,
            body: text,
            ...(json ? { json } : {}),
            reusedSocket: req.reusedSocket,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const review = (request: object) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'uid-1',
    kind: { group: 'example.operon.dev', version: 'v1', kind: 'Thing' },
    resource: { group: 'example.operon.dev', version: 'v1', resource: 'things' },
    operation: 'CREATE',
    userInfo: { username: 'alice' },
    object: {
      apiVersion: 'example.operon.dev/v1',
      kind: 'Thing',
      metadata: { name: 'a' },
      spec: { image: 'x' },
    },
    ...request,
  },
});

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

let ca: CertificatePair;
let serving: CertificatePair;

before(async () => {
  ca = await createSelfSignedCA();
  serving = await issueServingCert(ca, { hosts: ['localhost', '127.0.0.1'] });
});

describe('webhook server', () => {
  let server: WebhookServer;
  let address: string;
  const stop = new AbortController();
  let running: Promise<void>;
  const registry = new Registry();
  const gates: Array<{ entered: () => void; release: Promise<void> }> = [];

  type Thing = { metadata?: { name?: string }; spec: { image: string; replicas?: number; n?: unknown } };
  const routes: ReviewRoute[] = [
    admissionRoute<Thing>({
      path: '/validate',
      name: 'validate.things',
      mode: 'validate',
      operations: ['CREATE', 'UPDATE'],
      timeoutSeconds: 10,
      handler: (thing, ctx) => {
        if (thing.spec.image === 'throw') throw new Error('registry lookup failed');
        if (thing.spec.image === 'bad')
          return Admission.deny('registry not allowed', { field: 'spec.image' });
        if (ctx.userInfo.username === 'mallory') return Admission.deny('not you');
        return Admission.allow(['w1', 'w1', 'w2']);
      },
    }),
    admissionRoute<Thing>({
      path: '/mutate',
      name: 'default.things',
      mode: 'default',
      operations: ['CREATE', 'UPDATE'],
      timeoutSeconds: 10,
      handler: (thing) => {
        if (thing.spec.image === 'bigint') thing.spec.n = 1n;
        thing.spec.replicas ??= 1;
        return undefined;
      },
    }),
    admissionRoute<Thing>({
      path: '/slow',
      name: 'slow.things',
      mode: 'validate',
      operations: ['CREATE'],
      timeoutSeconds: 10,
      handler: async () => {
        const gate = gates.shift()!;
        gate.entered();
        await gate.release;
        return Admission.allow();
      },
    }),
  ];

  before(async () => {
    server = createWebhookServer({
      routes,
      certificate: serving,
      host: '127.0.0.1',
      port: 0,
      metrics: registry,
    });
    running = server.start(stop.signal);
    address = await server.listen();
  });
  after(async () => {
    stop.abort();
    await running;
  });

  it('denies with the handler message and field path, echoing the uid', async () => {
    const r = await post(address, ca.cert, '/validate', review({ object: { spec: { image: 'bad' } } }));
    assert.equal(r.status, 200);
    assert.equal(r.json?.kind, 'AdmissionReview');
    assert.deepEqual(r.json?.response, {
      uid: 'uid-1',
      allowed: false,
      status: {
        code: 403,
        reason: 'Forbidden',
        message: 'spec.image: registry not allowed',
        details: {
          causes: [{ field: 'spec.image', message: 'registry not allowed', reason: 'FieldValueInvalid' }],
        },
      },
    });
  });

  it('allows with deduplicated warnings, and sees who asked', async () => {
    const ok = await post(address, ca.cert, '/validate', review({}));
    assert.deepEqual(ok.json?.response, { uid: 'uid-1', allowed: true, warnings: ['w1', 'w2'] });
    const no = await post(address, ca.cert, '/validate', review({ userInfo: { username: 'mallory' } }));
    assert.equal(no.json?.response.status?.code, 403);
    assert.equal(no.json?.response.status?.message, 'not you');
  });

  it('answers a throwing handler with a 500 denial naming the error, and keeps serving', async () => {
    const r = await post(address, ca.cert, '/validate', review({ object: { spec: { image: 'throw' } } }));
    assert.equal(r.status, 200);
    assert.equal(r.json?.response.allowed, false);
    assert.equal(r.json?.response.status?.code, 500);
    assert.match(
      r.json?.response.status?.message ?? '',
      /validate\.things: the webhook handler failed: registry lookup failed/,
    );
    const next = await post(address, ca.cert, '/validate', review({}));
    assert.equal(next.json?.response.allowed, true);
  });

  it('answers a handler that throws something with no printable message with a 500 denial, not an HTTP error', async () => {
    // An HTTP error would leave the decision to failurePolicy: with Ignore, the request would be admitted.
    const badMessage = new Error('hidden');
    Object.defineProperty(badMessage, 'message', {
      get() {
        throw new Error('no message for you');
      },
    });
    const thrown: Record<string, unknown> = {
      'a null-prototype object': Object.create(null),
      'an Error whose message getter throws': badMessage,
      'an object whose toString throws': {
        toString() {
          throw new Error('no string');
        },
      },
    };
    for (const [what, value] of Object.entries(thrown)) {
      const route = admissionRoute<Thing>({
        path: '/odd',
        name: 'odd.things',
        mode: 'validate',
        operations: ['CREATE'],
        timeoutSeconds: 10,
        handler: () => {
          throw value;
        },
      });
      const odd = createWebhookServer({ routes: [route], certificate: serving, host: '127.0.0.1', port: 0 });
      const stopOdd = new AbortController();
      const run = odd.start(stopOdd.signal);
      try {
        const r = await post(await odd.listen(), ca.cert, '/odd', review({}));
        assert.equal(r.status, 200, `${what}: ${r.body}`);
        assert.equal(r.json?.response.allowed, false, what);
        assert.equal(r.json?.response.status?.code, 500, what);
        assert.match(
          r.json?.response.status?.message ?? '',
          /^odd\.things: the webhook handler failed: /,
          what,
        );
      } finally {
        stopOdd.abort();
        await run;
      }
    }
  });

  it('gives a JSON Patch that turns the object into the defaulted one', async () => {
    const object = { apiVersion: 'example.operon.dev/v1', kind: 'Thing', spec: { image: 'x' } };
    const r = await post(address, ca.cert, '/mutate', review({ object }));
    const response = r.json!.response;
    assert.equal(response.patchType, 'JSONPatch');
    assert.deepEqual(applyPatch(object, decodePatch(response.patch!)), {
      ...object,
      spec: { image: 'x', replicas: 1 },
    });
    const unchanged = await post(
      address,
      ca.cert,
      '/mutate',
      review({ object: { spec: { image: 'x', replicas: 3 } } }),
    );
    assert.deepEqual(unchanged.json?.response, { uid: 'uid-1', allowed: true });
  });

  it('denies, not crashes, when the defaulted object cannot be JSON', async () => {
    const r = await post(address, ca.cert, '/mutate', review({ object: { spec: { image: 'bigint' } } }));
    assert.equal(r.json?.response.status?.code, 500);
    assert.match(r.json?.response.status?.message ?? '', /the defaulted object at spec\.n holds a BigInt/);
  });

  it('skips operations the handler is not registered for', async () => {
    const r = await post(address, ca.cert, '/validate', review({ operation: 'DELETE', object: undefined }));
    assert.deepEqual(r.json?.response, { uid: 'uid-1', allowed: true });
  });

  it('answers bad input with a 400 and the reason', async () => {
    const cases: Array<[string, string | object, { contentType?: string; method?: string }, number, RegExp]> =
      [
        ['/validate', '{not json', {}, 400, /not JSON/],
        [
          '/validate',
          review({}),
          { contentType: 'text/plain' },
          400,
          /content-type must be application\/json/,
        ],
        [
          '/validate',
          { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } },
          {},
          400,
          /expected admission\.k8s\.io\/v1 AdmissionReview/,
        ],
        [
          '/validate',
          { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' },
          {},
          400,
          /has no request/,
        ],
        [
          '/validate',
          { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: '' } },
          {},
          400,
          /has no uid/,
        ],
        ['/validate', '[]', {}, 400, /not a AdmissionReview object/],
        ['/validate', review({}), { method: 'PUT' }, 405, /PUT is not allowed/],
        ['/nowhere', review({}), {}, 404, /no webhook at \/nowhere/],
      ];
    for (const [path, body, opts, status, reason] of cases) {
      const r = await post(address, ca.cert, path, body, opts);
      assert.equal(r.status, status, `${path} ${JSON.stringify(body)}`);
      assert.match(r.body, reason);
    }
  });

  it('refuses a body over the limit with a 413', async () => {
    const small = createWebhookServer({
      routes,
      certificate: serving,
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1000,
    });
    const stopSmall = new AbortController();
    const run = small.start(stopSmall.signal);
    const at = await small.listen();
    try {
      const r = await post(
        at,
        ca.cert,
        '/validate',
        review({ object: { spec: { image: 'x'.repeat(2000) } } }),
      );
      assert.equal(r.status, 413);
      assert.match(r.body, /over the limit of 1000 bytes/);
    } finally {
      stopSmall.abort();
      await run;
    }
  });

  it('counts requests under controller-runtime names, by path and HTTP code', async () => {
    await post(address, ca.cert, '/mutate', review({}));
    await post(address, ca.cert, '/mutate', '{');
    const text = await registry.metrics();
    assert.match(text, /controller_runtime_webhook_requests_total\{webhook="\/mutate",code="200"\} [1-9]/);
    assert.match(text, /controller_runtime_webhook_requests_total\{webhook="\/mutate",code="400"\} [1-9]/);
    assert.match(text, /controller_runtime_webhook_requests_in_flight\{webhook="\/mutate"\} 0/);
    assert.match(text, /controller_runtime_webhook_latency_seconds_count\{webhook="\/mutate"\} [1-9]/);
  });

  it('reloads the certificate for new connections without dropping open ones', async () => {
    const ca2 = await createSelfSignedCA({ commonName: 'second' });
    const serving2 = await issueServingCert(ca2, { hosts: ['localhost', '127.0.0.1'] });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await post(address, [ca.cert, ca2.cert], '/validate', review({}), { agent });
      assert.equal(first.json?.response.allowed, true);
      server.setCertificate(serving2);
      const second = await post(address, [ca.cert, ca2.cert], '/validate', review({}), { agent });
      assert.equal(second.reusedSocket, true, 'the open connection was kept');
      assert.equal(second.json?.response.allowed, true);
      // A new connection gets the new certificate: only the new CA trusts it.
      const fresh = await post(address, ca2.cert, '/validate', review({}));
      assert.equal(fresh.json?.response.allowed, true);
      await assert.rejects(
        post(address, ca.cert, '/validate', review({})),
        /self-signed|unable to verify|certificate/i,
      );
    } finally {
      agent.destroy();
      server.setCertificate(serving);
    }
  });
});

describe('webhook server timeouts and shutdown', () => {
  it('aborts the handler at ?timeout= and answers a 504 denial', async () => {
    const clock = createFakeClock();
    const entered = deferred<AbortSignal>();
    const server = createWebhookServer({
      host: '127.0.0.1',
      port: 0,
      certificate: serving,
      clock,
      routes: [
        admissionRoute({
          path: '/v',
          name: 'v',
          mode: 'validate',
          operations: ['CREATE'],
          timeoutSeconds: 10,
          handler: (_o, ctx) => {
            entered.resolve(ctx.signal);
            return new Promise<undefined>(() => {}); // never settles, ignores the signal
          },
        }),
      ],
    });
    const stop = new AbortController();
    const run = server.start(stop.signal);
    const address = await server.listen();
    const reply = post(address, ca.cert, '/v?timeout=3s', review({}));
    const signal = await entered.promise;
    clock.advance(2999);
    assert.equal(signal.aborted, false);
    clock.advance(1);
    assert.equal(signal.aborted, true);
    const r = await reply;
    assert.equal(r.json?.response.allowed, false);
    assert.equal(r.json?.response.status?.code, 504);
    assert.match(r.json?.response.status?.message ?? '', /did not answer within its timeout of 3s/);
    stop.abort();
    await run;
  });

  it('drains an in-flight review on shutdown: it is answered, new connections are refused', async () => {
    const gate = deferred();
    const entered = deferred();
    let calls = 0;
    const server = createWebhookServer({
      host: '127.0.0.1',
      port: 0,
      certificate: serving,
      routes: [
        admissionRoute({
          path: '/v',
          name: 'v',
          mode: 'validate',
          operations: ['CREATE'],
          timeoutSeconds: 10,
          handler: async () => {
            if (calls++ > 0) return Admission.allow(); // only the first review is held
            entered.resolve();
            await gate.promise;
            return Admission.deny('late but answered');
          },
        }),
      ],
    });
    const stop = new AbortController();
    let stopped = false;
    const run = server.start(stop.signal).then(() => {
      stopped = true;
    });
    const address = await server.listen();
    const reply = post(address, ca.cert, '/v', review({}));
    await entered.promise;
    stop.abort();
    // The listener closes at once; the in-flight review is still being waited for.
    await assert.rejects(
      (async () => {
        for (;;) await post(address, ca.cert, '/v', review({}));
      })(),
      /ECONNREFUSED/,
    );
    assert.equal(stopped, false);
    assert.equal(server.ready, false);
    gate.resolve();
    const r = await reply;
    assert.equal(r.json?.response.status?.message, 'late but answered');
    await run;
    assert.equal(server.inFlight, 0);
  });

  it('after the drain timeout aborts what is left and still answers it', async () => {
    const clock = createFakeClock();
    const entered = deferred<AbortSignal>();
    const server = createWebhookServer({
      host: '127.0.0.1',
      port: 0,
      certificate: serving,
      clock,
      drainTimeoutMs: 5000,
      routes: [
        admissionRoute({
          path: '/v',
          name: 'v',
          mode: 'validate',
          operations: ['CREATE'],
          timeoutSeconds: 30,
          handler: (_o, ctx) => {
            entered.resolve(ctx.signal);
            return new Promise<undefined>(() => {});
          },
        }),
      ],
    });
    const stop = new AbortController();
    const run = server.start(stop.signal);
    const address = await server.listen();
    const reply = post(address, ca.cert, '/v?timeout=30s', review({}));
    const signal = await entered.promise;
    stop.abort();
    // Wait for the drain timer to be armed (review timer + drain timer), then pass it.
    while (clock.pendingTimers() < 2) await new Promise((r) => setImmediate(r));
    clock.advance(5000);
    assert.equal(signal.aborted, true);
    const r = await reply;
    assert.equal(r.json?.response.status?.code, 504);
    assert.match(r.json?.response.status?.message ?? '', /shutting down/);
    await run;
  });

  it('refuses a certificate whose key is not its own, before and after listening, and keeps the one it has', async () => {
    const other = await issueServingCert(ca, { hosts: ['localhost', '127.0.0.1'] });
    const mismatched = { cert: serving.cert, key: other.key };
    const s = createWebhookServer({ routes: [], host: '127.0.0.1', port: 0 });
    assert.throws(
      () => s.setCertificate(mismatched),
      (err: unknown) =>
        err instanceof OperonError &&
        err.code === ErrorCode.InvalidArgument &&
        /key does not match/.test(err.message) &&
        !err.message.includes('PRIVATE KEY'),
    );
    await assert.rejects(s.listen(), /no certificate/, 'the refused pair was not kept');
    s.setCertificate(serving);
    const stop = new AbortController();
    const running = s.start(stop.signal);
    try {
      const at = await s.listen();
      assert.throws(() => s.setCertificate(mismatched), /key does not match/);
      assert.equal(s.ready, true);
      const fresh = await post(at, ca.cert, '/none', review({}));
      assert.equal(fresh.status, 404, 'still serves, with the previous certificate');
    } finally {
      stop.abort();
      await running;
    }
  });

  it('answers a body that never finishes arriving with a 408 at the review timeout and closes the connection', {
    timeout: 20_000,
  }, async () => {
    const clock = createFakeClock();
    const server = createWebhookServer({
      host: '127.0.0.1',
      port: 0,
      certificate: serving,
      clock,
      routes: [
        admissionRoute({
          path: '/validate',
          name: 'v',
          mode: 'validate',
          operations: ['CREATE'],
          timeoutSeconds: 10,
          handler: () => Admission.allow(),
        }),
      ],
    });
    const stop = new AbortController();
    const run = server.start(stop.signal);
    const address = await server.listen();
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost' });
    try {
      let received = '';
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('data', (d: Buffer) => {
        received += d;
      });
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
      socket.write(
        'POST /validate?timeout=3s HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n' +
          'content-length: 1000\r\n\r\n{"apiVersion":',
      );
      await eventually('the request to be read', () => server.inFlight === 1, 10_000);
      clock.advance(2999);
      assert.equal(server.inFlight, 1, 'still reading before the timeout');
      clock.advance(1);
      await closed;
      assert.match(received, /^HTTP\/1\.1 408 /);
      assert.match(received, /did not arrive within 3s/);
    } finally {
      socket.destroy();
      stop.abort();
      await run;
    }
  });

  it('start() with a stop already asked for closes what listen() opened, and rejects', async () => {
    const server = createWebhookServer({ routes: [], host: '127.0.0.1', port: 0, certificate: serving });
    const address = await server.listen();
    const stopped = AbortSignal.abort(new Error('stopped before serving'));
    await assert.rejects(server.start(stopped), /stopped before serving/);
    await assert.rejects(post(address, ca.cert, '/v', review({})), /ECONNREFUSED/);
  });

  it('will not listen without a certificate', async () => {
    const server = createWebhookServer({ routes: [], host: '127.0.0.1', port: 0 });
    await assert.rejects(server.listen(), /has no certificate/);
  });
});

describe('admission routes given junk by their handler', () => {
  type Thing = { metadata?: { name?: string }; spec: { image: string } };
  const request = review({}).request as unknown as Parameters<ReviewRoute['handle']>[0];
  const ctx = { signal: new AbortController().signal, log: silentLogger };
  it('a defaulter that returns something that is not an object is a 500, not a patch replacing the object', async () => {
    for (const junk of ['x', 42, [1, 2], true, null]) {
      const route = admissionRoute<Thing>({
        path: '/mutate',
        name: 'default.things',
        mode: 'default',
        operations: ['CREATE'],
        timeoutSeconds: 10,
        handler: (() => junk) as never,
      });
      const response = (await route.handle(request, ctx)) as AdmissionResponse;
      if (junk === null) {
        // null is "nothing": the mutated copy stands (here unchanged, so no patch).
        assert.deepEqual(response, { uid: 'uid-1', allowed: true }, String(junk));
        continue;
      }
      assert.equal(response.allowed, false, JSON.stringify(junk));
      assert.equal(response.patch, undefined);
      assert.equal(response.status?.code, 500);
      assert.match(response.status?.message ?? '', /must return the object/);
    }
  });
});

describe('admission denials the API server can decode, whatever the handler put in them', () => {
  const request = review({}).request as unknown as Parameters<ReviewRoute['handle']>[0];
  const ctx = { signal: new AbortController().signal, log: silentLogger };
  // With failurePolicy Ignore, an answer the API server cannot decode admits the request.
  it('a denial with a non-string message, a bad code and a lone warning is still a denial', async () => {
    const route = admissionRoute<{ metadata?: { name?: string }; spec: object }>({
      path: '/validate',
      name: 'validate.things',
      mode: 'validate',
      operations: ['CREATE'],
      timeoutSeconds: 10,
      handler: (() => ({ allowed: false, message: 42, field: 7, code: 'abc', warnings: 'careful' })) as never,
    });
    const response = (await route.handle(request, ctx)) as AdmissionResponse;
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 403);
    assert.equal(response.status?.message, '7: 42');
    assert.deepEqual(response.warnings, ['careful']);
    for (const code of [1e10, 200, -1, 403.5]) {
      const r = (await admissionRoute<{ metadata?: { name?: string }; spec: object }>({
        path: '/validate',
        name: 'validate.things',
        mode: 'validate',
        operations: ['CREATE'],
        timeoutSeconds: 10,
        handler: () => Admission.deny('no', { code }),
      }).handle(request, ctx)) as AdmissionResponse;
      assert.equal(r.status?.code, 403, String(code));
    }
  });
});

describe('parseGoDuration', () => {
  it('reads the durations the API server writes', () => {
    assert.equal(parseGoDuration('10s'), 10_000);
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('500ms'), 500);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('10'), undefined);
    assert.equal(parseGoDuration('s'), undefined);
  });
});
