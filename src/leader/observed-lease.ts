/**
 * What a candidate knows about the Lease, and the decision it takes from that: `shouldAcquire()`
 * says whether this process may write itself in as holder, measuring expiry by its own clock.
 */

import type { Lease } from '../client/index.ts';

/** The Lease as last read or written, and when this process saw its record change. */
export interface ObservedLease {
  readonly lease: Lease;
  /**
   * Local clock time (`clock.now()`) at which the record last changed as seen from here. Expiry
   * counts from this moment, never from the remote `renewTime`, so clock skew between machines
   * cannot make a live lease look expired (client-go's observedTime).
   */
  readonly observedAt: number;
}

/** The holder written in the Lease; undefined when none (a released or new Lease). */
export function holderOf(lease: Lease | undefined): string | undefined {
  return lease?.spec?.holderIdentity || undefined;
}

/** How long the holder promised to hold the Lease: its `leaseDurationSeconds`, else `fallbackMs`. */
export function leaseDurationMsOf(lease: Lease, fallbackMs: number): number {
  const seconds = lease.spec?.leaseDurationSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallbackMs;
}

/** The election record of a Lease: the spec fields a holder writes. Two reads with the same key saw no renewal in between. */
export function leaseRecordKey(lease: Lease): string {
  const s = lease.spec ?? {};
  return JSON.stringify([
    s.holderIdentity ?? '',
    s.leaseDurationSeconds ?? 0,
    s.acquireTime ?? '',
    s.renewTime ?? '',
    s.leaseTransitions ?? 0,
  ]);
}

/**
 * Records a fresh read or write of the Lease: `observedAt` moves to `now` only when the record
 * changed, so a holder that stops renewing ages out even though we keep reading its Lease.
 */
export function observe(previous: ObservedLease | undefined, lease: Lease, now: number): ObservedLease {
  const changed = previous === undefined || leaseRecordKey(previous.lease) !== leaseRecordKey(lease);
  return { lease, observedAt: changed ? now : previous.observedAt };
}

/** Whether the holder's promised duration has passed since we last saw its record change. */
export function isLeaseExpired(observed: ObservedLease, now: number, fallbackDurationMs: number): boolean {
  return now >= observed.observedAt + leaseDurationMsOf(observed.lease, fallbackDurationMs);
}

/**
 * Whether `identity` may write itself in as holder: the Lease does not exist (create it), has no
 * holder, is already ours, or its holder has not renewed for its lease duration by our clock.
 * `fallbackDurationMs` applies when the Lease states no duration.
 */
export function shouldAcquire(
  observed: ObservedLease | undefined,
  now: number,
  identity: string,
  fallbackDurationMs: number,
): boolean {
  if (observed === undefined) return true;
  const holder = holderOf(observed.lease);
  return holder === undefined || holder === identity || isLeaseExpired(observed, now, fallbackDurationMs);
}
