/**
 * The manager's lifecycle as one function: `runLifecycle()` starts Runnables in ordered groups
 * (HTTP servers, webhooks, caches until synced, others, then, once leading, the leader-election
 * group), and stops them in reverse within one grace period, releasing the Lease only after the
 * leader's work has stopped or the grace period has run out (controller-runtime's runnable groups
 * and `engageStopProcedure`).
 */

import { ErrorCode, OperonError } from '../errors.ts';
import { LeadershipLostError } from '../leader/leader-elector.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { type Clock, realClock } from '../queue/clock.ts';
import { aborted, type Runnable, type RunnableGroup } from './runnable.ts';

/** The manager's `gracefulShutdownMs` when unset: controller-runtime's GracefulShutdownTimeout. */
export const DEFAULT_GRACEFUL_SHUTDOWN_MS = 30_000;

/**
 * Time allowed, past the grace period, for what comes after the leader's work: releasing the Lease,
 * stopping caches and closing servers and connections. `start()` returns within grace plus this.
 */
export const STOP_MARGIN_MS = 2000;

/**
 * Time, past the grace period, that work in the leader-election and other groups has to stop once
 * its own signals aborted (a controller aborts its reconciles' signals when the grace period ends);
 * what stops within it stopped cleanly. Part of `STOP_MARGIN_MS`.
 */
export const SETTLE_MS = 1000;

export type LifecyclePhase =
  | 'starting'
  | 'syncing'
  | 'waiting-for-leadership'
  | 'running'
  | 'stopping'
  | 'stopped';

/** Leader election as the lifecycle needs it: the elector as a Runnable and its `leading()`. */
export interface Election {
  /** Campaigns until its signal aborts; then releases the Lease if it holds it, and resolves. */
  runnable: Runnable;
  /** Resolves, once leading, with a signal that aborts when leadership ends; rejects when `signal` aborts first. */
  leading(signal: AbortSignal): Promise<AbortSignal>;
}

export interface LifecycleHooks {
  phase?(phase: LifecyclePhase): void;
  /** Called synchronously the moment leadership is lost, before anything else runs: fence writes here. */
  leadershipLost?(reason: unknown): void;
  /**
   * Runs once the leader-election and other groups have stopped (or the grace period ran out), and
   * before the Lease is released: flush what the leader still owes (Events), then fence its writes.
   * `deadline` aborts when the grace period ends.
   */
  beforeRelease?(o: { lost: boolean; deadline: AbortSignal }): Promise<void>;
  /** Runs last, after every group stopped (close the client). */
  afterStop?(): Promise<void>;
}

export interface LifecycleOptions {
  groups: Partial<Record<RunnableGroup, readonly Runnable[]>>;
  /** Leader election; without it this process always leads. */
  election?: Election | undefined;
  /** How long the leader-election and other groups may take to stop. */
  graceMs: number;
  /** Time past the grace period for the rest of the stop; default `STOP_MARGIN_MS`, of which `SETTLE_MS` for the groups to settle. */
  marginMs?: number | undefined;
  clock?: Clock | undefined;
  log?: Logger | undefined;
  hooks?: LifecycleHooks | undefined;
}

/** Shutdown ran past its grace period: some Runnables had not stopped. Exit the process: they may still be running. */
export class ShutdownTimeoutError extends OperonError {
  override name = 'ShutdownTimeoutError';
  /** Names of the Runnables that had not stopped. */
  readonly pending: readonly string[];

  constructor(pending: readonly string[], graceMs: number) {
    super(
      ErrorCode.Timeout,
      `Shutdown did not finish within its grace period (${graceMs} ms): ${pending.join(', ')} had not stopped. ` +
        'Their requests are refused from now on; exit the process. Make reconciles honour ctx.signal, or raise gracefulShutdownMs.',
    );
    this.pending = pending;
  }
}

interface Started {
  readonly name: string;
  readonly done: Promise<void>;
  settled: boolean;
}

interface Group {
  readonly name: string;
  readonly controller: AbortController;
  readonly members: Started[];
}

/**
 * Runs the groups until `signal` aborts, leadership is lost or a Runnable fails, then stops them.
 * Resolves after a clean stop; rejects with the Runnable's error, an OperonError `LeadershipLost`,
 * or a `ShutdownTimeoutError` when the grace period ran out, in that order of precedence.
 */
