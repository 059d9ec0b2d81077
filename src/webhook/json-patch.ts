/**
 * JSON Patch (RFC 6902) for admission responses: `createPatch(original, modified)` gives the
 * operations that turn one JSON document into the other; `applyPatch()` applies them (the tests
 * and the conversion's round-trip annotation use it).
 */

import { ErrorCode, OperonError } from '../errors.ts';

/** A JSON value: what survives `JSON.stringify` and `JSON.parse`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One RFC 6902 operation. Only `add`, `remove` and `replace` are produced; all six are applied. */
export type JsonPatchOperation =
  | { op: 'add'; path: string; value: JsonValue }
  | { op: 'remove'; path: string }
  | { op: 'replace'; path: string; value: JsonValue }
  | { op: 'move'; from: string; path: string }
  | { op: 'copy'; from: string; path: string }
  | { op: 'test'; path: string; value: JsonValue };

/** Escapes one reference token of a JSON Pointer (RFC 6901): `~` as `~0`, `/` as `~1`. */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

const isObject = (v: unknown): v is { [key: string]: JsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * The operations that turn `original` into `modified`, both JSON values (run them through
 * `toJson()` first). Objects are compared key by key, arrays index by index (a longer array
 * gets indexed `add`s, a shorter one `remove`s from the end), anything else is replaced.
 * Deterministic: the same inputs give the same operations.
 */
export function createPatch(original: JsonValue, modified: JsonValue): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  diff(original, modified, '', ops);
  return ops;
}

function diff(a: JsonValue, b: JsonValue, path: string, ops: JsonPatchOperation[]): void {
  if (jsonEqual(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const key of Object.keys(a)) {
      if (!Object.hasOwn(b, key)) ops.push({ op: 'remove', path: `${path}/${escapePointer(key)}` });
    }
    for (const [key, value] of Object.entries(b)) {
      const at = `${path}/${escapePointer(key)}`;
      if (!Object.hasOwn(a, key)) ops.push({ op: 'add', path: at, value });
      else diff(a[key]!, value, at, ops);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) diff(a[i]!, b[i]!, `${path}/${i}`, ops);
    for (let i = common; i < b.length; i++) ops.push({ op: 'add', path: `${path}/${i}`, value: b[i]! });
    // Remove from the end, so each index is still valid when its operation runs.
    for (let i = a.length - 1; i >= common; i--) ops.push({ op: 'remove', path: `${path}/${i}` });
    return;
  }
  ops.push({ op: 'replace', path, value: b });
}

/**
 * A JSON copy of `value`, as the API server would read it after `JSON.stringify`: `undefined`
 * properties disappear, `Date`s become strings. Throws an OperonError (InvalidArgument) for what
 * JSON cannot hold (a BigInt, a cycle, a non-finite number), naming the path.
 */
export function toJson(value: unknown, what = 'value'): JsonValue {
  const seen = new Set<unknown>();
  const walk = (v: unknown, path: string): JsonValue | undefined => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw unserialisable(what, path, `the number ${v}`);
      return v;
    }
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (typeof v === 'bigint') throw unserialisable(what, path, 'a BigInt');
    const withToJson = v as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === 'function') return walk(withToJson.toJSON(), path);
    if (seen.has(v)) throw unserialisable(what, path, 'a cycle');
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item, i) => walk(item, `${path}[${i}]`) ?? null);
      const out: { [key: string]: JsonValue } = {};
      for (const [k, item] of Object.entries(v as object)) {
        const j = walk(item, path ? `${path}.${k}` : k);
        if (j !== undefined) setOwn(out, k, j);
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, '') ?? null;
}

function unserialisable(what: string, path: string, thing: string): OperonError {
  return new OperonError(
    ErrorCode.InvalidArgument,
    `${what}${path ? ` at ${path}` : ''} holds ${thing}, which JSON cannot represent; use a string or a plain number.`,
  );
}

/** Sets an own property, even `__proto__` (which plain assignment would take as the prototype). */
function setOwn(target: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) {
    throw new OperonError(
      ErrorCode.InvalidArgument,
      `"${path}" is not a JSON Pointer: it must start with "/".`,
    );
  }
  return path.slice(1).split('/').map(unescapePointer);
}

