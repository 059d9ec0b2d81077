import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Type from 'typebox';
import { toStructuralSchema } from './schema.ts';

describe('structural schemas: int-or-string', () => {
  it('takes the API server OpenAPI form, anyOf [integer, string] with x-kubernetes-int-or-string', () => {
    const port = {
      description: 'Number or name of the port.',
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    };
    assert.deepEqual(toStructuralSchema(Type.Object({ port: Type.Unsafe(port) }), 'spec'), {
      type: 'object',
      required: ['port'],
      properties: {
        port: { description: 'Number or name of the port.', 'x-kubernetes-int-or-string': true },
      },
    });
  });

  it('takes the marked union in either order and nullable, as TypeBox builds it', () => {
    const marked = { 'x-kubernetes-int-or-string': true } as const;
    assert.deepEqual(
      toStructuralSchema(Type.Union([Type.String(), Type.Integer()], marked), 'spec.maxSurge'),
      {
        'x-kubernetes-int-or-string': true,
      },
    );
    assert.deepEqual(
      toStructuralSchema(Type.Union([Type.Integer(), Type.String(), Type.Null()], marked), 'spec.maxSurge'),
      { 'x-kubernetes-int-or-string': true, nullable: true },
    );
  });

  it('still rejects a union that is not int-or-string, or not marked as one', () => {
    assert.throws(
      () => toStructuralSchema(Type.Union([Type.Integer(), Type.String()]), 'spec.bare'),
      /spec\.bare: is a union of different types/,
    );
    assert.throws(
      () =>
        toStructuralSchema(
          Type.Union([Type.Integer(), Type.String({ minLength: 2 })], { 'x-kubernetes-int-or-string': true }),
          'spec.x',
        ),
      /spec\.x: is a union of different types/,
    );
    assert.throws(
      () => toStructuralSchema(Type.Union([Type.Boolean(), Type.String()]), 'spec.y'),
      /spec\.y: is a union of different types/,
    );
  });
});
