/**
 * Lease-based leader election: `createLeaderElector()` campaigns for a coordination.k8s.io/v1 Lease
 * so that one replica leads at a time, and `leading()` hands out a signal that aborts when it stops leading.
 */

export {
  createLeaderElector,
  JITTER_FACTOR,
  type LeaderElectionClock,
  type LeaderElectionLog,
  type LeaderElectionOptions,
  type LeaderElector,
  type LeadershipLoss,
  LeadershipLostError,
  type LeaseClient,
  systemClock,
} from './leader-elector.ts';
export { formatMicroTime } from './micro-time.ts';
export { type ObservedLease, shouldAcquire } from './observed-lease.ts';
