/**
 * Writing children and status the way a controller should: `applyOwned()` server-side-applies a
 * child with the controller's field manager and owner reference; `updateStatus()` writes status
 * only when it changed, conditional on the resourceVersion read.
 */

import type { Client, Reader } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { withControllerReference } from './owner.ts';

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** Deep equality of JSON values, ignoring key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

/**
 * Whether every field of `desired` has the same value in `actual` (objects compared key by key,
 * lists element by element, extra fields in `actual` allowed): an apply of `desired` would
 * change nothing that this field manager sets.
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (desired === actual) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) &&
      desired.length === actual.length &&
      desired.every((d, i) => isSubset(d, actual[i]))
    );
  }
  if (desired && typeof desired === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(desired).every(
      ([k, v]) => v === undefined || isSubset(v, (actual as Record<string, unknown>)[k]),
    );
  }
  return false;
}

/**
 * Server-side applies `child` (the fields this controller owns, nothing more) with `owner` as its
 * controller reference, forcing ownership of those fields as controllers should.
 *
 * With a `reader` (a reconcile context is one), the apply is skipped when the cached child
 * already has every field as desired: level-triggered reconciles run often and most find
 * nothing to change (controller-runtime's CreateOrUpdate does the same). Pass the reconcile's
 * signal (`ctx` carries it): once it aborted, nothing is sent and the call rejects with its reason.
 */
export async function applyOwned<T extends KubernetesObject>(
  client: Client,
  owner: KubernetesObject,
  type: ResourceType<T>,
  child: T,
  options: { fieldManager: string; signal?: AbortSignal; reader?: Reader },
): Promise<T> {
  options.signal?.throwIfAborted();
  const owned = withControllerReference(owner, {
    ...child,
    metadata: { ...child.metadata, namespace: child.metadata?.namespace ?? owner.metadata?.namespace },
  });
  const name = owned.metadata?.name;
  if (options.reader && name) {
    const current = await options.reader
      .get(type, name, {
        namespace: type.namespaced ? owned.metadata?.namespace : undefined,
        signal: options.signal,
      })
      .catch(() => undefined);
    const { apiVersion: _apiVersion, kind: _kind, ...fields } = owned;
    if (current && isSubset(fields, current)) return current;
  }
  return client.apply(type, owned as never, {
    fieldManager: options.fieldManager,
    force: true,
    signal: options.signal,
  });
}

/**
 * Replaces `object.status` with `status` through the status subresource, only if it differs.
 * The write carries the resourceVersion of `object`, so a stale read fails with a Conflict.
 * Returns the updated object, or undefined when nothing changed. Pass the reconcile's signal
 * (`ctx`, or `{ signal: ctx.signal }`): once it aborted, nothing is sent and the call rejects with its reason.
 */
export async function updateStatus<T extends KubernetesObject & { status?: unknown }>(
  client: Client,
  type: ResourceType<T>,
  object: T,
  status: NonNullable<T['status']>,
  options: { signal?: AbortSignal } = {},
): Promise<T | undefined> {
  options.signal?.throwIfAborted();
  if (jsonEqual(object.status, status)) return undefined;
  return client.status.replace(type, { ...object, status } as T, { signal: options.signal });
}
