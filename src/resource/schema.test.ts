import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Type from 'typebox';
import * as k8s from './builtin-schemas.ts';
import { defineResource } from './define-resource.ts';
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

describe('CRD size: descriptions', () => {
  const define = (descriptions?: { maxDepth?: number; maxLength?: number }) =>
    defineResource({
      group: 'x.operon.dev',
      kind: 'Backup',
      ...(descriptions ? { descriptions } : {}),
      versions: { v1: { spec: Type.Object({ jobTemplate: k8s.JobTemplateSpec }) } },
    });
  interface Node {
    description?: string;
    properties: Record<string, Node>;
  }
  const specOf = (r: ReturnType<typeof define>) =>
    (r.crd().spec.versions[0] as unknown as { schema: { openAPIV3Schema: Node } }).schema.openAPIV3Schema
      .properties.spec!;

  it('drops descriptions below maxDepth and keeps those above, shrinking the CRD', () => {
    const full = define();
    const trimmed = define({ maxDepth: 3 });
    const jobSpec = (s: Node) => s.properties.jobTemplate!.properties.spec!;
    const podSpec = (s: Node) => jobSpec(s).properties.template!.properties.spec!;
    assert.match(
      jobSpec(specOf(trimmed)).description ?? '',
      /desired behavior of the job/,
      'depth 3 keeps it',
    );
    assert.equal(jobSpec(specOf(trimmed)).properties.template!.description, undefined, 'depth 4 has none');
    assert.ok(
      JSON.stringify(trimmed.crd()).length * 4 < JSON.stringify(full.crd()).length,
      'most of the CRD was descriptions',
    );
    assert.deepEqual(
      Object.keys(podSpec(specOf(trimmed)).properties),
      Object.keys(podSpec(specOf(full)).properties),
      'no field was lost',
    );
  });

  it('cuts descriptions to maxLength, and 0 drops them all', () => {
    const cut = JSON.stringify(define({ maxLength: 40 }).crd());
    const lengths = [...cut.matchAll(/"description":"((?:[^"\\]|\\.)*)"/g)].map(
      (m) => JSON.parse(`"${m[1]}"`).length,
    );
    assert.ok(lengths.length > 10 && lengths.every((n) => n <= 40));
    assert.doesNotMatch(JSON.stringify(define({ maxLength: 0 }).crd()), /"description"/);
  });
});
