/**
 * What follows a reconcile, as one pure function: `classifyOutcome()` maps what the reconcile
 * returned or threw to the queue operation, the metric result, the log level and message, and
 * the reason the next run will carry. Total: no returned or thrown value makes it throw.
 *
 * | outcome                                   | queue                  | result        | level | next reason |
 * |-------------------------------------------|------------------------|---------------|-------|-------------|
 * | `done()` or nothing                       | forget                 | success       | debug | –           |
 * | `requeue()`                               | backoff                | requeue       | debug | requeue     |
 * | `requeueAfter(ms)`, ms > 0                | forget, then after ms  | requeue_after | debug | timer       |
 * | `requeueAfter(ms)`, ms <= 0               | backoff (as requeue)   | requeue       | debug | requeue     |
 * | anything else returned (invalid action)   | backoff                | error (panic) | error | retry       |
 * | threw `terminal(err)`                     | forget, no retry       | error         | error | –           |
 * | threw a Conflict (409, not AlreadyExists) | backoff                | requeue       | debug | retry       |
 * | threw a retryable error (`retryable`)     | backoff                | error         | warn  | retry       |
 * | threw another Error                       | backoff                | error         | error | retry       |
 * | threw a value that is not an Error        | backoff                | error (panic) | error | retry       |
 * | threw after shutdown aborted its signal   | backoff (queue closed) | error         | info  | retry       |
 *
 * `requeueAfter(0)` follows controller-runtime, where `RequeueAfter` only counts when positive and
 * a zero one falls back to `Requeue`: the key goes back with the per-key backoff (5 ms doubling),
 * so a reconcile that keeps asking for "again, now" slows down instead of spinning. A NaN or
 * infinite delay is not an action at all (a bug: usually a date that failed to parse).
 */

import { Buffer } from 'node:buffer';
import { isConflict } from '../client/api-error.ts';
import { ErrorCode, isRetryable, OperonError } from '../errors.ts';
import type { Level } from '../log/logger.ts';
import { isTerminal, MAX_NOTE_LENGTH } from './action.ts';
import type { ReasonKind } from './reasons.ts';

/** What a reconcile did. */
export type Outcome =
  | { readonly kind: 'returned'; readonly value: unknown }
  | {
      readonly kind: 'threw';
      readonly error: unknown;
      /** The controller is stopping and had aborted the reconcile's signal before it threw. */
      readonly stopping?: boolean;
    };

/** What to do with the key. `after` forgets the backoff first; `backoff` adds one failure to it. */
export type QueueOp =
  | { readonly op: 'forget' }
  | { readonly op: 'backoff' }
  | { readonly op: 'after'; readonly ms: number };

/** Outcome labels, as controller-runtime's `controller_runtime_reconcile_total{result}`. */
export type ReconcileResult = 'success' | 'error' | 'requeue' | 'requeue_after';

export interface Decision {
  readonly queue: QueueOp;
  readonly result: ReconcileResult;
  readonly level: Level;
  readonly message: string;
  /** The reason recorded for the next run, when there is one. */
  readonly next?: ReasonKind;
  /** The note of `Action.requeue(note)` / `requeueAfter(ms, note)`, cut to `MAX_NOTE_LENGTH`. */
  readonly note?: string;
  /** The error to report: what was thrown, or an `InvalidOutcome` error describing the bad value. */
  readonly error?: unknown;
  /** `terminal(err)` was thrown: counted as a terminal error, not retried. */
  readonly terminal: boolean;
  /** The reconcile broke its contract (invalid action, non-Error thrown): counted as a panic. */
  readonly invalid: boolean;
}

/** Runs `fn`; `fallback` if it throws (a Proxy, a throwing getter). */
function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** A short, safe description of any value, for messages. */
export function describeValue(value: unknown): string {
  return safely(() => {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
      case 'bigint':
        return `${value}n`;
      case 'symbol':
        return value.toString();
      case 'function':
        return 'a function';
      case 'object': {
        if (value === null) return 'null';
        if (Array.isArray(value)) return 'an array';
        const type = (value as { type?: unknown }).type;
        return typeof type === 'string'
          ? `an object of type ${JSON.stringify(type.slice(0, 100))}`
          : 'an object';
      }
      default:
        return String(value);
    }
  }, 'a value that cannot be inspected');
}

/** Whether `value` is an Error whose name and message can be read: safe to hand to observers as it is. */
function isWellFormedError(value: unknown): value is Error {
  return safely(
    () => value instanceof Error && typeof value.message === 'string' && typeof value.name === 'string',
    false,
  );
}

type Parsed =
  | { kind: 'done' }
  | { kind: 'requeue'; note: string | undefined }
  | { kind: 'after'; ms: number; note: string | undefined }
  | { kind: 'invalid' };

