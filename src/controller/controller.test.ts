import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Cache } from '../cache/cache.ts';
import type { Client } from '../client/client.ts';
import type { KubernetesObject } from '../client/resource.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { createFakeClock, type FakeClock } from '../queue/index.ts';
import { Action, terminal } from './action.ts';
import {
  type ControllerObserver,
  type ControllerOptions,
  controller,
  type EventSink,
  prepareController,
  type ReconcileContext,
  type Request,
  STOP_MARGIN_MS,
  watches,
} from './controller.ts';
import { Child, fakeInformers, obj, Pointer, Tenant, WebApp } from './fakes.test.ts';

/** Lets pending promise callbacks and immediates run; no time passes on any clock. */
async function settle(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** Advances the fake clock in steps, letting the controller react after each. */
async function advance(clock: FakeClock, ms: number, step = 5): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await settle(5);
  }
}

interface Setup<T extends KubernetesObject> {
  options: Omit<ControllerOptions<T>, 'name'>;
  log?: Logger;
  observer?: ControllerObserver;
  events?: EventSink;
}

function harness<T extends KubernetesObject>(setup: Setup<T>) {
  const clock = createFakeClock();
  const informers = fakeInformers();
  const lines: Array<Record<string, unknown>> = [];
  const log =
    setup.log ?? createLogger({ format: 'json', level: 'debug', write: (l) => lines.push(JSON.parse(l)) });
  const running = prepareController(controller({ name: 'unit', ...setup.options } as ControllerOptions<T>), {
    client: {} as Client,
    cache: informers as unknown as Cache,
    clock,
    log,
    ...(setup.observer ? { observer: setup.observer } : {}),
    ...(setup.events ? { events: setup.events } : {}),
  });
  running.start();
  return { clock, informers, lines, running };
}

const trap = () => {
  throw new Error('trap exploded');
};
const hostileProxy = () =>
  new Proxy(
    {},
    {
      get: trap,
      has: trap,
      ownKeys: trap,
      getOwnPropertyDescriptor: trap,
      getPrototypeOf: trap,
      defineProperty: trap,
      set: trap,
      apply: trap,
    },
  );

/** Every bad thing a reconcile can do, by object name. */
const badOutcomes: Record<string, (ctx: ReconcileContext<KubernetesObject>) => unknown> = {
  'throw-null': () => {
    throw null;
  },
  'throw-undefined': () => {
    throw undefined;
  },
  'throw-symbol': () => {
    throw Symbol('s');
  },
  'throw-bigint': () => {
    throw 10n;
  },
  'throw-string': () => {
    throw 'not an error';
  },
  'circular-cause': () => {
    const e = new Error('outer');
    (e as { cause?: unknown }).cause = new Error('inner', { cause: e });
    throw e;
  },
  'bigint-cause': () => {
    throw new Error('x', { cause: { n: 10n, s: Symbol('t') } });
  },
  'not-error-cause': () => {
    throw new Error('x', { cause: 'just a string' });
  },
  'getters-throw': () => {
    throw {
      get message(): string {
        throw new Error('message getter');
      },
      get name(): string {
        throw new Error('name getter');
      },
    };
  },
  'throw-proxy': () => {
    throw hostileProxy();
  },
  'error-with-proxy-cause': () => {
    throw new Error('x', { cause: hostileProxy() });
  },
  'return-proxy': () => hostileProxy(),
  'return-bigint-delay': () => ({ type: 'requeueAfter', ms: 1n }),
  'return-nonsense': () => ({ type: 'sometime' }),
  'return-throwing-thenable': () => ({
    // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point
    get then(): unknown {
      throw new Error('then getter');
    },
  }),
  'terminal-of-proxy': () => {
    throw terminal(hostileProxy());
  },
  'events-sink-throws': (ctx) => {
    ctx.events.event(
      { kind: 'ConfigMap', metadata: { name: 'x' } },
      { type: 'Normal', reason: 'R', action: 'A' },
    );
    throw new Error('after an event');
  },
  'logs-hostile-values': (ctx) => {
    ctx.log.error('hostile', { p: hostileProxy(), n: 1n });
    throw new Error('after logging');
  },
};

