/**
 * JSON Schema (as TypeBox builds it) to a structural OpenAPI v3 schema for a CRD:
 * `toStructuralSchema()` rewrites what CRDs spell differently (nullable, enums, exclusive bounds,
 * maps) and rejects what they cannot hold, naming the field path and the fix.
 */

import { ErrorCode, OperonError } from '../errors.ts';

/** apiextensions.k8s.io/v1 JSONSchemaProps, as far as a CRD author writes it. */
export type JSONSchemaProps = { [key: string]: unknown };

export interface SchemaIssue {
  path: string;
  problem: string;
  fix: string;
}

/** Keywords copied as they are. */
const PLAIN = new Set([
  'description',
  'title',
  'default',
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'multipleOf',
  'nullable',
  'example',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
]);

/** Keywords dropped: bookkeeping of JSON Schema tools, meaningless in a CRD. */
const DROPPED = new Set(['$id', '$schema', '$comment', 'examples', 'readOnly', 'writeOnly']);

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

function typeOfValue(v: unknown): string | undefined {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return undefined;
}

/**
 * Converts a schema and checks the structural rules of CRDs (every node has a type, no unions
 * except nullable and enums, no `$ref`, maps as additionalProperties, ...). Throws
 * `OperonError(InvalidSchema)` listing every problem with its path.
 */
export function toStructuralSchema(schema: unknown, path: string): JSONSchemaProps {
  const issues: SchemaIssue[] = [];
  const out = convert(schema, path, issues);
  if (issues.length > 0) throw schemaError(issues);
  return out;
}

/** Like `toStructuralSchema`, but collects problems into `issues` instead of throwing. */
export function convertSchema(schema: unknown, path: string, issues: SchemaIssue[]): JSONSchemaProps {
  return convert(schema, path, issues);
}

export function schemaError(issues: readonly SchemaIssue[]): OperonError {
  return new OperonError(
    ErrorCode.InvalidSchema,
    `The schema cannot be a CRD's structural schema:\n${issues.map((i) => `  - ${i.path}: ${i.problem}. ${i.fix}`).join('\n')}`,
  );
}

