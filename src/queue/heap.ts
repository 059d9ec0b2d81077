/** A binary heap whose items remember their position, so any item can be removed or re-ordered in O(log n). */

/** An item that can sit in one heap at a time; `heapIndex` is -1 while it is in none. */
export interface HeapItem {
  heapIndex: number;
}

export interface Heap<T extends HeapItem> {
  readonly size: number;
  /** The first item in heap order, without removing it. */
  peek(): T | undefined;
  push(item: T): void;
  /** Removes and returns the first item. */
  pop(): T | undefined;
  /** Removes `item` if it is in this heap; returns whether it was. */
  remove(item: T): boolean;
  /** Restores heap order after the sort key of `item` (already in this heap) changed. */
  update(item: T): void;
  /** Empties the heap. */
  clear(): void;
}

/** Creates an empty heap in which `before(a, b)` says whether `a` comes out before `b`. */
export function createHeap<T extends HeapItem>(before: (a: T, b: T) => boolean): Heap<T> {
  const items: T[] = [];

  const place = (item: T, index: number): void => {
    items[index] = item;
    item.heapIndex = index;
  };

  const up = (start: number): void => {
    const item = items[start]!;
    let i = start;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!before(item, parent)) break;
      place(parent, i);
      i = p;
    }
    place(item, i);
  };

  const down = (start: number): void => {
    const item = items[start]!;
    const n = items.length;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && before(items[right]!, items[child]!)) child = right;
      if (!before(items[child]!, item)) break;
      place(items[child]!, i);
      i = child;
    }
    place(item, i);
  };

  const fix = (i: number): void => {
    if (i > 0 && before(items[i]!, items[(i - 1) >> 1]!)) up(i);
    else down(i);
  };

  const removeAt = (i: number): T => {
    const removed = items[i]!;
    const last = items.pop()!;
    if (i < items.length) {
      place(last, i);
      fix(i);
    }
    removed.heapIndex = -1;
    return removed;
  };

  const contains = (item: T): boolean => item.heapIndex >= 0 && items[item.heapIndex] === item;

  return {
    get size() {
      return items.length;
    },
    peek: () => items[0],
    push(item) {
      place(item, items.length);
      up(items.length - 1);
    },
    pop: () => (items.length === 0 ? undefined : removeAt(0)),
    remove(item) {
      if (!contains(item)) return false;
      removeAt(item.heapIndex);
      return true;
    },
    update(item) {
      if (contains(item)) fix(item.heapIndex);
    },
    clear() {
      for (const item of items) item.heapIndex = -1;
      items.length = 0;
    },
  };
}
