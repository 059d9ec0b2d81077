import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '../client/resource.ts';
import type { Event } from '../client/types/events-v1.ts';
import { isOperonError } from '../errors.ts';
import { createEventRecorder, type EventSink } from '../events/recorder.ts';
import { leaderClockOf } from '../manager/manager.ts';
import { realClock, wallTime } from '../queue/clock.ts';
import { createTestClock } from './clock.ts';

describe('createTestClock', () => {
  it('starts at a fixed date and moves its wall time and timers together', () => {
    const clock = createTestClock();
    assert.equal(clock.date().toISOString(), '2025-01-01T00:00:00.000Z');
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(clock.date().toISOString()), 1500);
    clock.advance(1000);
    assert.deepEqual(fired, []);
    clock.advance(500);
    assert.deepEqual(fired, ['2025-01-01T00:00:01.500Z']);
  });

  it('steps the wall time back without running or moving the timers', () => {
    const clock = createTestClock({ now: new Date('2025-06-01T00:00:00Z') });
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 10);
    const before = clock.now();
    clock.set('2025-05-31T00:00:00Z');
    assert.equal(clock.date().toISOString(), '2025-05-31T00:00:00.000Z');
    assert.equal(clock.now(), before, 'the monotonic time did not move');
    assert.deepEqual(fired, []);
    clock.advance(10);
    assert.equal(fired.length, 1);
    assert.equal(clock.date().toISOString(), '2025-05-31T00:00:00.010Z');
  });

  it('rejects a date that is not one', () => {
    assert.throws(
      () => createTestClock({ now: 'soon' }),
      (e: unknown) => isOperonError(e) && /not a date/.test(String(e)),
    );
    assert.throws(() => createTestClock().set(Number.NaN), /not a date/);
  });

  it('gives the real clock a wall time, and a clock without one falls back to Date.now()', () => {
    assert.equal(typeof realClock.wallTime?.(), 'number');
    const old = { now: () => 5, setTimeout: realClock.setTimeout, clearTimeout: realClock.clearTimeout };
    assert.notEqual(wallTime(old), 5);
  });
});

describe('what the clock drives outside the controller', () => {
  it('stamps Events with the clock wall time, not its monotonic now()', async () => {
    const clock = createTestClock({ now: '2031-02-03T04:05:06Z' });
    const created: Event[] = [];
    const sink: EventSink = {
      async create(_type, object) {
        created.push(object as unknown as Event);
        return object;
      },
      async patch() {
        return {} as never;
      },
    };
    const recorder = createEventRecorder(sink, { reportingController: 'c', reportingInstance: 'i', clock });
    const regarding: KubernetesObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', namespace: 'ns', uid: 'u' },
    };
    recorder.event(regarding, { type: 'Normal', reason: 'Ran', action: 'Run' });
    await recorder.flush();
    assert.equal(created.length, 1);
    assert.match(String(created[0]?.eventTime), /^2031-02-03T04:05:06/);
  });

  it('gives leader election the wall time and sleeps on the clock timers, ending a sleep on abort', async () => {
    const clock = createTestClock({ now: '2031-01-01T00:00:00Z' });
    const leader = leaderClockOf(clock);
    assert.equal(leader.now(), Date.parse('2031-01-01T00:00:00Z'));
    let woke = false;
    const sleep = leader.sleep(2000, new AbortController().signal).then(() => {
      woke = true;
    });
    clock.advance(1999);
    await new Promise((r) => setImmediate(r));
    assert.equal(woke, false);
    clock.advance(1);
    await sleep;
    assert.equal(leader.now(), Date.parse('2031-01-01T00:00:02Z'));
    const ac = new AbortController();
    const aborted = leader.sleep(60_000, ac.signal);
    ac.abort();
    await aborted;
    assert.equal(clock.pendingTimers(), 0, 'the aborted sleep left no timer');
  });
});