function convert(input: unknown, path: string, issues: SchemaIssue[]): JSONSchemaProps {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    issues.push({ path, problem: 'is not a schema', fix: 'Build it with Type.Object(), Type.String(), ...' });
    return {};
  }
  const s = input as Record<string, unknown>;
  const out: JSONSchemaProps = {};

  // Unions: nullable (X | null), enums of literals; anything else is not structural.
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
    const members = (s.anyOf ?? s.oneOf) as Array<Record<string, unknown>>;
    const nonNull = members.filter((m) => m.type !== 'null');
    const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'anyOf' && k !== 'oneOf'));
    if (nonNull.length < members.length && nonNull.length === 1) {
      return { ...convert({ ...nonNull[0], ...rest }, path, issues), nullable: true };
    }
    // Kubernetes' own spelling of IntOrString in its OpenAPI v3: the two types, plain, marked
    // x-kubernetes-int-or-string (a bare union stays an error: the marker says it is meant).
    if (rest['x-kubernetes-int-or-string'] === true && isIntOrString(nonNull)) {
      const { type: _, ...untyped } = rest;
      const converted = convert({ ...untyped, 'x-kubernetes-int-or-string': true }, path, issues);
      return nonNull.length < members.length ? { ...converted, nullable: true } : converted;
    }
    if (nonNull.every((m) => 'const' in m) && nonNull.length > 0) {
      const values = nonNull.map((m) => m.const);
      const types = new Set(values.map(typeOfValue));
      if (types.size === 1 && !types.has(undefined)) {
        const converted = convert({ ...rest, type: [...types][0], enum: values }, path, issues);
        return nonNull.length < members.length ? { ...converted, nullable: true } : converted;
      }
    }
    issues.push({
      path,
      problem: 'is a union of different types, which a structural schema cannot hold',
      fix: 'Use one type, a union of literals (an enum), intOrString(), or preserveUnknown() for free-form data.',
    });
    return out;
  }

  for (const [key, value] of Object.entries(s)) {
    if (DROPPED.has(key)) continue;
    if (PLAIN.has(key)) {
      out[key] = value;
      continue;
    }
    switch (key) {
      case 'type':
        if (typeof value !== 'string' || !TYPES.has(value)) {
          issues.push({
            path,
            problem: `has type ${JSON.stringify(value)}`,
            fix: 'CRD schemas take one of object, array, string, integer, number, boolean; for null use a nullable union (Type.Union([X, Type.Null()])).',
          });
        } else out.type = value;
        break;
      case 'enum':
        if (!Array.isArray(value) || value.length === 0) {
          issues.push({ path, problem: 'has an empty enum', fix: 'List at least one value.' });
        } else out.enum = value;
        break;
      case 'const':
        out.enum = [value];
        break;
      case 'required':
        if (Array.isArray(value) && value.length > 0) out.required = value;
        break;
      case 'properties': {
        const props: Record<string, JSONSchemaProps> = {};
        for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
          props[name] = convert(child, `${path}.${name}`, issues);
        }
        out.properties = props;
        break;
      }
      case 'patternProperties': {
        const entries = Object.entries(value as Record<string, unknown>);
        const [pattern, child] = entries[0] ?? [];
        if (entries.length !== 1 || (pattern !== '^.*$' && pattern !== '^(.*)$' && pattern !== '.*')) {
          issues.push({
            path,
            problem: `has patternProperties ${Object.keys(value as object).join(', ')}`,
            fix: 'CRDs have no key patterns: use Type.Record(Type.String(), X) for a map, and a CEL rule to check keys.',
          });
        } else out.additionalProperties = convert(child, `${path}[*]`, issues);
        break;
      }
      case 'additionalProperties':
        if (value === false) break; // unknown fields are pruned anyway
        if (value === true) out['x-kubernetes-preserve-unknown-fields'] = true;
        else out.additionalProperties = convert(value, `${path}[*]`, issues);
        break;
      case 'items':
        if (Array.isArray(value)) {
          issues.push({
            path,
            problem: 'is a tuple',
            fix: 'CRDs have no tuples: use an array of one type, or an object.',
          });
        } else out.items = convert(value, `${path}[]`, issues);
        break;
      case 'exclusiveMinimum':
      case 'exclusiveMaximum': {
        // JSON Schema 2020 gives the bound; OpenAPI v3.0 wants the bound plus a flag.
        const bound = key === 'exclusiveMinimum' ? 'minimum' : 'maximum';
        if (typeof value === 'number') {
          out[bound] = value;
          out[key] = true;
        } else if (value === true) out[key] = true;
        break;
      }
      case 'uniqueItems':
        if (value === true) {
          issues.push({
            path,
            problem: 'uses uniqueItems, which CRDs forbid',
            fix: "Use listType('set') (x-kubernetes-list-type: set) instead.",
          });
        }
        break;
      case 'x-kubernetes-validations':
        out[key] = checkValidations(value, path, issues);
        break;
      case '$ref':
        issues.push({
          path,
          problem: 'uses $ref',
          fix: 'CRD schemas are self-contained: inline the referenced schema.',
        });
        break;
      case 'allOf':
      case 'not':
      case 'if':
      case 'then':
      case 'else':
        issues.push({
          path,
          problem: `uses ${key}, which this builder does not turn into a structural schema`,
          fix: 'Express the rule as a CEL validation: validations(rule("...", "message")).',
        });
        break;
      default:
        if (key.startsWith('~') || key.startsWith('[')) break; // builder bookkeeping
        issues.push({
          path,
          problem: `uses the keyword "${key}", which CRD schemas do not support`,
          fix: 'Remove it, or express it as a CEL validation.',
        });
    }
  }

  const special =
    out['x-kubernetes-int-or-string'] === true || out['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.type === undefined) {
    const fromEnum = Array.isArray(out.enum) ? new Set(out.enum.map(typeOfValue)) : undefined;
    if (fromEnum && fromEnum.size === 1 && !fromEnum.has(undefined)) out.type = [...fromEnum][0];
    else if (out.properties || out.additionalProperties) out.type = 'object';
    else if (!special) {
      issues.push({
        path,
        problem: 'has no type (Type.Any() or Type.Unknown()?)',
        fix: 'Give it a type, or use preserveUnknown() for free-form data and intOrString() for a number-or-string.',
      });
    }
  }
  if (out.properties && out.additionalProperties) {
    issues.push({
      path,
      problem: 'has both properties and additionalProperties',
      fix: 'A CRD object is either a struct (properties) or a map (additionalProperties), not both.',
    });
  }
  if (out['x-kubernetes-int-or-string'] === true && out.type !== undefined) {
    issues.push({ path, problem: 'is int-or-string but also has a type', fix: 'Use intOrString() alone.' });
  }
  const listType = out['x-kubernetes-list-type'];
  if (listType !== undefined && out.type !== 'array') {
    issues.push({ path, problem: 'has a list type but is not an array', fix: 'Put listType() on an array.' });
  }
  if (listType === 'map') {
    const keys = out['x-kubernetes-list-map-keys'];
    const itemProps = ((out.items as JSONSchemaProps | undefined)?.properties ?? {}) as Record<
      string,
      unknown
    >;
    const required = ((out.items as JSONSchemaProps | undefined)?.required ?? []) as string[];
    if (!Array.isArray(keys) || keys.length === 0) {
      issues.push({
        path,
        problem: "is a listType('map') without map keys",
        fix: "Use listType('map', ['name']).",
      });
    } else {
      for (const k of keys as string[]) {
        if (!(k in itemProps) || (!required.includes(k) && !('default' in (itemProps[k] as object)))) {
          issues.push({
            path: `${path}[].${k}`,
            problem: 'is a list map key but not a required (or defaulted) field of the items',
            fix: 'Make it a required property of the item object.',
          });
        }
      }
    }
  }
  return out;
}

