/**
 * Lease-based leader election, as client-go's leaderelection with a LeaseLock: `createLeaderElector()`
 * campaigns for a coordination.k8s.io/v1 Lease, renews it every retryPeriod while leading, steps
 * down when no renewal succeeds within renewDeadline, and gives the Lease up on a clean stop.
 *
 * Safety rests on two clocks never being compared: a candidate takes an unrenewed Lease only after
 * its duration has passed since the candidate itself saw the record change, and a leader steps down
 * once renewDeadline (< leaseDuration) has passed since it sent its last successful renewal. So the
 * old leader has stopped before anyone else may start, whatever the machines' wall clocks say.
 */

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type Client, isConflict, isNotFound, Lease } from '../client/index.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import { formatMicroTime } from './micro-time.ts';
import { holderOf, type ObservedLease, observe, shouldAcquire } from './observed-lease.ts';

/** Time for the elector. Tests pass a fake one; the default is `systemClock`. */
export interface LeaderElectionClock {
  /** Epoch milliseconds, fractions allowed. Must never go backwards: expiry and deadlines are measured with it. */
  now(): number;
  /** Resolves after `ms`; when `signal` aborts, settles at once (resolving or rejecting, either is fine). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/**
 * The process clock: epoch time read through the monotonic clock (`performance.timeOrigin +
 * performance.now()`), so a wall-clock step cannot shorten a wait. Lease times written with it
 * drift from the wall clock only as much as the process' monotonic clock does.
 */
export const systemClock: LeaderElectionClock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }),
};

export type LeaderElectionLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

/** Who may write a Lease: any `Client` will do. */
export type LeaseClient = Pick<Client, 'get' | 'create' | 'replace'>;

export interface LeaderElectionOptions {
  client: LeaseClient;
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease; every replica of one operator uses the same. */
  name: string;
  /** Unique per process; default `${hostname}_${randomUUID()}`. Two processes with one identity both lead. */
  identity?: string;
  /**
   * How long candidates wait, after last seeing the Lease renewed, before taking it: the longest a
   * dead leader's work stays orphaned. Longer tolerates slower API servers; shorter fails over
   * faster. The Lease stores whole seconds, so it is written rounded up. Default 15 000, at least 1 000.
   */
  leaseDurationMs?: number;
  /**
   * How long a leader keeps trying to renew before it steps down. Must be below leaseDurationMs:
   * the gap is the margin for the leader to stop before another may start. Default 10 000.
   */
  renewDeadlineMs?: number;
  /**
   * How often a leader renews and a candidate retries (candidates add up to 1.2x random jitter).
   * Shorter reacts faster at the price of more API requests. Default 2 000; renewDeadlineMs must
   * exceed 1.2x this.
   */
  retryPeriodMs?: number;
  /**
   * On a clean stop, give the Lease up so another replica takes over within about a retryPeriod
   * instead of waiting out leaseDuration. Stop leader-only work before stopping the elector, or
   * the next leader may start while it is still finishing. Default true.
   */
  releaseOnCancel?: boolean;
  /** Called when the observed holder changes to a new identity, this process' own included. */
  onNewLeader?(identity: string): void;
  clock?: LeaderElectionClock;
  /** Where the elector reports campaigns, terms and failures; default silent. */
  log?: LeaderElectionLog;
}

export interface LeaderElector {
  readonly identity: string;
  /**
   * Campaigns until `signal` aborts; resolves after stepping down (and releasing, if configured).
   * Never throws for API errors: it retries. Rejects only when run() is already running.
   */
  run(signal: AbortSignal): Promise<void>;
  isLeader(): boolean;
  /** The current holder as last observed; undefined when the Lease has none or was never read. */
  leader(): string | undefined;
  /**
   * Resolves when this process becomes leader, with a signal that aborts the moment leadership is
   * lost (renewal failed past renewDeadline, the Lease was taken, or run() stopped); its reason is a
   * `LeadershipLostError`. Rejects with `signal.reason` if `signal` aborts first.
   */
  leading(signal?: AbortSignal): Promise<AbortSignal>;
}

