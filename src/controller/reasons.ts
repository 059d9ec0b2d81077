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
  add(key: string, reason: Reason): void;
  /** The reasons of `key`, removed from the book; `fallback` when it has none. */
  take(key: string, fallback: Reason): Reason[];
}

export function createReasonBook(max = 8): ReasonBook {
  const reasons = new Map<string, Reason[]>();
  return {
    add(key, reason) {
      const list = reasons.get(key);
      if (!list) reasons.set(key, [reason]);
      else if (list.length < max && !list.some((r) => describeReason(r) === describeReason(reason)))
        list.push(reason);
    },
    take(key, fallback) {
      const list = reasons.get(key);
      reasons.delete(key);
      return list ?? [fallback];
    },
  };
}
