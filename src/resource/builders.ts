/**
 * Schema pieces Kubernetes has and JSON Schema lacks, for use with TypeBox's `Type`:
 * `intOrString()`, `preserveUnknown()`, `listType()`, `mapType()` and CEL rules with `validations()`.
 */

import Type, { type TSchema, type TUnsafe } from 'typebox';

/** A CEL validation rule (`x-kubernetes-validations`), evaluated by the API server. */
export interface ValidationRule {
  /** A CEL expression over `self` (and `oldSelf` for transition rules), e.g. `self.minReplicas <= self.replicas`. */
  rule: string;
  /** Shown to the user when the rule fails. */
  message?: string;
  /** A CEL expression that builds the message. */
  messageExpression?: string;
  /** `FieldValueInvalid` (default), `FieldValueForbidden`, `FieldValueRequired` or `FieldValueDuplicate`. */
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** The field the error is reported on, relative to the schema node, e.g. `.replicas`. */
  fieldPath?: string;
  /** Also evaluate a transition rule when the object is created (`oldSelf` is then absent). */
  optionalOldSelf?: boolean;
}

/** A CEL rule with its message: `rule('self.size() > 0', 'image must not be empty')`. */
export function rule(
  expression: string,
  message?: string,
  extra: Omit<ValidationRule, 'rule' | 'message'> = {},
): ValidationRule {
  return { rule: expression, ...(message !== undefined ? { message } : {}), ...extra };
}

/** Schema options that attach CEL rules: `Type.String({ ...validations(rule(...)) })`. */
export function validations(...rules: ValidationRule[]): { 'x-kubernetes-validations': ValidationRule[] } {
  return { 'x-kubernetes-validations': rules };
}

/** A number or a string, like a port name or a percentage (`x-kubernetes-int-or-string`). */
export function intOrString(
  options: { description?: string; default?: number | string } = {},
): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({ 'x-kubernetes-int-or-string': true, ...options });
}

/** Free-form data the API server keeps as is (`x-kubernetes-preserve-unknown-fields`). */
export function preserveUnknown(options: { description?: string } = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    ...options,
  });
}

/**
 * Schema options for how server-side apply merges a list: `atomic` (replaced whole), `set` (unique
 * scalars) or `map` (items keyed by `keys`, e.g. containers by `name`).
 */
export function listType(
  type: 'atomic' | 'set' | 'map',
  keys?: readonly string[],
): { 'x-kubernetes-list-type': string; 'x-kubernetes-list-map-keys'?: string[] } {
  return { 'x-kubernetes-list-type': type, ...(keys ? { 'x-kubernetes-list-map-keys': [...keys] } : {}) };
}

/** Schema options for how server-side apply merges a map or struct: `granular` (default) or `atomic`. */
export function mapType(type: 'granular' | 'atomic'): { 'x-kubernetes-map-type': string } {
  return { 'x-kubernetes-map-type': type };
}

export type { TSchema };