/** Why a term of leadership ended. */
export type LeadershipLoss = 'renew-deadline' | 'lease-taken' | 'stopped';

/** The reason of a `leading()` signal: leadership ended. Not retryable as such; the elector campaigns again by itself. */
export class LeadershipLostError extends OperonError {
  override name = 'LeadershipLostError';
  readonly loss: LeadershipLoss;

  constructor(loss: LeadershipLoss, message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.LeadershipLost, message, options);
    this.loss = loss;
  }
}

/** client-go's JitterFactor: candidates wait retryPeriod plus up to this much of it again. */
export const JITTER_FACTOR = 1.2;

interface ResolvedOptions {
  client: LeaseClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  releaseOnCancel: boolean;
  onNewLeader: ((identity: string) => void) | undefined;
  clock: LeaderElectionClock;
  log: LeaderElectionLog;
}

/** Fills in defaults and checks the timing rules; throws OperonError InvalidArgument saying which rule failed. */
export function resolveLeaderElectionOptions(options: LeaderElectionOptions): ResolvedOptions {
  const invalid = (message: string) =>
    new OperonError(ErrorCode.InvalidArgument, `Leader election: ${message}`);
  if (!options.client) throw invalid('pass a client.');
  if (!options.namespace) throw invalid('pass the namespace of the Lease.');
  if (!options.name) throw invalid('pass the name of the Lease.');
  const identity = options.identity ?? `${hostname()}_${randomUUID()}`;
  if (!identity) throw invalid('identity must not be empty: leave it out for hostname_uuid.');
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2_000;
  for (const [key, value] of [
    ['leaseDurationMs', leaseDurationMs],
    ['renewDeadlineMs', renewDeadlineMs],
    ['retryPeriodMs', retryPeriodMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0)
      throw invalid(`${key} must be a finite number > 0, not ${value}.`);
  }
  if (leaseDurationMs < 1000) {
    throw invalid(
      `leaseDurationMs (${leaseDurationMs}) must be at least 1000: the Lease stores whole seconds.`,
    );
  }
  if (leaseDurationMs <= renewDeadlineMs) {
    throw invalid(
      `leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs}), ` +
        'so a leader that cannot renew steps down before others may take over.',
    );
  }
  if (renewDeadlineMs <= retryPeriodMs * JITTER_FACTOR) {
    throw invalid(
      `renewDeadlineMs (${renewDeadlineMs}) must be greater than ${JITTER_FACTOR} x retryPeriodMs ` +
        `(${retryPeriodMs * JITTER_FACTOR}), so a leader gets more than one renewal attempt before it steps down.`,
    );
  }
  return {
    client: options.client,
    namespace: options.namespace,
    name: options.name,
    identity,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    releaseOnCancel: options.releaseOnCancel ?? true,
    onNewLeader: options.onNewLeader?.bind(options),
    clock: options.clock ?? systemClock,
    log: options.log ?? (() => {}),
  };
}

/** One try at the Lease: `start` is when it began, the moment a successful renewal counts from. */
type Attempt = { kind: 'leading'; start: number } | { kind: 'held'; holder: string } | { kind: 'failed' };

interface Waiter {
  resolve(signal: AbortSignal): void;
}

/** Creates an elector for one Lease. Nothing happens until `run()`. */
export function createLeaderElector(options: LeaderElectionOptions): LeaderElector {
  const o = resolveLeaderElectionOptions(options);
  const { client, clock, log, identity, namespace, name } = o;
  const leaseFields = { namespace, lease: name, identity };
  const leaseDurationSeconds = Math.ceil(o.leaseDurationMs / 1000);

  let observed: ObservedLease | undefined;
  let reportedLeader: string | undefined;
  /** Set while leading; its signal is the one `leading()` hands out. */
  let term: AbortController | undefined;
  let running = false;
  const waiters = new Set<Waiter>();

  const pause = (ms: number, signal: AbortSignal) =>
    clock.sleep(Math.max(0, ms), signal).then(
      () => {},
      () => {},
    );

  /** Runs `fn` with a signal that aborts when `parent` does or `ms` passes; leaves no timer behind. */
  async function withDeadline<T>(ms: number, parent: AbortSignal, fn: (signal: AbortSignal) => Promise<T>) {
    const controller = new AbortController();
    const timer = new AbortController();
    const onAbort = () => controller.abort(parent.reason);
    if (parent.aborted) onAbort();
    else parent.addEventListener('abort', onAbort, { once: true });
    clock.sleep(Math.max(0, ms), timer.signal).then(
      () =>
        controller.abort(
          new OperonError(ErrorCode.Timeout, `No answer from the API server within ${Math.round(ms)} ms.`, {
            retryable: true,
          }),
        ),
      () => {},
    );
    try {
      return await fn(controller.signal);
    } finally {
      timer.abort();
      parent.removeEventListener('abort', onAbort);
    }
  }

  function setObserved(lease: Lease) {
    observed = observe(observed, lease, clock.now());
    const holder = holderOf(lease);
    if (holder === reportedLeader) return;
    reportedLeader = holder;
    if (holder === undefined) return;
    log('info', 'new leader observed', { ...leaseFields, leader: holder });
    try {
      o.onNewLeader?.(holder);
    } catch (err) {
      log('error', 'onNewLeader threw', { ...leaseFields, err });
    }
  }

  /** The Lease with us as holder, renewed at `at`; a new term gets a new acquireTime. */
  function ourRecord(base: Lease, at: number): Lease {
    const spec = base.spec ?? {};
    const now = formatMicroTime(at);
    const holderChanges = spec.holderIdentity !== identity;
    return {
      ...base,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: holderChanges || term === undefined ? now : (spec.acquireTime ?? now),
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (holderChanges ? 1 : 0),
      },
    };
  }

  function failed(err: unknown, stop: AbortSignal, what: string): Attempt {
    if (!stop.aborted) log('warn', `${what} failed; retrying`, { ...leaseFields, err });
    return { kind: 'failed' };
  }

  /** client-go's tryAcquireOrRenew: a leader first writes over its last write; otherwise read, decide, write. */
  async function tryAcquireOrRenew(signal: AbortSignal, stop: AbortSignal): Promise<Attempt> {
    const start = clock.now();
    const opts = { namespace, signal };
    if (term !== undefined && observed !== undefined && holderOf(observed.lease) === identity) {
      try {
        setObserved(await client.replace(Lease, ourRecord(observed.lease, start), opts));
        return { kind: 'leading', start };
      } catch (err) {
        if (!isConflict(err)) return failed(err, stop, 'renewing the lease');
        log('info', 'the lease changed since our last write; reading it again', leaseFields);
      }
    }
    let current: Lease;
    try {
      current = await client.get(Lease, name, opts);
    } catch (err) {
      if (!isNotFound(err)) return failed(err, stop, 'reading the lease');
      const fresh: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
      };
      try {
        // A new Lease starts with no transitions: ourRecord() counts one for the holder change.
        const record = ourRecord(fresh, start);
        setObserved(
          await client.create(Lease, { ...record, spec: { ...record.spec, leaseTransitions: 0 } }, opts),
        );
        return { kind: 'leading', start };
      } catch (err2) {
        return failed(err2, stop, 'creating the lease');
      }
    }
    setObserved(current);
    const holder = holderOf(current);
    if (term !== undefined && holder !== undefined && holder !== identity) return { kind: 'held', holder };
    if (!shouldAcquire(observed, clock.now(), identity, o.leaseDurationMs)) {
      return { kind: 'held', holder: holder ?? '' };
    }
    try {
      setObserved(await client.replace(Lease, ourRecord(current, start), opts));
      return { kind: 'leading', start };
    } catch (err) {
      // A Conflict means someone else wrote first: the next round reads what they wrote.
      return failed(err, stop, term === undefined ? 'acquiring the lease' : 'renewing the lease');
    }
  }

  /** Tries every retryPeriod (jittered) until we hold the Lease; returns when our term began, or undefined once stopped. */
  async function campaign(stop: AbortSignal): Promise<number | undefined> {
    log('info', 'campaigning for the lease', leaseFields);
    for (;;) {
      if (stop.aborted) return undefined;
      const attempt = await withDeadline(o.renewDeadlineMs, stop, (s) => tryAcquireOrRenew(s, stop));
      if (stop.aborted) return undefined;
      if (attempt.kind === 'leading') return attempt.start;
      await pause(o.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR), stop);
    }
  }

  function stepDown(loss: LeadershipLoss, message: string) {
    const ended = term;
    if (ended === undefined) return;
    term = undefined;
    log(loss === 'stopped' ? 'info' : 'warn', message, leaseFields);
    ended.abort(new LeadershipLostError(loss, `Leadership of Lease ${namespace}/${name} lost: ${message}.`));
  }

  /** Renews every retryPeriod until renewal fails past renewDeadline, the Lease is taken, or `stop` aborts. */
  async function lead(stop: AbortSignal, acquiredAt: number): Promise<'stopped' | 'lost'> {
    term = new AbortController();
    log('info', 'became leader', leaseFields);
    const signal = term.signal;
    for (const waiter of waiters) waiter.resolve(signal);
    waiters.clear();
    let lastRenewal = acquiredAt;
    for (;;) {
      const deadline = lastRenewal + o.renewDeadlineMs;
      await pause(Math.min(o.retryPeriodMs, deadline - clock.now()), stop);
      if (stop.aborted) break;
      if (clock.now() < deadline) {
        const attempt = await withDeadline(deadline - clock.now(), stop, (s) => tryAcquireOrRenew(s, stop));
        if (stop.aborted) break;
        if (attempt.kind === 'leading') {
          lastRenewal = attempt.start;
          continue;
        }
        if (attempt.kind === 'held') {
          stepDown('lease-taken', `the lease was taken by ${attempt.holder || 'another candidate'}`);
          return 'lost';
        }
        if (clock.now() < deadline) continue;
      }
      stepDown('renew-deadline', `no renewal succeeded within renewDeadline (${o.renewDeadlineMs} ms)`);
      return 'lost';
    }
    stepDown('stopped', 'stopped leading: the elector was stopped');
    return 'stopped';
  }

  /** Writes the Lease as free (no holder, 1 s duration) if it is still ours, trying for at most renewDeadline. */
  async function release(): Promise<void> {
    const never = new AbortController().signal;
    await withDeadline(o.renewDeadlineMs, never, async (signal) => {
      let base = observed?.lease;
      while (!signal.aborted) {
        try {
          if (base === undefined) base = await client.get(Lease, name, { namespace, signal });
          if (holderOf(base) !== identity) return;
          const now = formatMicroTime(clock.now());
          const spec = {
            ...base.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: now,
            renewTime: now,
          };
          setObserved(await client.replace(Lease, { ...base, spec }, { namespace, signal }));
          log('info', 'released the lease', leaseFields);
          return;
        } catch (err) {
          base = undefined;
          if (signal.aborted) break;
          if (isConflict(err)) continue;
          log('warn', 'releasing the lease failed; retrying', { ...leaseFields, err });
          await pause(o.retryPeriodMs, signal);
        }
      }
      log('warn', 'could not release the lease; others take it over once it expires', leaseFields);
    });
  }

  return {
    identity,
    async run(stop) {
      if (running) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `Leader election for Lease ${namespace}/${name}: run() is already running; stop it before running again.`,
        );
      }
      running = true;
      try {
        for (;;) {
          const acquiredAt = await campaign(stop);
          if (acquiredAt === undefined) return;
          if ((await lead(stop, acquiredAt)) === 'stopped') {
            if (o.releaseOnCancel) await release();
            return;
          }
        }
      } finally {
        stepDown('stopped', 'stopped leading: the elector was stopped');
        running = false;
      }
    },
    isLeader: () => term !== undefined,
    leader: () => holderOf(observed?.lease),
    leading(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (term !== undefined) return Promise.resolve(term.signal);
      return new Promise<AbortSignal>((resolve, reject) => {
        const onAbort = () => {
          waiters.delete(waiter);
          reject(signal?.reason);
        };
        const waiter: Waiter = {
          resolve(leadingSignal) {
            signal?.removeEventListener('abort', onAbort);
            resolve(leadingSignal);
          },
        };
        waiters.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