/** A requeue's note as kept: at most `MAX_NOTE_LENGTH` characters. */
function cutNote(note: string): string {
  if (note.length <= MAX_NOTE_LENGTH) return note;
  let end = MAX_NOTE_LENGTH - 1;
  // Not between the two halves of a surrogate pair (an emoji): a lone half prints as U+FFFD.
  const last = note.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  // A copy: a slice of a string can share its memory, and keep a huge note alive for the 200
  // characters kept (until the run it schedules, and in the live view).
  return Buffer.from(`${note.slice(0, end)}…`, 'utf16le').toString('utf16le');
}

function parseAction(value: unknown): Parsed {
  return safely(
    (): Parsed => {
      if (value === undefined) return { kind: 'done' };
      if (typeof value !== 'object' || value === null) return { kind: 'invalid' };
      const type: unknown = (value as { type?: unknown }).type;
      if (type === 'done') return { kind: 'done' };
      if (type !== 'requeue' && type !== 'requeueAfter') return { kind: 'invalid' };
      const raw: unknown = (value as { note?: unknown }).note;
      if (raw !== undefined && typeof raw !== 'string') return { kind: 'invalid' };
      const note = raw === undefined ? undefined : cutNote(raw);
      if (type === 'requeue') return { kind: 'requeue', note };
      const ms: unknown = (value as { ms?: unknown }).ms;
      if (typeof ms !== 'number' || !Number.isFinite(ms)) return { kind: 'invalid' };
      return ms > 0 ? { kind: 'after', ms, note } : { kind: 'requeue', note };
    },
    { kind: 'invalid' },
  );
}

/** Classifies one reconcile outcome; see the table in this module's comment. */
export function classifyOutcome(outcome: Outcome): Decision {
  const plain = { terminal: false, invalid: false } as const;
  if (outcome.kind === 'returned') {
    const parsed = parseAction(outcome.value);
    switch (parsed.kind) {
      case 'done':
        return {
          ...plain,
          queue: { op: 'forget' },
          result: 'success',
          level: 'debug',
          message: 'reconcile finished',
        };
      case 'requeue':
        return {
          ...plain,
          queue: { op: 'backoff' },
          result: 'requeue',
          level: 'debug',
          message: 'reconcile asked to requeue; retrying with backoff',
          next: 'requeue',
          ...(parsed.note === undefined ? {} : { note: parsed.note }),
        };
      case 'after':
        return {
          ...plain,
          queue: { op: 'after', ms: parsed.ms },
          result: 'requeue_after',
          level: 'debug',
          message: 'reconcile asked to run again later',
          next: 'timer',
          ...(parsed.note === undefined ? {} : { note: parsed.note }),
        };
      case 'invalid':
        return {
          terminal: false,
          invalid: true,
          queue: { op: 'backoff' },
          result: 'error',
          level: 'error',
          message: 'reconcile returned an invalid action; retrying with backoff',
          next: 'retry',
          error: new OperonError(
            ErrorCode.InvalidOutcome,
            `reconcile returned ${describeValue(outcome.value)}; return Action.done(), Action.requeue(note?) or Action.requeueAfter(ms, note?) with a finite ms and a string note`,
          ),
        };
    }
  }
  const thrown = outcome.error;
  if (!isWellFormedError(thrown)) {
    return {
      terminal: false,
      invalid: true,
      queue: { op: 'backoff' },
      result: 'error',
      level: 'error',
      message: 'reconcile threw a value that is not an Error; retrying with backoff',
      next: 'retry',
      error: new OperonError(
        ErrorCode.InvalidOutcome,
        `reconcile threw ${describeValue(thrown)}, not an Error; throw an Error (with the value as its cause)`,
        { cause: thrown },
      ),
    };
  }
  const error = { error: thrown, invalid: false } as const;
  if (safely(() => isTerminal(thrown), false)) {
    return {
      ...error,
      terminal: true,
      queue: { op: 'forget' },
      result: 'error',
      level: 'error',
      message: 'reconcile failed for good (terminal error): not retrying',
    };
  }
  const retry = { ...error, terminal: false, queue: { op: 'backoff' }, next: 'retry' } as const;
  if (outcome.stopping) {
    return { ...retry, result: 'error', level: 'info', message: 'reconcile interrupted by shutdown' };
  }
  if (safely(() => isConflict(thrown), false)) {
    return { ...retry, result: 'requeue', level: 'debug', message: 'conflict; retrying with fresh data' };
  }
  if (isRetryable(thrown)) {
    return {
      ...retry,
      result: 'error',
      level: 'warn',
      message: 'reconcile failed (transient); retrying with backoff',
    };
  }
  return { ...retry, result: 'error', level: 'error', message: 'reconcile failed; retrying with backoff' };
}
