/**
 * Read-your-own-writes for the cache: `createReadYourWrites()` remembers what this client's writes
 * produced, per kind, and makes a cached read wait until the informer shows at least that, or
 * tells the cache to ask the API server instead. A read after a write never answers older than
 * the write, however the waits, the watch and the fallbacks interleave.
 *
 * Ordering. A resourceVersion is compared as an integer (length, then digits), and only between
 * objects of one resource (kind), which is what Kubernetes guarantees since 1.35 (KEP-5504,
 * conformance-tested; client-go's `CompareResourceVersion`) and what every etcd-backed server has
 * always done. A write whose resourceVersion is not such an integer (an aggregated API server that
 * does not conform) is confirmed only by seeing exactly that resourceVersion on the object.
 *
 * Bookkeeping. A write is remembered until the informer has processed every event up to its
 * resourceVersion (pruned as writes and reads arrive, oldest first), so a kind holds at most the
 * writes its watch has not delivered yet. Beyond `maxPending` of those, the oldest are folded into
 * one per-kind floor: every read of that kind waits for the informer to reach the floor. The floor
 * is one string, so memory stays bounded however many distinct objects are written.
 */

import type { WriteRecord } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { ErrorCode, OperonError } from '../errors.ts';
import type { Clock } from '../queue/clock.ts';
import { keyOf } from './store.ts';

/** What read-your-writes needs of an informer; the cache's informers are such. */
export interface TrackedInformer {
  readonly store: { get(key: string): KubernetesObject | undefined };
  stats(): { resourceVersion: string };
  waitFor(
    key: string,
    check: (object: KubernetesObject | undefined) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
    upTo?: string,
  ): Promise<boolean>;
}

export interface ReadYourWritesOptions {
  /** How long one read waits for the informer before the cache asks the API server. */
  timeoutMs: number;
  /** Writes remembered per kind before the oldest fold into the kind's floor. */
  maxPending: number;
  clock: Clock;
  /** Whether writes of this kind are worth remembering (the cache serves it). */
  tracks(kind: string): boolean;
  /** The informer that answers reads of `kind`, when there is one (for pruning). */
  informerOf(kind: string): TrackedInformer | undefined;
  /**
   * The current resourceVersion of `type`'s collection, from the API server (a one-item LIST):
   * needed only after a delete whose resourceVersion the server did not report was folded away.
   */
  latestResourceVersion(type: ResourceType, signal: AbortSignal | undefined): Promise<string | undefined>;
}

export interface ReadYourWritesStats {
  /** Reads that had to wait for the informer. */
  readonly waited: number;
  /** Reads that the informer did not catch up with in time, answered by the API server. */
  readonly fellBack: number;
  /** Writes remembered now, over all kinds (measured about 220 bytes each). */
  readonly pending: number;
  /** Writes folded into a kind's floor because more than `maxPending` were outstanding. */
  readonly folded: number;
}

export interface ReadYourWrites {
  /** Remembers a write (from `client.onWrite`). */
  record(write: WriteRecord): void;
  /** Tells it an informer delivered a delete (confirms our deletes whose resourceVersion was unknown). */
  observedDelete(kind: string, object: KubernetesObject): void;
  /**
   * Before a cached get: resolves true once the informer shows this client's last write of `key`
   * (or a newer state), false when the read must go to the API server.
   */
  beforeGet(
    type: ResourceType,
    key: string,
    informer: TrackedInformer,
    signal: AbortSignal | undefined,
  ): Promise<boolean>;
  /**
   * Before a cached list: resolves true once the informer shows every write of this kind (in
   * `namespace`, if given) made before the call, false when the list must go to the API server.
   * Writes that start after the call are not waited for.
   */
  beforeList(
    type: ResourceType,
    namespace: string | undefined,
    informer: TrackedInformer,
    signal: AbortSignal | undefined,
  ): Promise<boolean>;
  readonly stats: ReadYourWritesStats;
}

/** `apiVersion/kind`: writes and reads of one kind share one record. */
export function kindKey(type: ResourceType): string {
  return `${type.apiVersion}/${type.kind}`;
}

const INTEGER = /^[1-9]\d*$/;

