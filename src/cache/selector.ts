/**
 * Label selectors evaluated in memory: `parseLabelSelector()` turns `app=web,tier in (a,b),!old`
 * into a predicate with the API server's semantics, so the cache answers as a LIST would.
 */

import { ErrorCode, OperonError } from '../errors.ts';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: Set<string> }
  | { op: 'exists' | 'notexists'; key: string };

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.map((t) => t.trim()).filter(Boolean);
}

function parseTerm(term: string, selector: string): Requirement {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = new Set(
      set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    );
    return { op: set[2] as 'in' | 'notin', key: set[1]!, values };
  }
  const neq = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(term);
  if (neq) return { op: 'neq', key: neq[1]!, value: neq[2]! };
  const eq = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(term);
  if (eq) return { op: 'eq', key: eq[1]!, value: eq[2]! };
  const not = /^!\s*([^\s!=(),]+)$/.exec(term);
  if (not) return { op: 'notexists', key: not[1]! };
  if (/^[^\s!=(),]+$/.test(term)) return { op: 'exists', key: term };
  throw new OperonError(
    ErrorCode.InvalidArgument,
    `Cannot parse "${term}" in label selector "${selector}". Use key=value, key!=value, key in (a,b), key notin (a,b), key or !key.`,
  );
}

/** A predicate over labels; an empty selector matches everything. */
export function parseLabelSelector(
  selector: string,
): (labels: Readonly<Record<string, string>> | undefined) => boolean {
  const requirements = splitTerms(selector).map((t) => parseTerm(t, selector));
  return (labels = {}) =>
    requirements.every((r) => {
      const has = Object.hasOwn(labels, r.key);
      const v = labels[r.key];
      switch (r.op) {
        case 'eq':
          return has && v === r.value;
        case 'neq':
          return !has || v !== r.value;
        case 'in':
          return has && r.values.has(v!);
        case 'notin':
          return !has || !r.values.has(v!);
        case 'exists':
          return has;
        case 'notexists':
          return !has;
        default:
          return false;
      }
    });
}
