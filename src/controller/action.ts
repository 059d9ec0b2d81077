/**
 * What a reconcile asks for next, as a value: `Action.done()`, `Action.requeue()` or
 * `Action.requeueAfter(ms)`; and `terminal(err)` for an error that retrying cannot fix.
 */

import { ErrorCode, OperonError } from '../errors.ts';

export type Action =
  | { readonly type: 'done' }
  | { readonly type: 'requeue'; readonly note?: string }
  | { readonly type: 'requeueAfter'; readonly ms: number; readonly note?: string };

/** The longest note kept on a requeue's reason; a longer one is cut there (with `…`). */
export const MAX_NOTE_LENGTH = 200;

export const Action = {
  /**
   * Nothing more to do until something changes. The usual answer of a level-triggered reconcile:
   * watches bring it back when the object or its children change.
   */
  done: (): Action => ({ type: 'done' }),
  /**
   * Run again soon, with the per-key backoff (5 ms doubling to 1000 s) as after an error, but
   * counted as a requeue, not an error. For "not ready yet, check again" without a known time.
   *
   * `note` says why: the next run's reason is then `requeue: <note>` in `ctx.reasons`, the logs and
   * the live view (at most 200 characters are kept).
   */
  requeue: (note?: string): Action => (note === undefined ? { type: 'requeue' } : { type: 'requeue', note }),
  /**
   * Run again after `ms` (and reset the backoff). For work with a known time: a certificate that
   * expires, a rollout to poll. A change to the object still reconciles it earlier.
   *
   * `ms <= 0` (a time already past) is `requeue()`: the key goes back with the per-key backoff,
   * as controller-runtime does with a zero `RequeueAfter`, so "again, now" can never spin in a
   * hot loop. A NaN or infinite `ms` is not a valid action (logged and retried as an error).
   *
   * `note` says why, e.g. `Action.requeueAfter(ms, 'next run 2026-12-03T02:00:00Z')`: the run it
   * schedules then has the reason `timer: <note>` (at most 200 characters are kept). A change that
   * reconciles the object before then takes the timer's place, and that run's reasons are the change's.
   */
  requeueAfter: (ms: number, note?: string): Action =>
    note === undefined ? { type: 'requeueAfter', ms } : { type: 'requeueAfter', ms, note },
} as const;

/** Whether a value is a well-formed Action (reconcile results are checked, not trusted). A negative `requeueAfter` is well-formed: it means now. */
export function isAction(value: unknown): value is Action {
  if (typeof value !== 'object' || value === null) return false;
  // Never throws: a reconcile may return anything, a Proxy or an object with throwing getters too.
  try {
    const v = value as { type?: unknown; ms?: unknown; note?: unknown };
    if (v.type === 'done') return true;
    if (v.note !== undefined && typeof v.note !== 'string') return false;
    if (v.type === 'requeue') return true;
    return v.type === 'requeueAfter' && typeof v.ms === 'number' && Number.isFinite(v.ms);
  } catch {
    return false;
  }
}

/** An error that must not be retried: the object is wrong, not the world. Counted, logged, not requeued. */
export class TerminalError extends OperonError {
  override name = 'TerminalError';
  constructor(cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCode.Terminal, message, { cause, retryable: false });
  }
}

/** Marks an error as terminal: the controller logs and counts it and does not retry the key. */
export function terminal(err: unknown): TerminalError {
  return err instanceof TerminalError ? err : new TerminalError(err);
}

export function isTerminal(err: unknown): err is TerminalError {
  return err instanceof TerminalError;
}
