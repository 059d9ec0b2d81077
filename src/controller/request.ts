/**
 * Requests and keys: a `Request` names one primary object, and `keyOf()` turns it into the queue
 * key (`namespace/name`, or `name` for a cluster-scoped kind), so that one object is one key.
 */

import type { ResourceType } from '../client/resource.ts';

/** Which object to reconcile. */
export interface Request {
  name: string;
  /** Absent for cluster-scoped kinds. */
  namespace?: string | undefined;
}

/** The queue key of a request: `namespace/name`, or `name` without a namespace. */
export function keyOf(r: Request): string {
  return r.namespace ? `${r.namespace}/${r.name}` : r.name;
}

/** The request a key stands for (names never contain `/`). */
export function requestOf(key: string): Request {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** A request made canonical for the primary kind, or why it cannot be one. */
export type Normalised =
  | { ok: true; request: Request; droppedNamespace: boolean }
  | { ok: false; problem: string };

/**
 * Makes a request from a mapper canonical for `primary`, so that one object is one key:
 * - a cluster-scoped primary has no namespace: a namespace given for it is dropped (and
 *   `droppedNamespace` says so), because `{ name: 'a', namespace: 'x' }` and `{ name: 'a' }` name
 *   the same object and must not become two keys reconciled at once;
 * - a namespaced primary needs a namespace: a request without one is rejected, since guessing
 *   one (the watched object's?) would reconcile the wrong object;
 * - the name must be a non-empty string without `/`, the namespace a string.
 * Never throws, whatever `value` is.
 */
export function normaliseRequest(primary: ResourceType, value: unknown): Normalised {
  try {
    if (typeof value !== 'object' || value === null) {
      return { ok: false, problem: `a request must be an object { name, namespace? }, not ${typeof value}` };
    }
    const name: unknown = (value as { name?: unknown }).name;
    const namespace: unknown = (value as { namespace?: unknown }).namespace;
    if (typeof name !== 'string' || name === '' || name.includes('/')) {
      return { ok: false, problem: 'a request needs a name: a non-empty string without "/"' };
    }
    if (namespace !== undefined && (typeof namespace !== 'string' || namespace.includes('/'))) {
      return { ok: false, problem: `the namespace of request "${name}" must be a string without "/"` };
    }
    if (!primary.namespaced) {
      return { ok: true, request: { name }, droppedNamespace: Boolean(namespace) };
    }
    if (!namespace) {
      return {
        ok: false,
        problem: `request "${name}" has no namespace, but ${primary.kind} is namespaced: give { name, namespace }`,
      };
    }
    return { ok: true, request: { name, namespace }, droppedNamespace: false };
  } catch (err) {
    return {
      ok: false,
      problem: `reading the request threw (${err instanceof Error ? err.message : 'not an Error'})`,
    };
  }
}
