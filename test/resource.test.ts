import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Client, createClient, isInvalid, loadKubeconfig } from 'operon/client';
import {
  defineResource,
  intOrString,
  listType,
  type ObjectType,
  preserveUnknown,
  rule,
  Type,
  validations,
} from 'operon/resource';
import { type ControlPlane, useControlPlane } from 'operon/testing';

const exec = promisify(execFile);

const Gizmo = defineResource({
  group: 'resource-test.operon.dev',
  kind: 'Gizmo',
  shortNames: ['gz'],
  categories: ['operon-test'],
  description: 'A Gizmo is a thing the tests define.',
  versions: {
    v1: {
      spec: Type.Object({
        image: Type.String({
          description: 'The container image to run.',
          ...validations(rule('self.size() > 0', 'image must not be empty')),
        }),
        replicas: Type.Integer({ minimum: 0, maximum: 100, default: 1, description: 'How many copies.' }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
        mode: Type.Optional(
          Type.Union([Type.Literal('Recreate'), Type.Literal('RollingUpdate')], { default: 'RollingUpdate' }),
        ),
        name: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 20 })),
        maxSurge: Type.Optional(intOrString()),
        env: Type.Optional(
          Type.Array(Type.Object({ name: Type.String(), value: Type.Optional(Type.String()) }), {
            ...listType('map', ['name']),
            maxItems: 3,
          }),
        ),
        tags: Type.Optional(Type.Array(Type.String(), listType('set'))),
        ratio: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
        extra: Type.Optional(preserveUnknown()),
        note: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      }),
      status: Type.Object({
        readyReplicas: Type.Optional(Type.Integer()),
        selector: Type.Optional(Type.String()),
      }),
      validations: [
        rule('self.spec.replicas == 0 || self.spec.port != 22', 'port 22 is reserved when running', {
          fieldPath: '.spec.port',
        }),
      ],
      subresources: {
        scale: {
          specReplicasPath: '.spec.replicas',
          statusReplicasPath: '.status.readyReplicas',
          labelSelectorPath: '.status.selector',
        },
      },
      printerColumns: [
        { name: 'Image', type: 'string', jsonPath: '.spec.image' },
        { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
      selectableFields: ['.spec.image'],
    },
  },
});
type Gizmo = ObjectType<typeof Gizmo>;

let plane: ControlPlane;
let client: Client;
/** kubectl from PATH. Tests that drive it skip, printing why, when there is none (README, Requirements). */
const kubectl = process.env.PATH?.split(delimiter)
  .map((dir) => join(dir, 'kubectl'))
  .find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const NO_KUBECTL = 'kubectl is not on PATH; install it to run the kubectl tests (README, Requirements)';