const throwingObserver: ControllerObserver = {
  enqueued: trap,
  reconcileStarted: trap,
  reconcileFinished: () => Promise.reject(new Error('async hook')) as never,
  handlerError: trap,
};
const throwingEvents: EventSink = {
  event: () => {
    throw new Error('events sink exploded');
  },
};
const hostileLogger: Logger = {
  debug: trap,
  info: trap,
  warn: () => Promise.reject(new Error('async log')) as never,
  error: trap,
  child: trap,
  enabled: trap,
};

describe('controller: a reconcile can never crash the process', () => {
  for (const [label, log] of [
    ['a logger whose sink throws', createLogger({ format: 'json', level: 'debug', write: trap })],
    ['a Logger whose every method throws', hostileLogger],
  ] as const) {
    it(`logs and requeues every bad outcome with backoff, with no unhandled rejection (${label}, throwing hooks and events sink)`, async () => {
      const unhandled: unknown[] = [];
      const onRejection = (r: unknown) => unhandled.push(r);
      const onException = (e: unknown) => unhandled.push(e);
      process.on('unhandledRejection', onRejection);
      process.on('uncaughtException', onException);
      try {
        const runs = new Map<string, number>();
        const h = harness({
          log,
          observer: throwingObserver,
          events: throwingEvents,
          options: {
            for: WebApp,
            concurrency: 3,
            predicates: [trap],
            // A synchronous reconcile: a sync throw must be contained as well as a rejection.
            reconcile: ((request: Request, ctx: ReconcileContext<KubernetesObject>) => {
              runs.set(request.name, (runs.get(request.name) ?? 0) + 1);
              const bad = badOutcomes[request.name];
              return bad ? bad(ctx) : Promise.resolve(Action.done());
            }) as never,
          },
        });
        for (const name of Object.keys(badOutcomes)) h.informers.add(WebApp, obj('WebApp', name, 'ns'));
        await settle();
        await advance(h.clock, 200);
        for (const name of Object.keys(badOutcomes)) {
          if (name === 'terminal-of-proxy') continue; // terminal() itself threw on the Proxy: an ordinary error
          assert.ok(
            (runs.get(name) ?? 0) >= 3,
            `${name} was retried with backoff (ran ${runs.get(name)} times)`,
          );
        }
        // Backoff, not a hot loop: 5 ms doubling gives a handful of runs in 200 ms.
        for (const [name, n] of runs) assert.ok(n <= 8, `${name} ran ${n} times in 200 ms`);
        // Still alive: a new object is reconciled.
        h.informers.add(WebApp, obj('WebApp', 'good', 'ns'));
        await settle();
        assert.equal(runs.get('good'), 1);
        await settle();
        assert.deepEqual(unhandled, []);
        let stopped: unknown;
        void h.running.stop(1000).then((r) => {
          stopped = r;
        });
        await advance(h.clock, 10);
        assert.deepEqual(stopped, { clean: true, aborted: false, abandoned: 0 });
        await settle();
        assert.deepEqual(unhandled, []);
      } finally {
        process.off('unhandledRejection', onRejection);
        process.off('uncaughtException', onException);
      }
    });
  }

  it('logs a non-Error throw and an invalid action recognisably, and tells the observer with an Error', async () => {
    const finished: Array<{ key: string; error: unknown; invalid?: boolean }> = [];
    const h = harness({
      observer: {
        reconcileFinished: (key, o) =>
          finished.push({ key, error: o.error, ...(o.invalid ? { invalid: true } : {}) }),
      },
      options: {
        for: WebApp,
        reconcile: async (request) => {
          if (request.name === 'throws-proxy') throw hostileProxy();
          return { type: 'later' } as never;
        },
      },
    });
    h.informers.add(WebApp, obj('WebApp', 'throws-proxy', 'ns'));
    h.informers.add(WebApp, obj('WebApp', 'bad-action', 'ns'));
    await settle();
    assert.ok(h.lines.some((l) => l.key === 'ns/throws-proxy' && /not an Error/.test(String(l.msg))));
    assert.ok(h.lines.some((l) => l.key === 'ns/bad-action' && /invalid action/.test(String(l.msg))));
    assert.equal(finished.length, 2);
    for (const f of finished) {
      assert.ok(f.error instanceof Error && typeof f.error.message === 'string', f.key);
      assert.equal(f.invalid, true);
    }
    await h.running.stop(0);
  });

  it('retries after a fixed delay when the rate limiter throws', async () => {
    let runs = 0;
    const h = harness({
      options: {
        for: WebApp,
        rateLimiter: { when: trap, forget: trap, retries: trap },
        reconcile: async () => {
          runs++;
          throw new Error('fail');
        },
      },
    });
    h.informers.add(WebApp, obj('WebApp', 'a', 'ns'));
    await settle();
    assert.equal(runs, 1);
    await advance(h.clock, 1000, 100);
    assert.equal(runs, 2);
    assert.ok(h.lines.some((l) => /rate limiter failed/.test(String(l.msg))));
    await h.running.stop(0);
  });
});