function patchError(op: JsonPatchOperation, problem: string): OperonError {
  return new OperonError(ErrorCode.InvalidArgument, `JSON Patch ${op.op} ${op.path}: ${problem}.`);
}

function arrayIndex(parent: JsonValue[], token: string, op: JsonPatchOperation, forAdd: boolean): number {
  if (forAdd && token === '-') return parent.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw patchError(op, `"${token}" is not an array index`);
  const i = Number(token);
  if (i > parent.length || (!forAdd && i === parent.length))
    throw patchError(op, `index ${i} is out of range`);
  return i;
}

/** The parent container of `tokens` and the last token. */
function locate(doc: JsonValue, tokens: string[], op: JsonPatchOperation): [JsonValue, string] {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, op, false)]!;
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token]!;
    else throw patchError(op, `"${token}" does not exist`);
  }
  return [node, tokens[tokens.length - 1]!];
}

function get(doc: JsonValue, path: string, op: JsonPatchOperation): JsonValue {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return doc;
  const [parent, last] = locate(doc, tokens, op);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, op, false)]!;
  if (isObject(parent) && Object.hasOwn(parent, last)) return parent[last]!;
  throw patchError(op, 'the path does not exist');
}

/** Applies one operation to `doc` in place where it can; returns the new document (a root change replaces it). */
function applyOne(doc: JsonValue, op: JsonPatchOperation): JsonValue {
  const put = (d: JsonValue, path: string, value: JsonValue, replace: boolean): JsonValue => {
    const tokens = parsePointer(path);
    if (tokens.length === 0) return value;
    const [parent, last] = locate(d, tokens, op);
    if (Array.isArray(parent)) {
      const i = arrayIndex(parent, last, op, !replace);
      if (replace) parent[i] = value;
      else parent.splice(i, 0, value);
    } else if (isObject(parent)) {
      if (replace && !Object.hasOwn(parent, last)) throw patchError(op, 'the path does not exist');
      setOwn(parent, last, value);
    } else throw patchError(op, 'the parent is not an object or array');
    return d;
  };
  const remove = (d: JsonValue, path: string): JsonValue => {
    const tokens = parsePointer(path);
    if (tokens.length === 0) throw patchError(op, 'cannot remove the whole document');
    const [parent, last] = locate(d, tokens, op);
    if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, op, false), 1);
    else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
    else throw patchError(op, 'the path does not exist');
    return d;
  };
  switch (op.op) {
    case 'add':
      return put(doc, op.path, structuredClone(op.value), false);
    case 'replace':
      return put(doc, op.path, structuredClone(op.value), true);
    case 'remove':
      return remove(doc, op.path);
    case 'copy':
      return put(doc, op.path, structuredClone(get(doc, op.from, op)), false);
    case 'move': {
      if (op.path.startsWith(`${op.from}/`)) throw patchError(op, 'cannot move a value into itself');
      const value = get(doc, op.from, op);
      return put(remove(doc, op.from), op.path, value, false);
    }
    case 'test':
      if (!jsonEqual(get(doc, op.path, op), op.value)) throw patchError(op, 'the value differs');
      return doc;
    default:
      throw new OperonError(
        ErrorCode.InvalidArgument,
        `JSON Patch: unknown op "${(op as { op: unknown }).op}"; use add, remove, replace, move, copy or test.`,
      );
  }
}

export interface ApplyPatchOptions {
  /**
   * Skip an operation that cannot apply (a missing parent, an index out of range) instead of
   * failing the whole patch. Default false: RFC 6902 says a patch applies entirely or not at all.
   */
  lenient?: boolean;
}

/** Applies `ops` to a copy of `doc` and returns it; `doc` is not changed. */
export function applyPatch(
  doc: JsonValue,
  ops: readonly JsonPatchOperation[],
  options: ApplyPatchOptions = {},
): JsonValue {
  let out = structuredClone(doc);
  for (const op of ops) {
    if (!options.lenient) {
      out = applyOne(out, op);
      continue;
    }
    // Apply to a copy so that a failing operation leaves nothing half done.
    try {
      out = applyOne(structuredClone(out), op);
    } catch {
      // Lenient: the operation does not fit this document; skip it.
    }
  }
  return out;
}
