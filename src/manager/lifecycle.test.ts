import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isOperonError } from '../errors.ts';
import { LeadershipLostError } from '../leader/leader-elector.ts';
import { createFakeClock, type FakeClock } from '../queue/clock.ts';
import {
  type Election,
  type LifecycleOptions,
  runLifecycle,
  SETTLE_MS,
  ShutdownTimeoutError,
  STOP_MARGIN_MS,
} from './lifecycle.ts';
import { aborted, type Runnable } from './runnable.ts';

/** Lets every promise callback that can run, run (no time passes on the fake clock). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface FakeRunnable extends Runnable {
  signal?: AbortSignal;
  /** For one that ignores its signal: lets it return. */
  finish(): void;
}

/** A Runnable that logs `start x` and `stop x`; one that ignores its signal stops only on `finish()`. */
function fake(
  name: string,
  log: string[],
  o: { ignoreSignal?: boolean; ready?: Promise<void>; fail?: Error } = {},
): FakeRunnable {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const r: FakeRunnable = {
    name,
    finish: () => finish(),
    async start(signal) {
      log.push(`start ${name}`);
      r.signal = signal;
      if (o.fail) throw o.fail;
      await (o.ignoreSignal ? finished : aborted(signal));
      log.push(`stop ${name}`);
    },
    ...(o.ready ? { ready: () => o.ready! } : {}),
  };
  return r;
}