/** Whether a resourceVersion is a well-formed KEP-5504 integer (no sign, no leading zero, not 0). */
export function isComparable(rv: string | undefined): rv is string {
  return rv !== undefined && INTEGER.test(rv);
}

/** Compares two comparable resourceVersions of one resource: negative, 0 or positive. */
export function compareRv(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether the informer's progress `at` has reached `rv`. */
function reached(at: string | undefined, rv: string): boolean {
  return isComparable(at) && compareRv(at, rv) >= 0;
}

function maxRv(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareRv(a, b) >= 0 ? a : b;
}

interface Pending {
  /** The resourceVersion the write produced (for a delete: the deletion's, when the server said). */
  rv: string | undefined;
  deleted: boolean;
  uid: string | undefined;
  /** A read already waited for it in vain: later reads check once and do not wait again. */
  timedOut: boolean;
}

interface KindState {
  type: ResourceType;
  /** Writes with a comparable resourceVersion, the highest per key, oldest first (a rewritten key moves to the end). */
  ordered: Map<string, Pending>;
  /**
   * Writes the informer's progress cannot confirm, per key: deletes the server answered with a
   * Status (no resourceVersion), and at most one write with an opaque resourceVersion. They cannot
   * be ordered against the key's other writes, so a read must show all of them.
   */
  unordered: Map<string, Pending[]>;
  /** Highest resourceVersion of writes folded away; every read waits for the informer to reach it. */
  floor: string | undefined;
  /** A write whose resourceVersion was unknown was folded away: the floor must come from the server. */
  blind: boolean;
}

/** Whether the stored `object` (undefined: absent) shows write `w` or a newer state. */
function shows(w: Pending, object: KubernetesObject | undefined): boolean {
  const rv = object?.metadata?.resourceVersion;
  if (w.deleted) {
    if (object === undefined) return true;
    // Without the deletion's resourceVersion, a stored object may be the deleted one or older.
    return w.rv !== undefined && isComparable(rv) && compareRv(rv, w.rv) > 0;
  }
  if (object === undefined || rv === undefined || w.rv === undefined) return false;
  if (rv === w.rv) return true;
  return isComparable(rv) && isComparable(w.rv) && compareRv(rv, w.rv) > 0;
}

/** Longest wait handed to an informer; ours end earlier through the abort signal. */
const NO_TIMEOUT = 2 ** 31 - 1;

export function createReadYourWrites(options: ReadYourWritesOptions): ReadYourWrites {
  if (!Number.isInteger(options.maxPending) || options.maxPending < 1) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `readYourWritesMaxPending must be a whole number of at least 1, not ${options.maxPending}.`,
    );
  }
  if (!(options.timeoutMs >= 0)) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `readYourWritesTimeoutMs must be a number of milliseconds >= 0, not ${options.timeoutMs}.`,
    );
  }
  const kinds = new Map<string, KindState>();
  let waited = 0;
  let fellBack = 0;
  let folded = 0;
  let pending = 0;

  function stateOf(type: ResourceType): KindState {
    const kind = kindKey(type);
    let st = kinds.get(kind);
    if (!st) {
      st = { type, ordered: new Map(), unordered: new Map(), floor: undefined, blind: false };
      kinds.set(kind, st);
    }
    return st;
  }

  function size(st: KindState): number {
    let n = st.ordered.size;
    for (const list of st.unordered.values()) n += list.length;
    return n;
  }

  function removeOrdered(st: KindState, key: string, only?: Pending): void {
    if (only !== undefined && st.ordered.get(key) !== only) return;
    if (st.ordered.delete(key)) pending--;
  }

  function removeUnordered(st: KindState, key: string, drop: (w: Pending) => boolean): void {
    const list = st.unordered.get(key);
    if (!list) return;
    const kept = list.filter((w) => !drop(w));
    pending -= list.length - kept.length;
    if (kept.length > 0) st.unordered.set(key, kept);
    else st.unordered.delete(key);
  }

  /** Drops what the informer has passed: writes at or below its progress, and a reached floor. */
  function prune(st: KindState, informer: TrackedInformer | undefined): void {
    const at = informer?.stats().resourceVersion;
    if (!isComparable(at)) return;
    if (st.floor !== undefined && compareRv(at, st.floor) >= 0) st.floor = undefined;
    // Oldest first; writes are reported about in resourceVersion order, so stop at the first one ahead.
    for (const [key, w] of st.ordered) {
      if (!reached(at, w.rv as string)) break;
      removeOrdered(st, key);
    }
  }

  /** Keeps a kind within `maxPending` by folding its oldest writes into the floor. */
  function bound(st: KindState): void {
    let over = size(st) - options.maxPending;
    for (; over > 0 && st.ordered.size > 0; over--) {
      const [key, w] = st.ordered.entries().next().value as [string, Pending];
      removeOrdered(st, key);
      folded++;
      st.floor = maxRv(st.floor, w.rv);
    }
    for (; over > 0; over--) {
      const [key, list] = st.unordered.entries().next().value as [string, Pending[]];
      const oldest = list[0];
      removeUnordered(st, key, (w) => w === oldest);
      folded++;
      st.blind = true;
    }
  }

  /** After a blind fold: the collection's current resourceVersion is a floor above every write made. */
  async function unblind(st: KindState, signal: AbortSignal | undefined): Promise<boolean> {
    const rv = await options.latestResourceVersion(st.type, signal).catch(() => undefined);
    if (!isComparable(rv)) return false;
    st.floor = maxRv(st.floor, rv);
    st.blind = false;
    return true;
  }

  /** One informer wait: `check` on `key`, or the informer reaching `upTo`, within `timeoutMs` of our clock. */
  async function waitOnce(
    informer: TrackedInformer,
    key: string,
    check: (object: KubernetesObject | undefined) => boolean,
    upTo: string | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const local = new AbortController();
    const timer = options.clock.setTimeout(() => local.abort(), timeoutMs);
    try {
      return await informer.waitFor(
        key,
        check,
        NO_TIMEOUT,
        signal ? AbortSignal.any([signal, local.signal]) : local.signal,
        upTo,
      );
    } finally {
      options.clock.clearTimeout(timer);
    }
  }

  /**
   * Waits until every condition holds at once, each `[key, check, upTo]` (a condition holds when
   * `check` holds for the stored object or the informer has reached `upTo`); false after
   * `timeoutMs`. Conditions are awaited one at a time and all checked again at the end, since a
   * later event may undo an earlier one (an older incarnation of a deleted object arriving).
   */
  async function waitAll(
    informer: TrackedInformer,
    conditions: ReadonlyArray<
      readonly [string, (o: KubernetesObject | undefined) => boolean, string | undefined]
    >,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const holds = ([key, check, upTo]: (typeof conditions)[number]) =>
      check(informer.store.get(key)) ||
      (upTo !== undefined && reached(informer.stats().resourceVersion, upTo));
    const deadline = options.clock.now() + timeoutMs;
    for (;;) {
      const open = conditions.find((c) => !holds(c));
      if (!open) return true;
      const left = deadline - options.clock.now();
      if (left <= 0 || signal?.aborted) return false;
      if (!(await waitOnce(informer, open[0], open[1], open[2], left, signal))) return false;
    }
  }

  const never = () => false;

  return {
    record(write) {
      const kind = kindKey(write.type);
      if (!options.tracks(kind)) return;
      const st = stateOf(write.type);
      const key = keyOf(write.name, write.namespace);
      const next: Pending = {
        rv: write.resourceVersion,
        deleted: write.deleted,
        // Only a delete without a resourceVersion is matched by uid; others need not keep it.
        uid: write.deleted && !isComparable(write.resourceVersion) ? write.uid : undefined,
        timedOut: false,
      };
      if (isComparable(next.rv)) {
        // Two workers' writes of one object may be reported out of order: the highest one counts.
        const previous = st.ordered.get(key);
        if (previous && compareRv(previous.rv as string, next.rv) > 0) return;
        removeOrdered(st, key);
        st.ordered.set(key, next);
      } else {
        // An opaque write supersedes the key's previous opaque write (there is no telling more);
        // a delete without a resourceVersion is kept beside everything else of the key.
        removeUnordered(st, key, (w) => (next.deleted ? w.deleted && w.uid === next.uid : !w.deleted));
        st.unordered.set(key, [...(st.unordered.get(key) ?? []), next]);
      }
      pending++;
      prune(st, options.informerOf(kind));
      bound(st);
    },

    observedDelete(kind, object) {
      const st = kinds.get(kind);
      if (!st || st.unordered.size === 0) return;
      const key = keyOf(object.metadata?.name ?? '', object.metadata?.namespace);
      const uid = object.metadata?.uid;
      removeUnordered(
        st,
        key,
        (w) => w.deleted && w.rv === undefined && (w.uid === undefined || w.uid === uid),
      );
    },

    async beforeGet(type, key, informer, signal) {
      const st = kinds.get(kindKey(type));
      if (!st || (st.ordered.size === 0 && st.unordered.size === 0 && st.floor === undefined && !st.blind))
        return true;
      prune(st, informer);
      if (st.blind && !(await unblind(st, signal))) {
        fellBack++;
        return false;
      }
      const w = st.ordered.get(key);
      const others = st.unordered.get(key) ?? [];
      const floor = st.floor;
      if (!w && others.length === 0 && floor === undefined) return true;
      waited++;
      const conditions: Array<
        readonly [string, (o: KubernetesObject | undefined) => boolean, string | undefined]
      > = [];
      if (w) conditions.push([key, (o) => shows(w, o), w.rv]);
      if (floor !== undefined) conditions.push([key, never, floor]);
      for (const u of others) conditions.push([key, (o) => shows(u, o), undefined]);
      const timedOut = w?.timedOut || others.some((u) => u.timedOut);
      const ok = await waitAll(informer, conditions, timedOut ? 0 : options.timeoutMs, signal);
      if (ok) {
        // Confirmed: forget it, unless a newer write of the key came meanwhile. A store that shows
        // a write's version never goes back to an older one; but an absent object may only not have
        // arrived yet, so a delete is forgotten once the informer has passed it (`prune`) or, without
        // a resourceVersion, delivered it (`observedDelete`).
        if (w && !w.deleted) removeOrdered(st, key, w);
        removeUnordered(st, key, (u) => others.includes(u) && !u.deleted);
        return true;
      }
      if (!signal?.aborted) {
        if (w) w.timedOut = true;
        for (const u of others) u.timedOut = true;
      }
      fellBack++;
      return false;
    },

    async beforeList(type, namespace, informer, signal) {
      const st = kinds.get(kindKey(type));
      if (!st || (st.ordered.size === 0 && st.unordered.size === 0 && st.floor === undefined && !st.blind))
        return true;
      prune(st, informer);
      if (st.blind && !(await unblind(st, signal))) {
        fellBack++;
        return false;
      }
      // A snapshot of what was written before this call: the highest resourceVersion, and the
      // writes only the objects themselves can confirm. Later writes do not extend the wait.
      const prefix = namespace ? `${namespace}/` : '';
      let upTo = st.floor;
      const snapshot: Pending[] = [];
      const conditions: Array<
        readonly [string, (o: KubernetesObject | undefined) => boolean, string | undefined]
      > = [];
      for (const [key, w] of st.ordered) {
        if (!key.startsWith(prefix)) continue;
        upTo = maxRv(upTo, w.rv);
        snapshot.push(w);
      }
      if (upTo !== undefined) conditions.push(['', never, upTo]);
      for (const [key, list] of st.unordered) {
        if (!key.startsWith(prefix)) continue;
        for (const u of list) {
          conditions.push([key, (o) => shows(u, o), undefined]);
          snapshot.push(u);
        }
      }
      if (conditions.length === 0) return true;
      waited++;
      const timedOut = snapshot.some((w) => w.timedOut);
      const ok = await waitAll(informer, conditions, timedOut ? 0 : options.timeoutMs, signal);
      prune(st, informer);
      if (ok) return true;
      if (!signal?.aborted) for (const w of snapshot) w.timedOut = true;
      fellBack++;
      return false;
    },

    stats: {
      get waited() {
        return waited;
      },
      get fellBack() {
        return fellBack;
      },
      get pending() {
        return pending;
      },
      get folded() {
        return folded;
      },
    },
  };
}