export async function runLifecycle(options: LifecycleOptions, signal: AbortSignal): Promise<void> {
  const clock = options.clock ?? realClock;
  const log = options.log ?? silentLogger;
  const hooks = options.hooks ?? {};
  const marginMs = options.marginMs ?? STOP_MARGIN_MS;
  const graceMs = options.graceMs;
  const phase = (p: LifecyclePhase) => hooks.phase?.(p);

  let releasing = false;
  let failure: { error: unknown } | undefined;
  let lost: { reason: unknown } | undefined;
  /** Aborts when the lifecycle must stop: the caller's signal, a failure or a loss. */
  const stop = new AbortController();
  const requestStop = () => stop.abort(signal.reason);
  const onSignal = () => requestStop();
  if (signal.aborted) requestStop();
  else signal.addEventListener('abort', onSignal, { once: true });

  const fail = (name: string, error: unknown) => {
    log.error('runnable failed; stopping', { runnable: name, err: error });
    failure ??= { error };
    requestStop();
  };

  function launch(runnable: Runnable, runSignal: AbortSignal): Started {
    const started: Started = { name: runnable.name, done: Promise.resolve(), settled: false };
    (started as { done: Promise<void> }).done = Promise.resolve()
      .then(() => runnable.start(runSignal))
      .then(
        () => {
          if (!runSignal.aborted) log.info('runnable finished', { runnable: runnable.name });
        },
        (err: unknown) => {
          // Once told to stop, a rejection is how some Runnables stop (an AbortError): not a failure.
          if (!runSignal.aborted) fail(runnable.name, err);
          else if (err !== runSignal.reason)
            log.warn('runnable rejected while stopping', { runnable: runnable.name, err });
        },
      )
      .finally(() => {
        started.settled = true;
      });
    return started;
  }

  /** Starts `runnables` and waits until each is ready, the lifecycle must stop, or one fails. */
  async function startGroup(
    name: string,
    runnables: readonly Runnable[],
    extra?: AbortSignal,
  ): Promise<Group> {
    const controller = new AbortController();
    const runSignal = extra ? AbortSignal.any([controller.signal, extra]) : controller.signal;
    const group: Group = { name, controller, members: [] };
    const ready: Array<Promise<void>> = [];
    for (const r of runnables) {
      const started = launch(r, runSignal);
      group.members.push(started);
      if (!r.ready) continue;
      const isReady = Promise.resolve()
        .then(() => r.ready?.(AbortSignal.any([runSignal, stop.signal])))
        .catch((err: unknown) => {
          if (!stop.signal.aborted && !runSignal.aborted) fail(r.name, err);
        });
      // Ready, or stopped trying: either way the group does not wait for it any longer.
      ready.push(Promise.race([isReady, started.done]));
    }
    await Promise.race([Promise.all(ready), aborted(stop.signal)]);
    return group;
  }

  /** Resolves true if `p` settles by `at` on the clock, false if `at` passes first. */
  function settlesBy(p: Promise<unknown>, at: number): Promise<boolean> {
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = clock.setTimeout(() => resolve(false), Math.max(0, at - clock.now()));
    });
    return Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      late,
    ]).finally(() => {
      if (timer !== undefined) clock.clearTimeout(timer);
    });
  }

  const groups: Group[] = [];
  let elector: Started | undefined;
  const electorStop = new AbortController();

  try {
    phase('starting');
    for (const name of ['http', 'webhooks'] as const) {
      if (stop.signal.aborted) break;
      groups.push(await startGroup(name, options.groups[name] ?? []));
    }
    if (!stop.signal.aborted) {
      phase('syncing');
      groups.push(await startGroup('caches', options.groups.caches ?? []));
      if (!stop.signal.aborted) log.info('caches synced');
    }
    if (!stop.signal.aborted) groups.push(await startGroup('others', options.groups.others ?? []));

    let term: AbortSignal | undefined;
    if (!stop.signal.aborted && options.election) {
      phase('waiting-for-leadership');
      elector = launch(options.election.runnable, electorStop.signal);
      term = await options.election.leading(stop.signal).catch((err: unknown) => {
        if (!stop.signal.aborted) fail(options.election?.runnable.name ?? 'leader election', err);
        return undefined;
      });
      if (term) {
        const leadership = term;
        const onLost = () => {
          if (releasing) return;
          lost = { reason: leadership.reason };
          log.warn('leadership lost: stopping the leader-election group at once', {
            err: leadership.reason,
          });
          hooks.leadershipLost?.(leadership.reason);
          // Do not campaign again: a process that lost must exit, and a fresh one campaigns.
          electorStop.abort(leadership.reason);
          requestStop();
        };
        if (leadership.aborted) onLost();
        else leadership.addEventListener('abort', onLost, { once: true });
      }
    }
    // Never without leadership: with an election, only once `term` says we lead.
    if (!stop.signal.aborted && (term || !options.election)) {
      groups.push(await startGroup('leader-election', options.groups['leader-election'] ?? [], term));
      if (!stop.signal.aborted) phase('running');
    }
    await aborted(stop.signal);
  } catch (err) {
    failure ??= { error: err };
  }

  // Shutdown: the leader's work first, bounded by the grace period; then release; then the rest.
  phase('stopping');
  signal.removeEventListener('abort', onSignal);
  const reason = lost?.reason ?? failure?.error ?? signal.reason;
  const deadlineAt = clock.now() + graceMs;
  const deadline = new AbortController();
  const deadlineTimer = clock.setTimeout(
    () => deadline.abort(new OperonError(ErrorCode.Timeout, `The grace period (${graceMs} ms) is over.`)),
    graceMs,
  );
  const pending: string[] = [];

  async function stopGroups(names: readonly string[], by: number): Promise<void> {
    const members: Started[] = [];
    for (const g of names.flatMap((n) => groups.filter((g) => g.name === n))) {
      g.controller.abort(reason);
      members.push(...g.members);
    }
    if (members.length === 0) return;
    await settlesBy(Promise.all(members.map((m) => m.done)), by);
    for (const m of members) if (!m.settled) pending.push(m.name);
  }

  log.info(lost ? 'stopping after the loss of leadership' : 'stopping', { graceMs });
  await stopGroups(['leader-election', 'others'], deadlineAt + Math.min(SETTLE_MS, marginMs));
  if (hooks.beforeRelease) {
    const before = Promise.resolve().then(() =>
      hooks.beforeRelease?.({ lost: lost !== undefined, deadline: deadline.signal }),
    );
    before.catch((err: unknown) => log.warn('flushing before the release failed', { err }));
    if (!(await settlesBy(before, deadlineAt + marginMs))) pending.push('flush before release');
  }
  releasing = true;
  electorStop.abort(reason);
  if (elector && !(await settlesBy(elector.done, deadlineAt + marginMs))) pending.push(elector.name);
  for (const name of ['caches', 'webhooks', 'http']) await stopGroups([name], deadlineAt + marginMs);
  if (hooks.afterStop) {
    const after = Promise.resolve().then(() => hooks.afterStop?.());
    after.catch((err: unknown) => log.warn('closing failed', { err }));
    if (!(await settlesBy(after, deadlineAt + marginMs))) pending.push('close');
  }
  clock.clearTimeout(deadlineTimer);
  phase('stopped');
  if (pending.length > 0) log.warn('stopped, but not cleanly', { pending, graceMs });
  else log.info('stopped');

  if (failure) throw failure.error;
  if (lost) throw lostError(lost.reason, pending, graceMs);
  if (pending.length > 0) throw new ShutdownTimeoutError(pending, graceMs);
}

/** The error `start()` rejects with after a loss: code `LeadershipLost`, saying whether the work stopped in time. */
function lostError(reason: unknown, pending: readonly string[], graceMs: number): OperonError {
  const said = reason instanceof Error ? reason.message : 'Leadership lost.';
  const late =
    pending.length > 0
      ? ` ${pending.join(', ')} had not stopped within ${graceMs} ms; their requests are refused.`
      : ' Every reconcile had stopped.';
  const message = `${said}${late} Exit the process: a fresh one campaigns again.`;
  return reason instanceof LeadershipLostError
    ? new LeadershipLostError(reason.loss, message, { cause: reason })
    : new OperonError(ErrorCode.LeadershipLost, message, { cause: reason });
}
