import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { applyPatch, createPatch, escapePointer, type JsonValue, jsonEqual, toJson } from './json-patch.ts';

// Keys that need escaping in a JSON Pointer, and ones that look like indexes, on purpose.
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('a/b', '~0', '~1', '0', '-', '', '~', '__proto__'),
);
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.string({ maxLength: 8 }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('createPatch', () => {
  it('applying the patch to the original yields the modified document, for any two documents', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const patched = applyPatch(a, createPatch(a, b));
        assert.ok(jsonEqual(patched, b), `${JSON.stringify(patched)} != ${JSON.stringify(b)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('applying the patch to a mutated copy yields the mutated copy (the defaulting case)', () => {
    fc.assert(
      fc.property(json, json, fc.array(key, { minLength: 1, maxLength: 3 }), (a, value, path) => {
        const original = { spec: { nested: a } } as { [k: string]: JsonValue };
        const mutated = structuredClone(original) as { [k: string]: { [k: string]: JsonValue } };
        let node = mutated.spec!;
        for (const k of path.slice(0, -1)) {
          const next: { [k: string]: JsonValue } = {};
          node[k] = next;
          node = next;
        }
        node[path.at(-1)!] = value;
        assert.ok(jsonEqual(applyPatch(original, createPatch(original, mutated)), mutated));
      }),
    );
  });

  it('treats a "__proto__" key as data, as JSON.parse does', () => {
    const a = JSON.parse('{"__proto__": {"x": 1}}') as JsonValue;
    const b = JSON.parse('{"__proto__": {"x": 2}, "y": 1}') as JsonValue;
    const patched = applyPatch(a, createPatch(a, b)) as Record<string, unknown>;
    assert.ok(jsonEqual(patched as JsonValue, b));
    assert.equal(Object.getPrototypeOf(patched), Object.prototype);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it('is empty for equal documents whatever their key order', () => {
    assert.deepEqual(createPatch({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }), []);
  });

  it('escapes "~" and "/" in keys as RFC 6901 says', () => {
    assert.deepEqual(createPatch({}, { 'a/b~c': 1 }), [{ op: 'add', path: '/a~1b~0c', value: 1 }]);
    assert.equal(escapePointer('~1/'), '~01~1');
  });

  it('removes array items from the end so each index is valid when it runs', () => {
    const ops = createPatch([1, 2, 3, 4], [1]);
    assert.deepEqual(ops, [
      { op: 'remove', path: '/3' },
      { op: 'remove', path: '/2' },
      { op: 'remove', path: '/1' },
    ]);
  });

  it('replaces a value whose type changes instead of diffing into it', () => {
    assert.deepEqual(createPatch({ a: [1] }, { a: { 0: 1 } }), [
      { op: 'replace', path: '/a', value: { 0: 1 } },
    ]);
  });
});

describe('applyPatch', () => {
  it('does not change its input', () => {
    const doc = { a: [1, 2] };
    applyPatch(doc, [{ op: 'add', path: '/a/-', value: 3 }]);
    assert.deepEqual(doc, { a: [1, 2] });
  });

  it('fails a whole patch on a missing path, naming the operation', () => {
    assert.throws(
      () => applyPatch({}, [{ op: 'replace', path: '/a/b', value: 1 }]),
      /replace \/a\/b: "a" does not exist/,
    );
    assert.throws(() => applyPatch([], [{ op: 'add', path: '/5', value: 1 }]), /index 5 is out of range/);
    assert.throws(() => applyPatch({}, [{ op: 'test', path: '', value: 1 }]), /the value differs/);
  });

  it('skips what cannot apply when lenient, and applies the rest', () => {
    const out = applyPatch(
      { a: 1 },
      [
        { op: 'remove', path: '/missing' },
        { op: 'add', path: '/b', value: 2 },
      ],
      { lenient: true },
    );
    assert.deepEqual(out, { a: 1, b: 2 });
  });

  it('supports move and copy', () => {
    assert.deepEqual(
      applyPatch({ a: { x: 1 }, b: [] }, [
        { op: 'copy', from: '/a/x', path: '/b/0' },
        { op: 'move', from: '/a', path: '/c' },
      ]),
      { b: [1], c: { x: 1 } },
    );
  });
});

describe('toJson', () => {
  it('drops undefined properties and keeps null', () => {
    assert.deepEqual(toJson({ a: undefined, b: null, c: [undefined] }), { b: null, c: [null] });
  });

  it('names the path of a value JSON cannot hold', () => {
    assert.throws(
      () => toJson({ spec: { n: 1n } }, 'the defaulted object'),
      /the defaulted object at spec\.n holds a BigInt/,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => toJson(cyclic), /at self holds a cycle/);
    assert.throws(() => toJson({ x: Number.NaN }), /the number NaN/);
  });
});
