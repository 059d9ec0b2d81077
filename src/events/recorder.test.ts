import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ApiError } from '../client/api-error.ts';
import type { KubernetesObject } from '../client/resource.ts';
import type { Event } from '../client/types/events-v1.ts';
import { createFakeClock, type FakeClock } from '../queue/clock.ts';
import type { EventInput } from './event.ts';
import {
  createEventRecorder,
  type EventRecorderOptions,
  type EventSink,
  MAX_QUEUED_EVENTS,
  SERIES_HEARTBEAT_MS,
  SERIES_WINDOW_MS,
} from './recorder.ts';

const START = Date.parse('2025-01-01T00:00:00Z');

interface Call {
  op: 'create' | 'patch';
  name: string;
  namespace: string | undefined;
  body: Event | { series: { count: number; lastObservedTime: string } };
}

/**
 * A sink that records each call; `fail` may throw for a call to simulate API errors, `hang` never
 * answers, `hold` answers once that promise resolves.
 */
function fakeSink(
  behaviour: { fail?: (call: Call, n: number) => unknown; hang?: boolean; hold?: Promise<void> } = {},
) {
  const calls: Call[] = [];
  const answer = async (call: Call, signal: AbortSignal | undefined) => {
    calls.push(call);
    if (behaviour.hold) await behaviour.hold;
    if (behaviour.hang) {
      await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    }
    const err = behaviour.fail?.(call, calls.length);
    if (err) throw err;
  };
  const sink: EventSink = {
    async create(_type, object, o) {
      await answer(
        {
          op: 'create',
          name: object.metadata?.name ?? '',
          namespace: o?.namespace,
          body: object as unknown as Event,
        },
        o?.signal,
      );
      return object;
    },
    async patch(_type, name, patch, o) {
      await answer({ op: 'patch', name, namespace: o?.namespace, body: patch as Call['body'] }, o?.signal);
      return {} as never;
    },
  };
  return { sink, calls };
}

function setup(behaviour?: Parameters<typeof fakeSink>[0], options: Partial<EventRecorderOptions> = {}) {
  const clock = createFakeClock({ start: START });
  const { sink, calls } = fakeSink(behaviour);
  const errors: unknown[] = [];
  const recorder = createEventRecorder(sink, {
    reportingController: 'example.com/web',
    reportingInstance: 'web-0',
    clock,
    onError: (err) => errors.push(err),
    ...options,
  });
  return { clock, calls, errors, recorder };
}

/** Lets promises settle, moving the fake clock to each timer in turn, until `promise` settles. */
async function settle(clock: FakeClock, promise: Promise<unknown>): Promise<void> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 1000 && !done; i++) {
    await tick();
    if (done) break;
    const at = clock.nextTimerAt();
    if (at !== undefined) clock.advance(at - clock.now());
  }
  await promise;
}

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const cm = (name: string, uid = `uid-${name}`): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop', uid, resourceVersion: '1' },
});
const synced: EventInput = { type: 'Normal', reason: 'Synced', action: 'Sync', note: 'all good' };
const seriesOf = (call: Call | undefined) =>
  (call?.body as { series?: { count: number } } | undefined)?.series;