/** An election that leads when `grant()` is called; `lose()` ends the term as the elector would. */
function fakeElection(log: string[]) {
  const term = new AbortController();
  let grant = () => {};
  let campaigning: AbortSignal | undefined;
  const election: Election & { grant(): void; lose(): void; readonly stopped: boolean } = {
    runnable: {
      name: 'leader election',
      async start(signal) {
        campaigning = signal;
        log.push('start elector');
        await aborted(signal);
        log.push(term.signal.aborted ? 'elector stopped' : 'release lease');
      },
    },
    leading(signal) {
      return new Promise((resolve, reject) => {
        grant = () => resolve(term.signal);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    },
    grant: () => grant(),
    lose: () => term.abort(new LeadershipLostError('lease-taken', 'the lease was taken by op-b')),
    get stopped() {
      return campaigning?.aborted ?? false;
    },
  };
  return election;
}

function lifecycle(
  clock: FakeClock,
  overrides: Partial<LifecycleOptions>,
  signal: AbortSignal,
): { done: Promise<void>; outcome: Promise<unknown> } {
  const done = runLifecycle({ groups: {}, graceMs: 10_000, clock, ...overrides }, signal);
  // The outcome as a value: `undefined` after a clean stop, else the rejection.
  const outcome = done.then(
    () => undefined,
    (err: unknown) => err,
  );
  return { done, outcome };
}

describe('runLifecycle', () => {
  it('starts http, webhooks, caches (once synced), others, then leads and starts the controllers; stops in reverse, releasing the lease after the controllers stopped', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    let synced = () => {};
    const sync = new Promise<void>((resolve) => {
      synced = resolve;
    });
    const election = fakeElection(log);
    const phases: string[] = [];
    const stop = new AbortController();
    const { outcome } = lifecycle(
      clock,
      {
        groups: {
          'leader-election': [fake('controller', log)],
          others: [fake('other', log)],
          caches: [fake('cache', log, { ready: sync })],
          webhooks: [fake('webhook', log)],
          http: [fake('endpoints', log)],
        },
        election,
        hooks: {
          phase: (p) => phases.push(p),
          beforeRelease: async () => {
            log.push('flush events');
          },
          afterStop: async () => {
            log.push('close client');
          },
        },
      },
      stop.signal,
    );
    await settle();
    assert.deepEqual(
      log,
      ['start endpoints', 'start webhook', 'start cache'],
      'nothing after the caches until they sync',
    );
    synced();
    await settle();
    assert.deepEqual(log.slice(3), ['start other', 'start elector'], 'controllers wait for leadership');
    election.grant();
    await settle();
    assert.deepEqual(log.slice(5), ['start controller']);
    assert.equal(phases.at(-1), 'running');

    stop.abort();
    assert.equal(await outcome, undefined, 'a clean stop resolves');
    assert.deepEqual(log.slice(6), [
      'stop controller',
      'stop other',
      'flush events',
      'release lease',
      'stop cache',
      'stop webhook',
      'stop endpoints',
      'close client',
    ]);
    assert.deepEqual(phases, [
      'starting',
      'syncing',
      'waiting-for-leadership',
      'running',
      'stopping',
      'stopped',
    ]);
    assert.equal(clock.pendingTimers(), 0, 'no timer left behind');
  });

  it('returns within grace plus the margin when a controller ignores its signal, releasing the lease only once the deadline passed, and says so', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    const election = fakeElection(log);
    const stubborn = fake('controller stubborn', log, { ignoreSignal: true });
    const stop = new AbortController();
    const { outcome } = lifecycle(
      clock,
      {
        groups: { 'leader-election': [stubborn], caches: [fake('cache', log)] },
        election,
        graceMs: 5000,
        hooks: {
          beforeRelease: async ({ deadline }) => {
            log.push(`flush events (deadline ${deadline.aborted ? 'passed' : 'ahead'})`);
          },
        },
      },
      stop.signal,
    );
    await settle();
    election.grant();
    await settle();
    stop.abort();
    let settled = false;
    void outcome.then(() => {
      settled = true;
    });
    await settle();
    clock.advance(5000 + SETTLE_MS - 1);
    await settle();
    assert.equal(settled, false, 'still waiting for the controller inside grace + settle time');
    assert.ok(!log.includes('release lease'), 'the lease is held while the controller may still write');
    clock.advance(1);
    await settle();
    const err = await outcome;
    assert.ok(err instanceof ShutdownTimeoutError, `rejects with ShutdownTimeoutError, not ${String(err)}`);
    assert.equal(err.code, ErrorCode.Timeout);
    assert.deepEqual(err.pending, ['controller stubborn']);
    assert.ok(clock.now() <= 5000 + STOP_MARGIN_MS, 'within grace plus the margin');
    assert.deepEqual(log.slice(-3), ['flush events (deadline passed)', 'release lease', 'stop cache']);
    stubborn.finish();
  });

  it('counts a controller that stops within grace as clean', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    const slow = fake('controller slow', log, { ignoreSignal: true });
    const stop = new AbortController();
    const { outcome } = lifecycle(
      clock,
      { groups: { 'leader-election': [slow] }, graceMs: 5000 },
      stop.signal,
    );
    await settle();
    stop.abort();
    await settle();
    clock.advance(4999);
    await settle();
    slow.finish();
    assert.equal(await outcome, undefined);
  });

  it('bounds the lease release and the rest by the margin, even when releasing hangs', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    let leading = (_: AbortSignal) => {};
    const hanging: Election = {
      runnable: fake('leader election', log, { ignoreSignal: true }),
      leading: () =>
        new Promise((resolve) => {
          leading = resolve;
        }),
    };
    const stop = new AbortController();
    const { outcome } = lifecycle(clock, { groups: {}, election: hanging, graceMs: 1000 }, stop.signal);
    await settle();
    leading(new AbortController().signal);
    await settle();
    stop.abort();
    await settle();
    clock.advance(1000 + STOP_MARGIN_MS);
    await settle();
    const err = await outcome;
    assert.ok(err instanceof ShutdownTimeoutError);
    assert.deepEqual(err.pending, ['leader election']);
  });

  it('on a loss of leadership fences at once, aborts the controllers with the loss as reason, stops campaigning and rejects with LeadershipLost', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    const election = fakeElection(log);
    const controller = fake('controller', log);
    const other = fake('other', log);
    const { outcome } = lifecycle(
      clock,
      {
        groups: { 'leader-election': [controller], others: [other] },
        election,
        hooks: {
          leadershipLost: (reason) => log.push(`fence (${(reason as Error).message})`),
          beforeRelease: async ({ lost }) => {
            log.push(`flush events (lost: ${lost})`);
          },
        },
      },
      new AbortController().signal,
    );
    await settle();
    election.grant();
    await settle();
    election.lose();
    // Synchronously, before any other callback: fenced, controllers' signal aborted, campaign stopped.
    assert.equal(log.at(-1), 'fence (the lease was taken by op-b)');
    assert.equal(controller.signal?.aborted, true);
    assert.ok(controller.signal?.reason instanceof LeadershipLostError);
    assert.equal(election.stopped, true, 'does not campaign again');
    const err = await outcome;
    assert.ok(
      isOperonError(err, ErrorCode.LeadershipLost),
      `rejects with LeadershipLost, not ${String(err)}`,
    );
    assert.ok(err instanceof LeadershipLostError);
    assert.equal(err.loss, 'lease-taken');
    assert.match(err.message, /taken by op-b.*Every reconcile had stopped/);
    const at = (line: string) => log.indexOf(line);
    assert.ok(at('stop controller') >= 0 && at('stop other') >= 0, 'every group stopped');
    assert.ok(at('stop controller') < at('flush events (lost: true)'), 'controllers stop before the flush');
    assert.ok(at('elector stopped') >= 0 && !log.includes('release lease'), 'no release: it no longer leads');
  });

  it('never starts the leader-election group without leadership: a stop while campaigning resolves without it', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    const election = fakeElection(log);
    const stop = new AbortController();
    const { outcome } = lifecycle(
      clock,
      { groups: { 'leader-election': [fake('controller', log)] }, election },
      stop.signal,
    );
    await settle();
    stop.abort();
    assert.equal(await outcome, undefined);
    assert.ok(!log.includes('start controller'));
  });

  it('a Runnable that fails to become ready stops what started and rejects with its error', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    const inUse = new Error('port in use');
    const { outcome } = lifecycle(
      clock,
      {
        groups: {
          http: [fake('endpoints', log, { fail: inUse, ready: new Promise(() => {}) })],
          caches: [fake('cache', log)],
        },
      },
      new AbortController().signal,
    );
    assert.equal(await outcome, inUse);
    assert.deepEqual(log, ['start endpoints'], 'nothing else started');
  });

  it('a Runnable that fails while running stops the rest and rejects with its error', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    let crash: (err: Error) => void = () => {};
    const crashing: Runnable = {
      name: 'webhook',
      start: () =>
        new Promise<void>((_, reject) => {
          crash = reject;
        }),
    };
    const { outcome } = lifecycle(
      clock,
      { groups: { webhooks: [crashing], 'leader-election': [fake('controller', log)] } },
      new AbortController().signal,
    );
    await settle();
    assert.deepEqual(log, ['start controller']);
    const boom = new Error('listener died');
    crash(boom);
    assert.equal(await outcome, boom);
    assert.deepEqual(log, ['start controller', 'stop controller']);
  });

  it('a loss while draining gracefully still rejects with LeadershipLost and calls the fence at once', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    const election = fakeElection(log);
    const draining = fake('controller', log, { ignoreSignal: true });
    const stop = new AbortController();
    const { outcome } = lifecycle(
      clock,
      {
        groups: { 'leader-election': [draining] },
        election,
        graceMs: 5000,
        hooks: { leadershipLost: () => log.push('fence') },
      },
      stop.signal,
    );
    await settle();
    election.grant();
    await settle();
    stop.abort();
    await settle();
    election.lose();
    assert.equal(log.at(-1), 'fence');
    draining.finish();
    const err = await outcome;
    assert.ok(isOperonError(err, ErrorCode.LeadershipLost));
  });

  it('takes a Runnable that rejects with an AbortError once told to stop as a clean stop', async () => {
    const clock = createFakeClock();
    const abortsWithError: Runnable = {
      name: 'server',
      start: (signal) =>
        new Promise<void>((_, reject) =>
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        ),
    };
    const stop = new AbortController();
    const { outcome } = lifecycle(clock, { groups: { http: [abortsWithError] } }, stop.signal);
    await settle();
    stop.abort();
    assert.equal(await outcome, undefined);
  });

  it('fails, without ever starting the controllers, when leader election itself fails', async () => {
    const log: string[] = [];
    const clock = createFakeClock();
    const broken = new Error('elector already running');
    const election: Election = {
      runnable: fake('leader election', log),
      leading: () => Promise.reject(broken),
    };
    const { outcome } = lifecycle(
      clock,
      { groups: { 'leader-election': [fake('controller', log)] }, election },
      new AbortController().signal,
    );
    assert.equal(await outcome, broken);
    assert.ok(!log.includes('start controller'));
  });
});
