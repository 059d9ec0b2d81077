import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { containAbortListeners } from './contain.ts';

describe('containAbortListeners', () => {
  it('runs every listener in order and hands what one throws to onError, the others still running', () => {
    const errors: unknown[] = [];
    const calls: string[] = [];
    const c = new AbortController();
    const signal = containAbortListeners(c.signal, (err) => errors.push(err));
    assert.equal(signal, c.signal);
    signal.addEventListener('abort', () => {
      calls.push('first');
      throw new Error('first threw');
    });
    signal.onabort = function (this: AbortSignal) {
      calls.push(this === signal ? 'onabort' : 'onabort with another this');
      throw new Error('onabort threw');
    };
    signal.addEventListener('abort', {
      handleEvent(event: Event) {
        calls.push(`object ${event.type}`);
        throw new Error('object threw');
      },
    });
    c.abort();
    assert.deepEqual(calls, ['first', 'onabort', 'object abort']);
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['first threw', 'onabort threw', 'object threw'],
    );
  });

  it('adds a listener once however often it is added, removes it, and keeps once and null as EventTarget does', () => {
    const c = new AbortController();
    const signal = containAbortListeners(c.signal, () => {});
    let twice = 0;
    let removed = 0;
    let once = 0;
    const listener = () => twice++;
    signal.addEventListener('abort', listener);
    signal.addEventListener('abort', listener);
    const gone = () => removed++;
    signal.addEventListener('abort', gone);
    signal.removeEventListener('abort', gone);
    signal.addEventListener('abort', () => once++, { once: true });
    signal.addEventListener('abort', null as unknown as () => void);
    signal.removeEventListener('abort', null as unknown as () => void);
    assert.equal(signal.onabort, null);
    c.abort();
    signal.dispatchEvent(new Event('abort'));
    assert.deepEqual({ twice, removed, once }, { twice: 2, removed: 0, once: 1 });
  });

  it('keeps the state of each contained signal apart', () => {
    const seen: string[] = [];
    const a = new AbortController();
    const b = new AbortController();
    containAbortListeners(a.signal, () => seen.push('a'));
    containAbortListeners(b.signal, () => seen.push('b'));
    const thrower = () => {
      throw new Error('x');
    };
    a.signal.addEventListener('abort', thrower);
    b.signal.addEventListener('abort', thrower);
    b.signal.onabort = () => {};
    assert.equal(a.signal.onabort, null);
    b.abort();
    a.abort();
    assert.deepEqual(seen, ['b', 'a']);
  });
});