describe('createEventRecorder', () => {
  it('creates an Event at once, in the background', async () => {
    const { calls, recorder } = setup();
    recorder.event(cm('a'), synced);
    await recorder.flush();
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.op, 'create');
    assert.equal(call.namespace, 'shop');
    const event = call.body as Event;
    assert.equal(event.regarding?.uid, 'uid-a');
    assert.equal(event.reportingController, 'example.com/web');
    assert.equal(event.reportingInstance, 'web-0');
    assert.equal(event.eventTime, '2025-01-01T00:00:00.000000Z');
    assert.equal(recorder.stats().written, 1);
    assert.equal(recorder.stats().pending, 0);
  });

  it('folds repeats into one Event whose series count flush() writes', async () => {
    const { calls, clock, recorder } = setup();
    recorder.event(cm('a'), synced);
    for (let i = 1; i < 10; i++) {
      clock.advance(1000);
      recorder.event(cm('a'), synced);
    }
    await recorder.flush();
    assert.deepEqual(
      calls.map((c) => c.op),
      ['create', 'patch'],
    );
    assert.equal(calls[1]!.name, calls[0]!.name);
    assert.deepEqual(seriesOf(calls[1]), { count: 10, lastObservedTime: '2025-01-01T00:00:09.000000Z' });
  });

  it('writes a series at most every 30 seconds, as a heartbeat', async () => {
    const { calls, clock, recorder } = setup();
    recorder.event(cm('a'), synced);
    await tick();
    recorder.event(cm('a'), synced);
    recorder.event(cm('a'), synced);
    await tick();
    assert.equal(calls.length, 1, 'the repeats wait for the heartbeat');
    clock.advance(SERIES_HEARTBEAT_MS - 1);
    await tick();
    assert.equal(calls.length, 1);
    clock.advance(1);
    await tick();
    assert.equal(calls.length, 2);
    assert.equal(seriesOf(calls[1])?.count, 3);

    clock.advance(5000);
    recorder.event(cm('a'), synced);
    await tick();
    assert.equal(calls.length, 2, 'the next write waits 30 s after the last one');
    clock.advance(SERIES_HEARTBEAT_MS - 5000);
    await tick();
    assert.equal(seriesOf(calls[2])?.count, 4);
    await recorder.close();
    assert.equal(clock.pendingTimers(), 0);
  });

  it('puts everything observed before the first write into the create', async () => {
    const release = gate();
    const { calls, recorder } = setup({ hold: release.promise });
    // Busy every writer, however many there are, until an object has to wait for one.
    let waiting = '';
    for (let i = 0; i < MAX_QUEUED_EVENTS && !waiting; i++) {
      recorder.event(cm(`o${i}`), synced);
      if (calls.length === i) waiting = `o${i}`;
    }
    assert.ok(waiting, 'some write had to wait');
    recorder.event(cm(waiting), synced);
    recorder.event(cm(waiting), synced);
    release.resolve();
    await recorder.flush();
    const created = calls.find((c) => (c.body as Event).regarding?.name === waiting);
    const writes = calls.filter((c) => c.name === created?.name);
    assert.deepEqual(
      writes.map((c) => c.op),
      ['create'],
      'one write for the waiting object',
    );
    assert.equal(seriesOf(writes[0])?.count, 3);
  });

  it('starts a new Event when a repeat comes more than 6 minutes after the last', async () => {
    const { calls, clock, recorder } = setup();
    recorder.event(cm('a'), synced);
    clock.advance(SERIES_WINDOW_MS + 1);
    recorder.event(cm('a'), synced);
    await recorder.flush();
    assert.deepEqual(
      calls.map((c) => c.op),
      ['create', 'create'],
    );
    assert.notEqual(calls[0]!.name, calls[1]!.name);
  });

  it('keeps events with different notes apart', async () => {
    const { calls, recorder } = setup();
    recorder.event(cm('a'), synced);
    recorder.event(cm('a'), { ...synced, note: 'something else' });
    await recorder.flush();
    assert.deepEqual(
      calls.map((c) => c.op),
      ['create', 'create'],
    );
  });

  it('drops events beyond 25 per object, and one more is allowed 5 minutes later', async () => {
    const { calls, clock, recorder } = setup();
    for (let i = 0; i < 30; i++) recorder.event(cm('a'), { ...synced, reason: `R${i}` });
    recorder.event(cm('b'), synced);
    await recorder.flush();
    assert.equal(calls.length, 26);
    assert.equal(recorder.stats().rateLimited, 5);
    assert.equal(recorder.stats().recorded, 26);
    clock.advance(5 * 60_000);
    recorder.event(cm('a'), { ...synced, reason: 'Later' });
    recorder.event(cm('a'), { ...synced, reason: 'TooSoon' });
    await recorder.flush();
    assert.equal(calls.length, 27);
    assert.equal(recorder.stats().rateLimited, 6);
  });

  it('retries a write that failed with 5xx or 429, then succeeds', async () => {
    const { calls, clock, errors, recorder } = setup({
      fail: (_call, n) =>
        n === 1
          ? new ApiError({ status: 503, message: 'busy', method: 'POST', path: '/x' })
          : n === 2
            ? new ApiError({ status: 429, message: 'slow down', method: 'POST', path: '/x' })
            : undefined,
    });
    recorder.event(cm('a'), synced);
    await settle(clock, recorder.flush());
    assert.equal(calls.length, 3);
    assert.deepEqual(errors, []);
    assert.equal(recorder.stats().written, 1);
  });

  it('gives up after a few tries and reports the error', async () => {
    const { calls, clock, errors, recorder } = setup({
      fail: () => new ApiError({ status: 500, message: 'boom', method: 'POST', path: '/x' }),
    });
    recorder.event(cm('a'), synced);
    await settle(clock, recorder.flush());
    assert.equal(calls.length, 4);
    assert.equal(errors.length, 1);
    assert.equal(recorder.stats().failed, 1);
  });

  it('never retries a validation error, and reports it', async () => {
    const { calls, errors, recorder } = setup({
      fail: () =>
        new ApiError({ status: 422, reason: 'Invalid', message: 'bad', method: 'POST', path: '/x' }),
    });
    recorder.event(cm('a'), synced);
    await recorder.flush();
    assert.equal(calls.length, 1);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof ApiError && errors[0].status === 422);
  });

  it('creates the Event again when a series update finds it gone', async () => {
    const { calls, recorder } = setup({
      fail: (call) =>
        call.op === 'patch'
          ? new ApiError({ status: 404, message: 'gone', method: 'PATCH', path: '/x' })
          : undefined,
    });
    recorder.event(cm('a'), synced);
    await tick();
    recorder.event(cm('a'), synced);
    await recorder.flush();
    assert.deepEqual(
      calls.map((c) => c.op),
      ['create', 'patch', 'create'],
    );
    assert.equal(seriesOf(calls[2])?.count, 2);
    assert.equal(calls[2]!.name, calls[0]!.name);
  });

  it('updates instead when a retried create finds the Event already there', async () => {
    const { calls, recorder } = setup({
      fail: (call) =>
        call.op === 'create'
          ? new ApiError({
              status: 409,
              reason: 'AlreadyExists',
              message: 'exists',
              method: 'POST',
              path: '/x',
            })
          : undefined,
    });
    recorder.event(cm('a'), synced);
    recorder.event(cm('a'), synced);
    await recorder.flush();
    assert.deepEqual(
      calls.map((c) => c.op),
      ['create', 'patch'],
    );
    assert.equal(seriesOf(calls[0]), undefined, 'the create was of the first event alone');
    assert.equal(seriesOf(calls[1])?.count, 2);
    assert.equal(recorder.stats().written, 2);
  });

  it('drops the oldest waiting writes beyond its queue', async () => {
    const release = gate();
    const { calls, recorder } = setup({ hold: release.promise });
    const n = MAX_QUEUED_EVENTS + 10;
    for (let i = 0; i < n; i++) recorder.event(cm(`o${i}`), synced);
    const inFlight = calls.length;
    assert.ok(inFlight >= 1 && inFlight <= 10, `${inFlight} writes started at once`);
    // Whatever the number of writers, the queue holds MAX_QUEUED_EVENTS behind them.
    const dropped = n - inFlight - MAX_QUEUED_EVENTS;
    assert.equal(recorder.stats().overflowed, dropped);
    release.resolve();
    await recorder.flush();
    const written = calls.map((c) => (c.body as Event).regarding?.name);
    const all = Array.from({ length: n }, (_, i) => `o${i}`);
    assert.deepEqual(
      written,
      [...all.slice(0, inFlight), ...all.slice(inFlight + dropped)],
      'the oldest waiting writes were the ones dropped',
    );
    assert.equal(recorder.stats().written, n - dropped);
    await recorder.close();
  });

  it('close() with an aborted signal returns at once, discarding what is waiting', async () => {
    const { calls, clock, recorder } = setup({ hang: true });
    for (let i = 0; i < 20; i++) recorder.event(cm(`o${i}`), synced);
    assert.ok(calls.length >= 1 && calls.length < 20);
    await recorder.close({ signal: AbortSignal.abort() });
    const stats = recorder.stats();
    assert.equal(stats.discarded, 20);
    assert.equal(stats.pending, 0);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('writes pending series on close, leaves no timer and takes no more events', async () => {
    const { calls, clock, errors, recorder } = setup();
    recorder.event(cm('a'), synced);
    await tick();
    recorder.event(cm('a'), synced);
    assert.equal(clock.pendingTimers(), 1, 'the heartbeat');
    await recorder.close();
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(seriesOf(calls.at(-1))?.count, 2);
    recorder.event(cm('a'), synced);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /after close/);
    await recorder.close();
  });

  it('never throws from event(), even when onError does', async () => {
    const { recorder } = setup(undefined, {
      onError: () => {
        throw new Error('bad handler');
      },
    });
    recorder.event({ kind: 'ConfigMap', metadata: {} }, synced);
    recorder.event(undefined as unknown as KubernetesObject, synced);
    await recorder.close();
  });

  it('rejects a recorder without a reporting controller or instance, or with a fallback the API server refuses', () => {
    const { sink } = fakeSink();
    assert.throws(() => createEventRecorder(sink, { reportingController: '', reportingInstance: 'x' }));
    assert.throws(() => createEventRecorder(sink, { reportingController: 'c', reportingInstance: '' }));
    assert.throws(
      () =>
        createEventRecorder(sink, {
          reportingController: 'c',
          reportingInstance: 'i',
          namespaceFallback: 'elsewhere' as 'default',
        }),
      /kube-system/,
    );
  });
});
