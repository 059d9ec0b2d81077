import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cache } from '../cache/cache.ts';
import type { Client } from '../client/client.ts';
import { createLogger } from '../log/logger.ts';
import { createTestClock } from '../testing/clock.ts';
import { Action } from './action.ts';
import { type Condition, setCondition } from './conditions.ts';
import { controller, describeReason, prepareController } from './controller.ts';
import { fakeInformers, obj, WebApp } from './fakes.test.ts';

async function settle(turns = 30): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

const HOUR = 3_600_000;

/** Starts `def` on fake informers and the test clock, with one WebApp added and its reconcile run. */
async function startWithOne(
  def: Parameters<typeof prepareController>[0],
  clock: ReturnType<typeof createTestClock>,
  informers: ReturnType<typeof fakeInformers>,
) {
  const running = prepareController(def, {
    client: {} as Client,
    cache: informers as unknown as Cache,
    clock,
    log: createLogger({ level: 'error', write: () => {} }),
  });
  running.start();
  informers.add(WebApp, obj('WebApp', 'a', 'ns'));
  await settle();
  return running;
}

describe('controller: the injected clock', () => {
  it('runs a schedule from ctx.now(): requeueAfter waits for the clock, conditions take its time', async () => {
    const clock = createTestClock({ now: '2030-05-01T10:20:00Z' });
    const informers = fakeInformers();
    const runs: string[] = [];
    let conditions: Condition[] = [];
    const running = await startWithOne(
      controller({
        name: 'schedule',
        for: WebApp,
        reconcile: async (_req, ctx) => {
          const now = ctx.now();
          runs.push(now.toISOString());
          conditions = setCondition(
            conditions,
            { type: 'Ran', status: runs.length % 2 === 1 ? 'True' : 'False', reason: 'Tick' },
            now,
          );
          // The next run at the top of the next hour.
          const next = (Math.floor(now.getTime() / HOUR) + 1) * HOUR;
          return Action.requeueAfter(next - now.getTime());
        },
      }),
      clock,
      informers,
    );
    assert.deepEqual(runs, ['2030-05-01T10:20:00.000Z']);
    assert.equal(conditions[0]?.lastTransitionTime, '2030-05-01T10:20:00Z');

    clock.advance(40 * 60_000 - 1);
    await settle();
    assert.equal(runs.length, 1, 'not before the next hour');
    clock.advance(1);
    await settle();
    assert.deepEqual(runs.at(-1), '2030-05-01T11:00:00.000Z');
    assert.equal(conditions[0]?.lastTransitionTime, '2030-05-01T11:00:00Z', 'the status changed at 11:00');

    // A test jumps to a date: the run due on the way (12:00) fires once, and reads the time it runs at.
    clock.set('2030-05-01T12:30:00Z');
    await settle();
    assert.deepEqual(runs.slice(2), ['2030-05-01T12:30:00.000Z']);
    assert.equal(clock.nextTimerAt(), clock.now() + 30 * 60_000, 'the next run waits for 13:00');
    assert.equal(clock.date().toISOString(), '2030-05-01T12:30:00.000Z');
    assert.equal((await running.stop(0)).clean, true);
  });

  it('the run a requeueAfter(ms, note) schedules has the reason "timer: <note>"', async () => {
    const clock = createTestClock({ now: '2030-05-01T10:20:00Z' });
    const informers = fakeInformers();
    const seen: string[][] = [];
    const running = await startWithOne(
      controller({
        name: 'noted',
        for: WebApp,
        reconcile: async (_req, ctx) => {
          seen.push(ctx.reasons.map(describeReason));
          return seen.length === 1 ? Action.requeueAfter(HOUR, 'next run 11:20') : Action.done();
        },
      }),
      clock,
      informers,
    );
    clock.advance(HOUR);
    await settle();
    assert.deepEqual(seen, [['create'], ['timer: next run 11:20']]);
    assert.equal((await running.stop(0)).clean, true);
  });

  it('a run an event brings before the timer has the event as its reason, not the timer note', async () => {
    const clock = createTestClock({ now: '2030-05-01T10:20:00Z' });
    const informers = fakeInformers();
    const seen: string[][] = [];
    const running = await startWithOne(
      controller({
        name: 'early',
        for: WebApp,
        reconcile: async (_req, ctx) => {
          seen.push(ctx.reasons.map(describeReason));
          return Action.requeueAfter(HOUR, `next run ${seen.length}`);
        },
      }),
      clock,
      informers,
    );
    clock.advance(10 * 60_000);
    const a = obj('WebApp', 'a', 'ns');
    informers.update(WebApp, a, obj('WebApp', 'a', 'ns', { labels: { changed: 'yes' } }));
    await settle();
    // 10:30: the update runs it; the 11:20 run has not come (and the queue folded it into this one).
    assert.deepEqual(seen, [['create'], ['update']]);
    clock.advance(HOUR);
    await settle();
    assert.deepEqual(seen.at(-1), ['timer: next run 2'], 'the run the second reconcile scheduled, at 11:30');
    assert.equal((await running.stop(0)).clean, true);
  });
});
