import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStringTable } from './shared-strings.ts';

describe('shared strings', () => {
  it('holds each string once and answers with the same value', () => {
    const t = createStringTable(4);
    assert.equal(t.share('ns-a'), 'ns-a');
    assert.equal(t.share('ns-a'), 'ns-a');
    t.share('ns-b');
    assert.equal(t.size, 2);
  });

  it('starts over when full, so strings of objects long gone are not kept for ever', () => {
    const t = createStringTable(3);
    for (const ns of ['gone-1', 'gone-2', 'gone-3']) t.share(ns);
    assert.equal(t.size, 3);
    // A namespace made after the table filled up is still shared, and the old ones are let go.
    t.share('new');
    assert.equal(t.size, 1, 'only the new string');
    t.share('new');
    assert.equal(t.size, 1);
    for (let i = 0; i < 100; i++) t.share(`churn-${i}`);
    assert.ok(t.size <= 3);
  });
});