describe('controller: log lines of a reconcile', () => {
  it('writes the start and finish lines with the controller, key and reconcile ID at debug', async () => {
    const ids: string[] = [];
    const h = harness({
      options: {
        for: WebApp,
        reconcile: async (_request, ctx) => {
          ids.push(ctx.id);
          ctx.log.info('inside', { n: 1 });
          return Action.requeueAfter(2000);
        },
      },
    });
    h.informers.add(WebApp, obj('WebApp', 'a', 'ns'));
    await settle();
    const mine = h.lines.filter((l) => l.key === 'ns/a');
    assert.deepEqual(
      mine.map(({ time: _, seconds: __, ...rest }) => rest),
      [
        {
          level: 'debug',
          msg: 'reconcile started',
          controller: 'unit',
          key: 'ns/a',
          reconcileID: ids[0],
          reason: 'create',
          reasons: 1,
          attempt: 0,
        },
        { level: 'info', msg: 'inside', controller: 'unit', key: 'ns/a', reconcileID: ids[0], n: 1 },
        {
          level: 'debug',
          msg: 'reconcile asked to run again later',
          controller: 'unit',
          key: 'ns/a',
          reconcileID: ids[0],
          result: 'requeue_after',
          after: 2,
        },
      ],
    );
    assert.equal(typeof mine[2]!.seconds, 'number');
    await h.running.stop(0);
  });

  it('makes no logger for a reconcile that logs nothing at an enabled level, and one for a reconcile that does', async () => {
    const children: Array<Record<string, unknown>> = [];
    const written: Array<{ msg: string; fields: Record<string, unknown> | undefined }> = [];
    /** A logger at level error that records the children it makes and what they write. */
    const recording = (bound: Record<string, unknown>): Logger => ({
      debug() {},
      info() {},
      warn() {},
      error: (msg, fields) => written.push({ msg, fields: { ...bound, ...fields } }),
      child(fields) {
        children.push(fields);
        return recording({ ...bound, ...fields });
      },
      enabled: (level) => level === 'error',
    });
    const h = harness({
      log: recording({}),
      options: {
        for: WebApp,
        reconcile: async (request, ctx) => {
          if (request.name === 'logs') ctx.log.error('something broke');
          return Action.done();
        },
      },
    });
    h.informers.add(WebApp, obj('WebApp', 'quiet', 'ns'));
    await settle();
    assert.deepEqual([...children], [{ controller: 'unit' }]);
    h.informers.add(WebApp, obj('WebApp', 'logs', 'ns'));
    await settle();
    assert.equal(children.length, 2);
    assert.deepEqual(Object.keys(children[1]!), ['key', 'reconcileID']);
    assert.equal(children[1]!.key, 'ns/logs');
    assert.deepEqual(written, [
      {
        msg: 'something broke',
        fields: { controller: 'unit', key: 'ns/logs', reconcileID: children[1]!.reconcileID },
      },
    ]);
    await h.running.stop(0);
  });
});

describe('controller: requeueAfter(0) is not a hot loop', () => {
  for (const ms of [0, -1]) {
    it(`treats requeueAfter(${ms}) as a requeue with backoff`, async () => {
      let runs = 0;
      const h = harness({
        options: {
          for: WebApp,
          reconcile: async () => {
            runs++;
            // Bounded, so that a controller that spins still ends this test.
            return runs < 50 ? Action.requeueAfter(ms) : Action.done();
          },
        },
      });
      h.informers.add(WebApp, obj('WebApp', 'a', 'ns'));
      await settle();
      assert.equal(runs, 1, 'no second run before any time passed');
      h.clock.advance(5);
      await settle();
      assert.equal(runs, 2, 'the first retry after the 5 ms base backoff');
      h.clock.advance(9);
      await settle();
      assert.equal(runs, 2, 'the second waits 10 ms');
      h.clock.advance(1);
      await settle();
      assert.equal(runs, 3);
      await h.running.stop(0);
    });
  }
});

