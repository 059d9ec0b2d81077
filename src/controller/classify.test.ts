import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ApiError } from '../client/api-error.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import { Action, MAX_NOTE_LENGTH, terminal } from './action.ts';
import { classifyOutcome, type Decision } from './classify.ts';

const returned = (value: unknown) => classifyOutcome({ kind: 'returned', value });
const threw = (error: unknown, stopping = false) => classifyOutcome({ kind: 'threw', error, stopping });
const api = (status: number, reason?: string) =>
  new ApiError({ status, message: 'm', method: 'PUT', path: '/x', ...(reason ? { reason } : {}) });

/** The parts of a decision every row states. */
const row = (d: Decision) => ({
  queue: d.queue,
  result: d.result,
  level: d.level,
  next: d.next,
  terminal: d.terminal,
  invalid: d.invalid,
});

const trap = () => {
  throw new Error('trap');
};
const hostileProxy = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap });

describe('classifyOutcome: one row per outcome', () => {
  it('done, or nothing returned: forget the backoff, success', () => {
    for (const value of [Action.done(), undefined]) {
      assert.deepEqual(row(returned(value)), {
        queue: { op: 'forget' },
        result: 'success',
        level: 'debug',
        next: undefined,
        terminal: false,
        invalid: false,
      });
    }
  });

  it('requeue: back off, counted as a requeue', () => {
    assert.deepEqual(row(returned(Action.requeue())), {
      queue: { op: 'backoff' },
      result: 'requeue',
      level: 'debug',
      next: 'requeue',
      terminal: false,
      invalid: false,
    });
  });

  it('requeueAfter(ms > 0): forget the backoff and run after ms', () => {
    assert.deepEqual(row(returned(Action.requeueAfter(1500))), {
      queue: { op: 'after', ms: 1500 },
      result: 'requeue_after',
      level: 'debug',
      next: 'timer',
      terminal: false,
      invalid: false,
    });
  });

  it('a requeue note rides on the decision, cut to MAX_NOTE_LENGTH; absent without one', () => {
    assert.equal(returned(Action.requeueAfter(1500, 'next run 02:00')).note, 'next run 02:00');
    assert.equal(returned(Action.requeue('waiting for the Job')).note, 'waiting for the Job');
    assert.equal(returned(Action.requeueAfter(0, 'now')).note, 'now', 'a past time keeps its note');
    assert.equal(returned(Action.requeueAfter(1500)).note, undefined);
    assert.equal('note' in returned(Action.requeue()), false);
    const long = returned(Action.requeueAfter(10, 'x'.repeat(5000))).note ?? '';
    assert.equal(long.length, MAX_NOTE_LENGTH);
    assert.ok(long.endsWith('…'));
    assert.equal(
      returned(Action.requeueAfter(10, 'y'.repeat(MAX_NOTE_LENGTH))).note?.length,
      MAX_NOTE_LENGTH,
    );
    // A cut never splits a character outside the BMP into a lone surrogate.
    const emoji = returned(Action.requeue(`${'z'.repeat(MAX_NOTE_LENGTH - 2)}😀😀`)).note ?? '';
    assert.equal(emoji, `${'z'.repeat(MAX_NOTE_LENGTH - 2)}…`);
  });

  it('a note cut from a huge string does not keep the string alive', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    // A fresh 16 MB string each time (what a note built from a response body could be), made in a
    // function of its own so that no stack slot of this one still holds the last of them.
    const noteOf = (i: number) => returned(Action.requeue(`${i}:${'x'.repeat(16_000_000)}`)).note;
    const notes: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) notes.push(noteOf(i));
    gc();
    const retainedMb = (process.memoryUsage().heapUsed - before) / 1e6;
    assert.equal(notes[3]?.length, MAX_NOTE_LENGTH);
    // Kept alive, the four strings would be 64 MB; fewer than two of them is what a cut copy leaves
    // room for (a collection may still find one in a register: seen once, 16.0 MB, on a loaded machine).
    assert.ok(retainedMb < 32, `four 200-character notes hold ${retainedMb.toFixed(1)} MB`);
  });

  it('requeueAfter(0) or a negative delay: a requeue with backoff, never "again at once"', () => {
    for (const ms of [0, -0, -5, Number.MIN_SAFE_INTEGER]) {
      assert.deepEqual(row(returned(Action.requeueAfter(ms))), row(returned(Action.requeue())), `ms=${ms}`);
    }
  });

  it('an invalid action: back off, an error counted as a panic, with an InvalidOutcome error', () => {
    const invalid = [
      { type: 'sometime' },
      Action.requeueAfter(Number.NaN),
      Action.requeueAfter(Number.POSITIVE_INFINITY),
      { type: 'requeueAfter', ms: 10n },
      { type: 'requeueAfter', ms: '10' },
      { type: 'requeueAfter', ms: 10, note: 42 },
      { type: 'requeue', note: { secret: 'x' } },
      'done',
      null,
      42,
      Symbol('done'),
      hostileProxy,
      {
        get type() {
          throw new Error('getter');
        },
      },
    ];
    for (const value of invalid) {
      const d = returned(value);
      assert.deepEqual(
        row(d),
        {
          queue: { op: 'backoff' },
          result: 'error',
          level: 'error',
          next: 'retry',
          terminal: false,
          invalid: true,
        },
        String(typeof value),
      );
      assert.ok(d.error instanceof OperonError && d.error.code === ErrorCode.InvalidOutcome);
      assert.match(d.message, /invalid action/);
    }
  });

  it('a terminal error: forget, no retry, counted as terminal', () => {
    const err = terminal(new Error('bad spec'));
    const d = threw(err);
    assert.deepEqual(row(d), {
      queue: { op: 'forget' },
      result: 'error',
      level: 'error',
      next: undefined,
      terminal: true,
      invalid: false,
    });
    assert.equal(d.error, err);
  });

  it('a Conflict: back off quietly, counted as a requeue; AlreadyExists is not a conflict', () => {
    assert.deepEqual(row(threw(api(409))), {
      queue: { op: 'backoff' },
      result: 'requeue',
      level: 'debug',
      next: 'retry',
      terminal: false,
      invalid: false,
    });
    assert.equal(threw(api(409, 'AlreadyExists')).result, 'error');
  });

  it('a retryable error (429, 5xx, unreachable, timeout): back off, an error logged as a warning', () => {
    for (const err of [
      api(429),
      api(503),
      new OperonError(ErrorCode.Unreachable, 'down'),
      new OperonError(ErrorCode.Timeout, 'slow'),
    ]) {
      assert.deepEqual(row(threw(err)), {
        queue: { op: 'backoff' },
        result: 'error',
        level: 'warn',
        next: 'retry',
        terminal: false,
        invalid: false,
      });
    }
  });

  it('another Error (also non-retryable ones: a change in the cluster may fix them): back off, an error', () => {
    const circular = new Error('circular');
    (circular as { cause?: unknown }).cause = circular;
    for (const err of [
      new Error('boom'),
      api(403),
      api(404),
      new OperonError(ErrorCode.InvalidArgument, 'bad'),
      new OperonError(ErrorCode.UnknownKind, 'no CRD yet'),
      circular,
      new Error('bigint cause', { cause: 10n }),
      new TypeError('x'),
    ]) {
      const d = threw(err);
      assert.deepEqual(row(d), {
        queue: { op: 'backoff' },
        result: 'error',
        level: 'error',
        next: 'retry',
        terminal: false,
        invalid: false,
      });
      assert.equal(d.error, err);
    }
  });

  it('a thrown value that is not an Error: back off, an error counted as a panic, reported as an Error', () => {
    const badMessage = new Error('x');
    Object.defineProperty(badMessage, 'message', {
      get() {
        throw new Error('getter');
      },
    });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const value of [
      'a string',
      null,
      undefined,
      Symbol('s'),
      10n,
      { message: 'looks like an error' },
      Object.create(null),
      hostileProxy,
      revoked.proxy,
      badMessage,
    ]) {
      const d = threw(value);
      assert.deepEqual(row(d), {
        queue: { op: 'backoff' },
        result: 'error',
        level: 'error',
        next: 'retry',
        terminal: false,
        invalid: true,
      });
      assert.ok(d.error instanceof OperonError && d.error.code === ErrorCode.InvalidOutcome);
      assert.equal((d.error as Error).cause, value);
      assert.match(d.message, /not an Error/);
    }
  });

  it('an error thrown once shutdown aborted the signal: logged at info, still retried (the queue is closed)', () => {
    assert.deepEqual(row(threw(new DOMException('aborted', 'AbortError'), true)), {
      queue: { op: 'backoff' },
      result: 'error',
      level: 'info',
      next: 'retry',
      terminal: false,
      invalid: false,
    });
    // Terminal still wins: it is the reconcile's own verdict.
    assert.equal(threw(terminal(new Error('x')), true).terminal, true);
  });
});
