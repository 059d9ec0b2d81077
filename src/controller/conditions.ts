/**
 * Status conditions with `metav1.Condition` semantics: `setCondition()` updates one by type and
 * moves `lastTransitionTime` only when the status changes; `findCondition()` and `isTrue()` read them.
 */

import type { Condition } from '../client/types/meta-v1.ts';

export type { Condition };

/** metav1.Condition's shape, as a custom resource's status declares it. */
export interface ConditionLike {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, machine-readable. */
  reason: string;
  message?: string;
  /** The `metadata.generation` this condition was computed from. */
  observedGeneration?: number | undefined;
}

/** A Kubernetes timestamp (RFC 3339, seconds). */
function timestamp(date: Date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * Returns a new list with the condition set. `lastTransitionTime` is kept when the status did not
 * change (only reason, message or generation did), as the API conventions require; a new one is
 * `time` (pass `ctx.now()` in a reconcile, so an injected clock sets it), default the wall clock.
 * From no list (`undefined` or `[]`), the conditions' status is `True`, `False` or `Unknown`, as
 * `conditions()` of operon/resource declares it.
 */
export function setCondition(
  conditions: readonly never[] | undefined,
  input: ConditionInput,
  time?: string | Date,
): (Condition & { status: ConditionInput['status'] })[];
export function setCondition<C extends ConditionLike>(
  conditions: readonly C[] | undefined,
  input: ConditionInput,
  time?: string | Date,
): C[];
export function setCondition<C extends ConditionLike>(
  conditions: readonly C[] | undefined,
  input: ConditionInput,
  time: string | Date = timestamp(),
): C[] {
  const at = typeof time === 'string' ? time : timestamp(time);
  const list: ConditionLike[] = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === input.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: ConditionLike = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message ?? '',
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : at,
    ...(input.observedGeneration !== undefined ? { observedGeneration: input.observedGeneration } : {}),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  // A custom resource's condition type is metav1.Condition, maybe with a narrower status: what
  // this builds fits it.
  return list as C[];
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Removes a condition by type; returns a new list. */
export function removeCondition<C extends ConditionLike>(
  conditions: readonly C[] | undefined,
  type: string,
): C[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
