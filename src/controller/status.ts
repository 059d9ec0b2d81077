/**
 * Writing children and status the way a controller should: `applyOwned()` server-side-applies a
 * child with the controller's field manager and owner reference; `updateStatus()` writes status
 * only when it changed, conditional on the resourceVersion read.
 */

import type { Client } from '../client/client.ts';
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
 * Server-side applies `child` (the fields this controller owns, nothing more) with `owner` as its
 * controller reference, forcing ownership of those fields as controllers should.
 */
export function applyOwned<T extends KubernetesObject>(
  client: Client,
  owner: KubernetesObject,
  type: ResourceType<T>,
  child: T,
  options: { fieldManager: string; signal?: AbortSignal },
): Promise<T> {
  const owned = withControllerReference(owner, {
    ...child,
    metadata: { ...child.metadata, namespace: child.metadata?.namespace ?? owner.metadata?.namespace },
  });
  return client.apply(type, owned as never, {
    fieldManager: options.fieldManager,
    force: true,
    signal: options.signal,
  });
}

/**
 * Replaces `object.status` with `status` through the status subresource, only if it differs.
 * The write carries the resourceVersion of `object`, so a stale read fails with a Conflict.
 * Returns the updated object, or undefined when nothing changed.
 */
export async function updateStatus<T extends KubernetesObject & { status?: unknown }>(
  client: Client,
  type: ResourceType<T>,
  object: T,
  status: NonNullable<T['status']>,
  options: { signal?: AbortSignal } = {},
): Promise<T | undefined> {
  if (jsonEqual(object.status, status)) return undefined;
  return client.status.replace(type, { ...object, status } as T, { signal: options.signal });
}
