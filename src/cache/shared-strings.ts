/**
 * A table of strings many cached objects repeat (namespaces, owner kinds): `createStringTable(max)`
 * hands back one copy of each, so the objects of an informer hold it once instead of once each.
 */

export interface StringTable {
  /** The table's copy of `s` (adding it when new). */
  share(s: string): string;
  /** How many strings it holds now: never more than its `max`. */
  readonly size: number;
}

/**
 * A table of at most `max` strings. When a new string finds it full it starts over: strings of
 * objects long gone (deleted namespaces, owner kinds someone made up) do not stay forever or
 * keep the strings in use now from being shared. What live objects hold stays theirs; the table
 * only stops pointing at it.
 */
export function createStringTable(max: number): StringTable {
  const table = new Map<string, string>();
  return {
    share(s) {
      const known = table.get(s);
      if (known !== undefined) return known;
      if (table.size >= max) table.clear();
      table.set(s, s);
      return s;
    },
    get size() {
      return table.size;
    },
  };
}
