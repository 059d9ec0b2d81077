import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOperonError } from '../errors.ts';
import { createFakeClock, realClock } from './clock.ts';

describe('fake clock', () => {
  it('stands still until advanced', () => {
    const clock = createFakeClock({ start: 1000 });
    assert.equal(clock.now(), 1000);
    clock.advance(250);
    assert.equal(clock.now(), 1250);
  });

  it('runs due timers in time order, each at its own time', () => {
    const clock = createFakeClock();
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['c', clock.now()]), 30);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10);
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['b2', clock.now()]), 20);
    clock.advance(25);
    assert.deepEqual(fired, [
      ['a', 10],
      ['b', 20],
      ['b2', 20],
    ]);
    assert.equal(clock.now(), 25);
    assert.equal(clock.pendingTimers(), 1);
    assert.equal(clock.nextTimerAt(), 30);
  });

  it('runs timers scheduled by a timer when they fall within the same advance', () => {
    const clock = createFakeClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 10);
    clock.advance(100);
    assert.deepEqual(fired, [10, 15]);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('never runs a cleared timer', () => {
    const clock = createFakeClock();
    let fired = false;
    const timer = clock.setTimeout(() => {
      fired = true;
    }, 10);
    clock.clearTimeout(timer);
    clock.clearTimeout(timer);
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(clock.nextTimerAt(), undefined);
    clock.advance(100);
    assert.equal(fired, false);
  });

  it('tracks whether a timer holds a ref, like a Node Timeout', () => {
    const clock = createFakeClock();
    const timer = clock.setTimeout(() => {}, 10);
    assert.equal(timer.hasRef(), true);
    timer.unref();
    assert.equal(timer.hasRef(), false);
    timer.ref();
    assert.equal(timer.hasRef(), true);
  });

  it('refuses to move backwards', () => {
    const clock = createFakeClock();
    assert.throws(
      () => clock.advance(-1),
      (err) => isOperonError(err, 'OPERON_INVALID_ARGUMENT'),
    );
  });
});

describe('real clock', () => {
  it('is monotonic and its timers can be unref-ed and cleared', async () => {
    const a = realClock.now();
    const b = realClock.now();
    assert.ok(b >= a);
    const fired: string[] = [];
    const cleared = realClock.setTimeout(() => fired.push('cleared'), 1);
    cleared.unref();
    assert.equal(cleared.hasRef(), false);
    realClock.clearTimeout(cleared);
    // Node runs due timers in order of their deadlines: had the 1 ms timer not been cleared, it
    // would have fired before this 20 ms one.
    await new Promise<void>((resolve) =>
      realClock.setTimeout(() => {
        fired.push('later');
        resolve();
      }, 20),
    );
    assert.deepEqual(fired, ['later']);
  });
});