describe('controller: stop(grace) is bounded', () => {
  it('returns within grace plus the margin when a reconcile ignores its signal, reporting it was not clean', async () => {
    let signal: AbortSignal | undefined;
    const h = harness({
      options: {
        for: WebApp,
        reconcile: (_r, ctx) => {
          signal = ctx.signal;
          return new Promise(() => {}); // ignores its signal
        },
      },
    });
    h.informers.add(WebApp, obj('WebApp', 'hung', 'ns'));
    await settle();
    assert.ok(signal && h.running.inFlight === 1);
    let result: unknown;
    void h.running.stop(2000).then((r) => {
      result = r;
    });
    h.clock.advance(1999);
    await settle();
    assert.equal(signal.aborted, false);
    assert.equal(result, undefined);
    h.clock.advance(1);
    await settle();
    assert.equal(signal.aborted, true, 'the grace ran out: the signal aborted');
    assert.equal(result, undefined);
    h.clock.advance(STOP_MARGIN_MS);
    await settle();
    assert.deepEqual(result, { clean: false, aborted: true, abandoned: 1 });
    assert.ok(h.lines.some((l) => l.level === 'warn' && /deadline passed/.test(String(l.msg))));
  });

  it('returns clean once a reconcile that honours its signal has stopped', async () => {
    const h = harness({
      options: {
        for: WebApp,
        reconcile: (_r, ctx) =>
          new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
      },
    });
    h.informers.add(WebApp, obj('WebApp', 'a', 'ns'));
    await settle();
    let result: unknown;
    void h.running.stop(500).then((r) => {
      result = r;
    });
    h.clock.advance(500);
    await settle();
    assert.deepEqual(result, { clean: true, aborted: true, abandoned: 0 });
    assert.ok(h.lines.some((l) => l.msg === 'reconcile interrupted by shutdown' && l.level === 'info'));
  });

  it('aborts a reconcile after reconcileTimeoutMs on the controller clock', async () => {
    let signal: AbortSignal | undefined;
    const h = harness({
      options: {
        for: WebApp,
        reconcileTimeoutMs: 3000,
        reconcile: (_r, ctx) => {
          signal = ctx.signal;
          return new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(Action.done())));
        },
      },
    });
    h.informers.add(WebApp, obj('WebApp', 'a', 'ns'));
    await settle();
    h.clock.advance(2999);
    assert.equal(signal?.aborted, false);
    h.clock.advance(1);
    assert.equal(signal?.aborted, true);
    await settle();
    assert.equal(h.running.inFlight, 0);
    assert.equal((await h.running.stop(0)).clean, true);
  });
});

describe('controller: one object, one key', () => {
  it('reconciles a cluster-scoped owner of namespaced children as one key, never twice at once', async () => {
    const active = new Set<string>();
    const overlaps: string[] = [];
    const requests: Request[] = [];
    let release = () => {};
    const h = harness({
      options: {
        for: Tenant,
        owns: [Child],
        concurrency: 4,
        reconcile: async (request) => {
          requests.push(request);
          const key = `${request.namespace ?? ''}/${request.name}`;
          if (active.has(key) || active.size > 0) overlaps.push(key);
          active.add(key);
          await new Promise<void>((r) => {
            release = r;
          });
          active.delete(key);
          return Action.done();
        },
      },
    });
    const owner = { apiVersion: 'example.operon.dev/v1', kind: 'Tenant', name: 'acme' };
    h.informers.add(Child, obj('ConfigMap', 'quota', 'team-a', { owner }));
    h.informers.add(Child, obj('ConfigMap', 'quota', 'team-b', { owner }));
    h.informers.add(Tenant, obj('Tenant', 'acme'));
    await settle();
    assert.equal(requests.length, 1);
    release();
    await settle();
    release();
    await settle();
    assert.deepEqual(overlaps, []);
    assert.ok(
      requests.every((r) => r.name === 'acme' && r.namespace === undefined),
      JSON.stringify(requests),
    );
    await h.running.stop(0);
  });

  it('drops the namespace a watches() mapper gives for a cluster-scoped primary', async () => {
    const requests: Request[] = [];
    const h = harness({
      options: {
        for: Tenant,
        watches: [watches(Pointer, (p) => [{ name: 'acme', namespace: p.metadata?.namespace }])],
        reconcile: async (request) => {
          requests.push(request);
          return Action.done();
        },
      },
    });
    h.informers.add(Pointer, obj('Secret', 'p', 'team-a'));
    await settle();
    assert.deepEqual(requests, [{ name: 'acme' }]);
    await h.running.stop(0);
  });

  it('maps both the old and the new object of a watched update', async () => {
    const reconciled: string[] = [];
    const h = harness({
      options: {
        for: WebApp,
        watches: [watches(Pointer, (p) => [{ name: p.metadata!.labels!.app!, namespace: 'ns' }])],
        reconcile: async (request) => {
          reconciled.push(request.name);
          return Action.done();
        },
      },
    });
    h.informers.update(
      Pointer,
      obj('Secret', 'p', 'ns', { labels: { app: 'was-referenced' } }),
      obj('Secret', 'p', 'ns', { labels: { app: 'now-referenced' } }),
    );
    await settle();
    assert.deepEqual(reconciled.sort(), ['now-referenced', 'was-referenced']);
    await h.running.stop(0);
  });
});

