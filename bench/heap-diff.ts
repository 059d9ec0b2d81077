/**
 * What grew between two V8 heap snapshots (`.heapsnapshot`, as `v8.writeHeapSnapshot()` writes
 * them), by node type and constructor name: counts and self sizes. Used by the soak
 * (`--soak-heap-snapshots`) to say what a growing heap is made of.
 *
 *   node bench/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [ROWS]
 */

import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Per `type name` group: how many nodes and their self sizes in bytes. */
export type HeapCensus = Map<string, { count: number; bytes: number }>;

/** Groups every node of a snapshot by type and (for objects and closures) constructor name. */
export function heapCensus(json: string): HeapCensus {
  const snap = JSON.parse(json) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  if (typeAt < 0 || nameAt < 0 || sizeAt < 0) throw new Error('not a V8 heap snapshot: node fields missing');
  const census: HeapCensus = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? 'unknown';
    // Strings are grouped as one: their names are their contents.
    const name =
      type === 'object' || type === 'closure' || type === 'native' || type === 'hidden'
        ? (snap.strings[snap.nodes[i + nameAt]!] ?? '?')
        : '';
    const key = name ? `${type} ${name}` : type;
    const entry = census.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt]!;
    census.set(key, entry);
  }
  return census;
}

export interface HeapGrowth {
  key: string;
  count: number;
  bytes: number;
}

/** The change of every group from `before` to `after`, biggest growth in bytes first. */
export function diffCensus(before: HeapCensus, after: HeapCensus): HeapGrowth[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  const out: HeapGrowth[] = [];
  for (const key of keys) {
    const a = before.get(key) ?? { count: 0, bytes: 0 };
    const b = after.get(key) ?? { count: 0, bytes: 0 };
    out.push({ key, count: b.count - a.count, bytes: b.bytes - a.bytes });
  }
  return out.sort((x, y) => y.bytes - x.bytes);
}

export function diffSnapshots(beforePath: string, afterPath: string): HeapGrowth[] {
  return diffCensus(
    heapCensus(readFileSync(beforePath, 'utf8')),
    heapCensus(readFileSync(afterPath, 'utf8')),
  );
}

/** A markdown table of the `rows` biggest growths and the total. */
export function heapDiffTable(growth: readonly HeapGrowth[], rows: number): string[] {
  const total = growth.reduce((s, g) => s + g.bytes, 0);
  return [
    '| group | count change | bytes change |',
    '| --- | ---: | ---: |',
    ...growth.slice(0, rows).map((g) => `| ${g.key.replaceAll('|', '\\|')} | ${g.count} | ${g.bytes} |`),
    `| (all groups) | ${growth.reduce((s, g) => s + g.count, 0)} | ${total} |`,
  ];
}

if (import.meta.main) {
  const [before, after, rows] = process.argv.slice(2);
  if (!before || !after) {
    process.stderr.write('usage: node bench/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [ROWS]\n');
    process.exit(2);
  }
  process.stdout.write(`${heapDiffTable(diffSnapshots(before, after), Number(rows) || 30).join('\n')}\n`);
}