before(async () => {
  plane = await useControlPlane({ crds: [Gizmo.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

describe('a resource defined with defineResource', () => {
  it('is accepted as a CRD, and the server applies its defaults', async () => {
    await using ns = await plane.createNamespace('gizmo');
    const created = await client.create(Gizmo, {
      metadata: { name: 'g', namespace: ns.name },
      spec: { image: 'nginx' } as Gizmo['spec'],
    });
    assert.equal(created.spec.replicas, 1);
    assert.equal(created.spec.port, 8080);
    assert.equal(created.spec.mode, 'RollingUpdate');
    assert.equal(created.apiVersion, 'resource-test.operon.dev/v1');
  });

  it('rejects invalid objects with the schema or CEL message (a table of invalid inputs)', async () => {
    await using ns = await plane.createNamespace('invalid');
    const base = { image: 'nginx', replicas: 1, port: 8080 };
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['empty image (CEL)', { ...base, image: '' }, /image must not be empty/],
      ['missing image', { replicas: 1, port: 80 }, /spec\.image: Required value/],
      ['too many replicas', { ...base, replicas: 101 }, /spec\.replicas.*less than or equal to 100/],
      ['negative replicas', { ...base, replicas: -1 }, /spec\.replicas.*greater than or equal to 0/],
      ['port out of range', { ...base, port: 70000 }, /spec\.port.*less than or equal to 65535/],
      ['port 22 while running (root CEL)', { ...base, port: 22 }, /port 22 is reserved when running/],
      ['unknown mode', { ...base, mode: 'BlueGreen' }, /spec\.mode.*Unsupported value: "BlueGreen"/],
      ['bad name pattern', { ...base, name: 'Bad_Name' }, /spec\.name.*should match/],
      ['name too long', { ...base, name: 'a'.repeat(21) }, /spec\.name.*Too long/],
      [
        'duplicate env key',
        { ...base, env: [{ name: 'A' }, { name: 'A' }] },
        /spec\.env\[1\].*Duplicate value/,
      ],
      [
        'too many env vars',
        { ...base, env: [{ name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }] },
        /spec\.env.*must have at most 3 items/,
      ],
      ['duplicate set item', { ...base, tags: ['x', 'x'] }, /spec\.tags\[1\].*Duplicate value/],
      ['ratio at the exclusive bound', { ...base, ratio: 1 }, /spec\.ratio.*less than 1/],
      ['wrong type', { ...base, replicas: 'three' }, /spec\.replicas.*Invalid value: "string"/],
    ];
    const failures: string[] = [];
    for (const [what, spec, message] of cases) {
      try {
        await client.create(Gizmo, { metadata: { name: 'bad', namespace: ns.name }, spec } as Gizmo);
        failures.push(`${what}: accepted`);
      } catch (err) {
        if (!isInvalid(err) || !message.test((err as Error).message))
          failures.push(`${what}: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
    // What the schema allows is accepted.
    await client.create(Gizmo, {
      metadata: { name: 'good', namespace: ns.name },
      spec: {
        ...base,
        maxSurge: '25%',
        extra: { anything: { goes: [1] } },
        note: null,
        env: [{ name: 'A' }],
      } as Gizmo['spec'],
    });
    const good = await client.get(Gizmo, 'good', { namespace: ns.name });
    assert.deepEqual(
      good.spec.extra,
      { anything: { goes: [1] } },
      'preserve-unknown-fields keeps free-form data',
    );
  });

  it('shows descriptions in kubectl explain and printer columns in kubectl get, and scales through kubectl', {
    skip: !kubectl && NO_KUBECTL,
  }, async () => {
    await using ns = await plane.createNamespace('kubectl');
    await client.create(Gizmo, {
      metadata: { name: 'shown', namespace: ns.name },
      spec: { image: 'busybox:1.36', replicas: 2, port: 80 },
    });
    const k = (...args: string[]) => exec(kubectl!, ['--kubeconfig', plane.kubeconfig.path, ...args]);
    const explain = await k('explain', 'gizmos.spec.image');
    assert.match(explain.stdout, /The container image to run\./);
    const explainKind = await k('explain', 'gizmos');
    assert.match(explainKind.stdout, /A Gizmo is a thing the tests define\./);
    const get = await k('get', 'gz', '-n', ns.name);
    assert.match(get.stdout, /NAME\s+IMAGE\s+DESIRED\s+AGE/);
    assert.match(get.stdout, /shown\s+busybox:1\.36\s+2\s+/);
    await k('scale', `gizmo/shown`, '-n', ns.name, '--replicas=5');
    assert.equal((await client.get(Gizmo, 'shown', { namespace: ns.name })).spec.replicas, 5);
    const selected = await k(
      'get',
      'gizmos',
      '-n',
      ns.name,
      '--field-selector',
      'spec.image=busybox:1.36',
      '-o',
      'name',
    );
    assert.equal(selected.stdout.trim(), 'gizmo.resource-test.operon.dev/shown');
  });
});

describe('defineResource input checks', () => {
  const spec = Type.Object({ a: Type.String() });

  it('names the path and the fix for a non-structural schema', () => {
    assert.throws(
      () =>
        defineResource({
          group: 'x.operon.dev',
          kind: 'Thing',
          versions: {
            v1: {
              spec: Type.Object({
                free: Type.Any(),
                either: Type.Union([Type.String(), Type.Integer()]),
                unique: Type.Array(Type.String(), { uniqueItems: true }),
              }),
            },
          },
        }),
      (err: Error & { code?: string }) =>
        err.code === 'OPERON_INVALID_SCHEMA' &&
        /Thing\.versions\.v1\.spec\.free: has no type.*preserveUnknown\(\)/.test(err.message) &&
        /Thing\.versions\.v1\.spec\.either: is a union of different types.*intOrString\(\)/.test(
          err.message,
        ) &&
        /Thing\.versions\.v1\.spec\.unique: uses uniqueItems.*listType\('set'\)/.test(err.message),
    );
  });

  it('rejects an invalid group, kind, plural or version name, naming each', () => {
    assert.throws(
      () =>
        defineResource({ group: 'nodot', kind: 'thing', plural: 'Things', versions: { version1: { spec } } }),
      (err: Error) =>
        /group: "nodot" is not a DNS subdomain/.test(err.message) &&
        /kind: "thing" is not a PascalCase kind/.test(err.message) &&
        /plural: "Things" is not a lower-case DNS label/.test(err.message) &&
        /versions\.version1: "version1" is not a Kubernetes version name/.test(err.message),
    );
  });

  it('needs exactly one storage version when there are several', () => {
    assert.throws(
      () =>
        defineResource({ group: 'x.operon.dev', kind: 'Thing', versions: { v1: { spec }, v2: { spec } } }),
      /no version is marked storage.*storage: true/,
    );
  });

  it('rejects a list map without keys, and an unsupported keyword', () => {
    assert.throws(
      () =>
        defineResource({
          group: 'x.operon.dev',
          kind: 'Thing',
          versions: {
            v1: {
              spec: Type.Object({
                items: Type.Array(Type.Object({ id: Type.String() }), listType('map')),
                tuple: Type.Tuple([Type.String(), Type.Integer()]),
              }),
            },
          },
        }),
      (err: Error) =>
        /spec\.items: is a listType\('map'\) without map keys/.test(err.message) &&
        /spec\.tuple/.test(err.message),
    );
  });

  it('gives the same CRD for the same input', () => {
    assert.equal(JSON.stringify(Gizmo.crd()), JSON.stringify(Gizmo.crd()));
    assert.equal(Gizmo.crd().metadata.name, 'gizmos.resource-test.operon.dev');
    assert.deepEqual(Gizmo.subresources, ['status', 'scale']);
  });
});