/** Whether union members are one integer (or number) and one string with nothing else to check. */
function isIntOrString(members: ReadonlyArray<Record<string, unknown>>): boolean {
  if (members.length !== 2) return false;
  const plain = (m: Record<string, unknown>) =>
    Object.keys(m).every(
      (k) => k === 'type' || k === 'description' || k.startsWith('~') || k.startsWith('['),
    );
  const types = members.map((m) => m.type).sort();
  return members.every(plain) && (types.join() === 'integer,string' || types.join() === 'number,string');
}

/** How much description a CRD keeps (the size of a CRD with embedded built-in types is mostly descriptions). */
export interface DescriptionOptions {
  /**
   * Drop the descriptions of fields deeper than this (1 is `spec` and `status`, 2 their fields);
   * `kubectl explain` shows nothing for the fields below. Default: keep all.
   */
  maxDepth?: number;
  /** Cut longer descriptions to this many characters, ending in `...` (controller-gen's `maxDescLen`); 0 drops them. */
  maxLength?: number;
}

/** A copy of `schema` with descriptions dropped below `maxDepth` and cut to `maxLength`. */
export function trimDescriptions(
  schema: JSONSchemaProps,
  options: DescriptionOptions,
  depth = 0,
): JSONSchemaProps {
  const { maxDepth = Number.POSITIVE_INFINITY, maxLength = Number.POSITIVE_INFINITY } = options;
  const out: JSONSchemaProps = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' && typeof value === 'string') {
      if (depth > maxDepth || maxLength <= 0) continue;
      out.description = value.length > maxLength ? `${value.slice(0, Math.max(0, maxLength - 3))}...` : value;
    } else if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JSONSchemaProps>).map(([k, v]) => [
          k,
          trimDescriptions(v, options, depth + 1),
        ]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') {
      // An item or a map value is described at the depth of its list or map.
      out[key] = trimDescriptions(value as JSONSchemaProps, options, depth);
    } else out[key] = value;
  }
  return out;
}

function checkValidations(value: unknown, path: string, issues: SchemaIssue[]): unknown {
  if (!Array.isArray(value)) {
    issues.push({
      path,
      problem: 'has x-kubernetes-validations that is not a list',
      fix: 'Use validations(rule(...), ...).',
    });
    return value;
  }
  value.forEach((v: { rule?: unknown; message?: unknown }, i) => {
    if (typeof v?.rule !== 'string' || v.rule.trim() === '') {
      issues.push({
        path: `${path}.x-kubernetes-validations[${i}]`,
        problem: 'has no CEL rule',
        fix: 'Each validation needs a rule, e.g. rule("self.replicas <= 100", "at most 100 replicas").',
      });
    }
    if (v?.message !== undefined && (typeof v.message !== 'string' || v.message.includes('\n'))) {
      issues.push({
        path: `${path}.x-kubernetes-validations[${i}]`,
        problem: 'has a message that is not a single line',
        fix: 'Messages are one line of text.',
      });
    }
  });
  return value;
}
