/**
 * Schema pieces Kubernetes has and JSON Schema lacks, for use with TypeBox's `Type`:
 * `intOrString()`, `preserveUnknown()`, `listType()`, `mapType()` and CEL rules with `validations()`,
 * and the status conditions every operator keeps: `Condition` and `conditions()`.
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

/**
 * One status condition: Kubernetes' `metav1.Condition`, with the validations its CRDs carry
 * (the type a qualified name, the status `True`, `False` or `Unknown`, a CamelCase reason, length
 * limits), so that what `setCondition()` writes is what the API server accepts and `kubectl
 * explain` describes each field.
 */
export const Condition = Type.Object(
  {
    type: Type.String({
      description: 'The condition in CamelCase or foo.example.com/CamelCase, e.g. Ready or Available.',
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')], {
      description: 'True, False or Unknown.',
    }),
    observedGeneration: Type.Optional(
      Type.Integer({
        minimum: 0,
        format: 'int64',
        description: 'The .metadata.generation the condition was set from.',
      }),
    ),
    lastTransitionTime: Type.String({
      format: 'date-time',
      description: 'When the status last changed.',
    }),
    reason: Type.String({
      description: 'Why the status last changed: a CamelCase identifier, never empty.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({
      description: 'Details for people; may be empty.',
      maxLength: 32768,
    }),
  },
  { description: 'One aspect of the current state of the object (metav1.Condition).' },
);

/**
 * `status.conditions`: a list of `Condition`s keyed by `type`, as the API conventions ask (a map
 * list, so server-side apply merges each condition by its type). Wrap it in `Type.Optional`.
 */
export function conditions(description = "The latest observations of the object's state.") {
  return Type.Array(Condition, { ...listType('map', ['type']), description });
}

export type { TSchema };