describe('controller: a finished reconcile leaves nothing behind', () => {
  it('does not keep the signal of a finished reconcile alive, even with an abort listener left on it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const signals: Array<WeakRef<AbortSignal>> = [];
    const h = harness({
      options: {
        for: WebApp,
        concurrency: 4,
        reconcile: async (_r, ctx) => {
          // A reconcile that never removes its listener (a library that cleans up on abort) must not
          // make the controller hold its signal, and what it closes over, until the controller stops.
          ctx.signal.addEventListener('abort', () => {});
          signals.push(new WeakRef(ctx.signal));
          return Action.done();
        },
      },
    });
    for (let i = 0; i < 50; i++) h.informers.add(WebApp, obj('WebApp', `app-${i}`, 'ns'));
    await settle(100);
    assert.equal(signals.length, 50);
    // Collect with no WeakRef read in the same turn (a deref() keeps its target until the turn ends).
    for (let i = 0; i < 5; i++) {
      await settle(2);
      gc();
    }
    await settle(2);
    assert.equal(signals.filter((s) => s.deref() !== undefined).length, 0, 'signals still reachable');
    assert.equal((await h.running.stop(0)).clean, true);
  });

  it('contains an abort listener of a reconcile that throws: the abort is logged, the process does not crash', async () => {
    const crashes: unknown[] = [];
    const onUncaught = (err: unknown) => crashes.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const ran: string[] = [];
      const h = harness({
        options: {
          for: WebApp,
          reconcileTimeoutMs: 1000,
          reconcile: (_r, ctx) =>
            new Promise((resolve) => {
              const throwing = () => {
                throw new Error('listener exploded');
              };
              ctx.signal.addEventListener('abort', throwing);
              ctx.signal.addEventListener('abort', throwing); // the same listener twice is one listener
              ctx.signal.addEventListener('abort', () => ran.push('once'), { once: true });
              const removed = () => ran.push('removed');
              ctx.signal.addEventListener('abort', removed);
              ctx.signal.removeEventListener('abort', removed);
              ctx.signal.onabort = () => {
                ran.push('onabort');
                throw new Error('onabort exploded');
              };
              ctx.signal.addEventListener('abort', () => resolve(Action.done()));
            }),
        },
      });
      h.informers.add(WebApp, obj('WebApp', 'a', 'ns'));
      await settle();
      h.clock.advance(1000);
      await settle();
      assert.deepEqual(ran, ['once', 'onabort']);
      assert.equal(h.running.inFlight, 0);
      assert.deepEqual(crashes, [], 'an abort listener crashed the process');
      const logged = h.lines.filter((l) => /abort listener/.test(String(l.msg)));
      assert.ok(logged.length >= 1, JSON.stringify(h.lines.map((l) => l.msg)));
      assert.equal((await h.running.stop(0)).clean, true);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('still aborts the signal of a reconcile in flight with the reason it was aborted with', async () => {
    const seen: unknown[] = [];
    const h = harness({
      options: {
        for: WebApp,
        reconcile: (_r, ctx) =>
          new Promise((resolve) =>
            ctx.signal.addEventListener('abort', () => {
              seen.push(ctx.signal.reason);
              resolve(Action.done());
            }),
          ),
      },
    });
    h.informers.add(WebApp, obj('WebApp', 'a', 'ns'));
    await settle();
    const why = new Error('leadership lost');
    h.running.abort(why);
    await h.running.done;
    assert.deepEqual(seen, [why]);
  });
});
