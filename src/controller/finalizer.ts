/**
 * Finalizers done safely: `finalize()` adds the finalizer to a live object and, once the object is
 * being deleted, runs the cleanup to completion before it removes the finalizer. Every change to
 * the finalizer list is conditional on the resourceVersion read, never a blind overwrite, and stops
 * with the reconcile's signal.
 */

import type { Client } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';

export type FinalizeResult<T> =
  /** The object lives and has the finalizer (it was `added` now, or was `present`): reconcile as usual. */
  | { state: 'added' | 'present'; object: T }
  /** The object is being deleted and cleanup ran; the finalizer is off (the object may be gone). Stop reconciling. */
  | { state: 'finalized'; object: T }
  /** The object is being deleted and does not carry this finalizer (another one holds it). Stop reconciling. */
  | { state: 'deleting'; object: T };

export interface FinalizeOptions<T extends KubernetesObject> {
  client: Client;
  type: ResourceType<T>;
  object: T;
  /** A qualified name, e.g. `example.operon.dev/registry`. */
  finalizer: string;
  /**
   * The reconcile's signal (`ctx.signal`): once it aborts (timeout, shutdown, lost leadership)
   * nothing more is written and `finalize()` rejects with its reason. Cleanup gets it too.
   */
  signal?: AbortSignal | undefined;
  /**
   * Runs when the object is being deleted. Must be idempotent: after a crash mid-cleanup the
   * finalizer is still there, so it runs again. Throwing leaves the finalizer in place and the
   * reconcile retries. Pass `signal` on to every request it makes.
   */
  cleanup(object: T, context: { signal: AbortSignal }): Promise<void>;
}

/**
 * Adds or, after cleanup, removes `finalizer` on `object`. A stale object fails with a Conflict
 * (retried quietly). When `signal` aborts, it rejects with the signal's reason and writes nothing
 * more: a cleanup that returns after the abort leaves the finalizer in place, to run again.
 */
export async function finalize<T extends KubernetesObject>(
  options: FinalizeOptions<T>,
): Promise<FinalizeResult<T>> {
  const { client, type, object, finalizer } = options;
  const signal = options.signal ?? new AbortController().signal;
  signal.throwIfAborted();
  const finalizers = object.metadata?.finalizers ?? [];
  const has = finalizers.includes(finalizer);
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name ?? '';
  const patchFinalizers = (list: string[]) =>
    client.patch(
      type,
      name,
      // resourceVersion makes the merge patch conditional: a concurrent change fails it with a Conflict.
      { metadata: { resourceVersion: object.metadata?.resourceVersion, finalizers: list } },
      { namespace, type: 'merge', signal },
    );

  if (!object.metadata?.deletionTimestamp) {
    if (has) return { state: 'present', object };
    return { state: 'added', object: await patchFinalizers([...finalizers, finalizer]) };
  }
  if (!has) return { state: 'deleting', object };
  await options.cleanup(object, { signal });
  // A cleanup that ignored the abort may not have finished: keep the finalizer, so it runs again.
  signal.throwIfAborted();
  const updated = await patchFinalizers(finalizers.filter((f) => f !== finalizer));
  return { state: 'finalized', object: updated };
}
