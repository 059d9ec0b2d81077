/**
 * Why a reconcile runs: each event that queues a key adds a `Reason`, and the reasons merged while
 * the key waited are handed to the reconcile (`ctx.reasons`) and shown in logs and views.
 */

/** Why a reconcile runs. */
export type ReasonKind =
  | 'initial' // the object was in the first list
  | 'create'
  | 'update'
  | 'delete'
  | 'owned' // a child it controls changed
  | 'mapped' // a watched object mapped to it changed
  | 'retry' // the last reconcile failed
  | 'requeue' // the last reconcile asked for Action.requeue()
  | 'timer' // the last reconcile asked for Action.requeueAfter()
  | 'resync'; // the controller's resyncPeriodMs passed

export interface Reason {
  kind: ReasonKind;
  /** The object behind an `owned` or `mapped` reason (or the primary itself). */
  source?: { kind: string; name: string; namespace?: string | undefined };
  /** What the reconcile said with `Action.requeue(note)` or `Action.requeueAfter(ms, note)`. */
  note?: string;
}

/** Renders a reason for logs and views, e.g. `owned Deployment web` or `timer: next run 02:00`. */
export function describeReason(r: Reason): string {
  if (r.note !== undefined) return `${r.kind}: ${r.note}`;
  if (
    !r.source ||
    r.kind === 'initial' ||
    r.kind === 'create' ||
    r.kind === 'update' ||
    r.kind === 'delete'
  ) {
    return r.kind;
  }
  const ns = r.source.namespace ? `${r.source.namespace}/` : '';
  return `${r.kind} ${r.source.kind} ${ns}${r.source.name}`;
}

/** The reasons of each waiting key: distinct, at most `max` per key (the first ones are the telling ones). */
export interface ReasonBook {
  /**
   * Adds a reason for `key`. `dueAt` (the clock's time a timer brings the key back) makes it a
   * scheduled reason: a run taken before then came for the other reasons (the queue folds the
   * timer into it), so it does not list this one.
   */
  add(key: string, reason: Reason, dueAt?: number): void;
  /**
   * The reasons of `key`, removed from the book; `fallback` when it has none. At `now`, scheduled
   * reasons not yet due are left out, unless nothing else brought the key.
   */
  take(key: string, fallback: Reason, now?: number): Reason[];
}

interface Entry {
  reason: Reason;
  dueAt: number | undefined;
}

export function createReasonBook(max = 8): ReasonBook {
  const reasons = new Map<string, Entry[]>();
  return {
    add(key, reason, dueAt) {
      const entry = { reason, dueAt };
      const list = reasons.get(key);
      if (!list) reasons.set(key, [entry]);
      else if (list.length < max && !list.some((e) => describeReason(e.reason) === describeReason(reason)))
        list.push(entry);
    },
    take(key, fallback, now) {
      const list = reasons.get(key);
      reasons.delete(key);
      if (!list) return [fallback];
      const due = now === undefined ? list : list.filter((e) => e.dueAt === undefined || e.dueAt <= now);
      return (due.length > 0 ? due : list).map((e) => e.reason);
    },
  };
}
