import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { digestOf, jsonEqual } from './status.ts';

/**
 * The canonical JSON applyOwned's digest and jsonEqual used before their keys were sorted in
 * place: a sorted copy through `keys.sort()`, then one `JSON.stringify`, hashed with createHash.
 */
function referenceSorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(referenceSorted);
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(record).sort()) {
    Object.defineProperty(copy, k, { value: referenceSorted(record[k]), enumerable: true, writable: true });
  }
  return copy;
}
const referenceText = (value: unknown) => JSON.stringify(referenceSorted(value));
const referenceDigest = (value: unknown) =>
  createHash('sha256').update(referenceText(value)).digest('base64url');

/** Keys that sort in surprising ways: integer-like ones (which objects list first), case, non-ASCII, `__proto__`. */
const key = fc.oneof(
  fc.constantFrom('__proto__', '10', '9', '0', 'a', 'B', 'b', 'é', '', 'ownerReferences', 'apiVersion'),
  fc.string({ maxLength: 6 }),
);
/** JSON values whose objects have their keys in random order, some with more than 16 keys. */
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1.5, 1e21, 'x', '"quoted"\n', '\u2028'),
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.array(tie('json'), { maxLength: 5 }),
    fc
      .array(fc.tuple(key, tie('json')), { maxLength: 24 })
      .map((entries) => Object.fromEntries(entries) as unknown),
  ),
}));

/** The same value with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(reversed);
  const entries = Object.entries(value as Record<string, unknown>).reverse();
  return Object.fromEntries(entries.map(([k, v]) => [k, reversed(v)]));
}

describe('canonical JSON of applyOwned and updateStatus', () => {
  it('gives the digest the sorted-copy reference gives, on random JSON', () => {
    fc.assert(
      fc.property(json, (value) => {
        assert.equal(digestOf(value), referenceDigest(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('compares as the reference does: equal whatever the key order, unequal when the texts differ', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        assert.equal(jsonEqual(a, reversed(a)), true);
        assert.equal(jsonEqual(a, b), referenceText(a) === referenceText(b));
      }),
      { numRuns: 2000 },
    );
  });
});
