/**
 * The one shape of everything a manager runs: a `Runnable` is `start(signal)`, which resolves only
 * once its work has stopped (controller-runtime's `Runnable`); `runnable(name, start)` makes one
 * from a function. Caches, the leader elector, the HTTP endpoints, webhook servers and controllers
 * are all Runnables, started by the manager in ordered groups.
 */

/** Where a Runnable runs in the manager's order; groups start in this order and stop in reverse. */
export type RunnableGroup =
  /** HTTP servers (metrics, probes): up first, so the kubelet sees the process from the start. */
  | 'http'
  /** Webhook servers: before the caches, since the API server may call them while we sync. */
  | 'webhooks'
  /** Caches: the next group starts only once these are `ready` (synced). */
  | 'caches'
  /** Work that needs no leadership; runs on every replica. */
  | 'others'
  /** Work only the leader does (controllers): started once leading, stopped before the Lease is released. */
  | 'leader-election';

/** Groups in start order. */
export const START_ORDER: readonly RunnableGroup[] = [
  'http',
  'webhooks',
  'caches',
  'others',
  'leader-election',
];

export interface Runnable {
  /** Names it in logs and errors, e.g. `cache` or `controller webapp`. */
  readonly name: string;
  /**
   * Runs until `signal` aborts, then stops and resolves once its work has stopped. A rejection
   * means it failed: the manager shuts down and rejects with that error. Resolving early is fine
   * (the work is done). `signal.reason` says why it stops.
   */
  start(signal: AbortSignal): Promise<void>;
  /**
   * Resolves once the Runnable is ready for the next group to start (caches synced, a server
   * listening); rejects if it cannot become ready. Default: ready at once. Rejects with
   * `signal.reason` when `signal` aborts first.
   */
  ready?(signal: AbortSignal): Promise<void>;
}

/** A Runnable from a function (controller-runtime's `RunnableFunc`). */
export function runnable(
  name: string,
  start: (signal: AbortSignal) => Promise<void>,
  ready?: (signal: AbortSignal) => Promise<void>,
): Runnable {
  return ready ? { name, start, ready } : { name, start };
}

/** Resolves when `signal` aborts (at once if it has). Leaves no listener behind once it fires. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
