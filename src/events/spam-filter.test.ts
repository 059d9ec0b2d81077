import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSpamFilter } from './spam-filter.ts';

const MINUTE = 60_000;

describe('createSpamFilter', () => {
  it('allows a burst of 25 per object, then one per 5 minutes', () => {
    const filter = createSpamFilter();
    const allowed = Array.from({ length: 30 }, () => filter.allow('pod-a', 0)).filter(Boolean).length;
    assert.equal(allowed, 25);
    assert.equal(filter.allow('pod-b', 0), true, 'another object has its own bucket');
    assert.equal(filter.allow('pod-a', 4 * MINUTE), false);
    assert.equal(filter.allow('pod-a', 5 * MINUTE), true);
    assert.equal(filter.allow('pod-a', 5 * MINUTE), false);
    assert.equal(filter.allow('pod-a', 15 * MINUTE), true);
    assert.equal(filter.allow('pod-a', 15 * MINUTE), true);
    assert.equal(filter.allow('pod-a', 15 * MINUTE), false);
  });

  it('refills to the burst and no further', () => {
    const filter = createSpamFilter({ burst: 3, refillMs: 1000 });
    for (let i = 0; i < 3; i++) assert.equal(filter.allow('k', 0), true);
    assert.equal(filter.allow('k', 0), false);
    const allowed = Array.from({ length: 10 }, () => filter.allow('k', 1_000_000)).filter(Boolean).length;
    assert.equal(allowed, 3);
  });

  it('forgets the least recently seen object beyond its capacity', () => {
    const filter = createSpamFilter({ burst: 1, maxObjects: 2 });
    assert.equal(filter.allow('a', 0), true);
    assert.equal(filter.allow('b', 0), true);
    assert.equal(filter.allow('a', 0), false); // a is now the most recent
    assert.equal(filter.allow('c', 0), true); // b is forgotten
    assert.equal(filter.size, 2);
    assert.equal(filter.allow('a', 0), false, 'a was kept');
    assert.equal(filter.allow('b', 0), true, 'b starts again with a full bucket');
  });
});
