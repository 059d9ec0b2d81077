import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHeap, type HeapItem } from './heap.ts';

interface Item extends HeapItem {
  value: number;
}

const item = (value: number): Item => ({ value, heapIndex: -1 });
const byValue = (a: Item, b: Item): boolean => a.value < b.value;

function drain(heap: ReturnType<typeof createHeap<Item>>): number[] {
  const out: number[] = [];
  for (let next = heap.pop(); next !== undefined; next = heap.pop()) out.push(next.value);
  return out;
}

describe('heap', () => {
  it('pops items in order', () => {
    const heap = createHeap(byValue);
    const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    for (const v of values) heap.push(item(v));
    assert.equal(heap.size, 1000);
    assert.equal(heap.peek()?.value, 0);
    assert.deepEqual(
      drain(heap),
      [...values].sort((a, b) => a - b),
    );
    assert.equal(heap.pop(), undefined);
  });

  it('removes any item and keeps the rest in order', () => {
    const heap = createHeap(byValue);
    const items = Array.from({ length: 200 }, (_, i) => item((i * 37) % 200));
    for (const it of items) heap.push(it);
    const removed = items.filter((_, i) => i % 3 === 0);
    for (const it of removed) assert.equal(heap.remove(it), true);
    for (const it of removed) assert.equal(it.heapIndex, -1);
    assert.equal(heap.remove(removed[0]!), false, 'an item not in the heap');
    const expected = items
      .filter((_, i) => i % 3 !== 0)
      .map((it) => it.value)
      .sort((a, b) => a - b);
    assert.deepEqual(drain(heap), expected);
  });

  it('re-orders an item after its key changes', () => {
    const heap = createHeap(byValue);
    const items = [5, 10, 15, 20, 25].map(item);
    for (const it of items) heap.push(it);
    items[4]!.value = 1;
    heap.update(items[4]!);
    items[0]!.value = 30;
    heap.update(items[0]!);
    assert.deepEqual(drain(heap), [1, 10, 15, 20, 30]);
  });

  it('forgets all items on clear', () => {
    const heap = createHeap(byValue);
    const items = [3, 1, 2].map(item);
    for (const it of items) heap.push(it);
    heap.clear();
    assert.equal(heap.size, 0);
    assert.ok(items.every((it) => it.heapIndex === -1));
    assert.equal(heap.remove(items[0]!), false);
  });
});
