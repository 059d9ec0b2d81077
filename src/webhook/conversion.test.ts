import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Type from 'typebox';
import type { KubernetesObject } from '../client/resource.ts';
import { defineResource } from '../resource/define-resource.ts';
import { CONVERSION_ANNOTATION, type ConversionResponse } from './conversion.ts';
import { defineWebhooks } from './define-webhooks.ts';

const Port = Type.Object({ name: Type.String(), port: Type.Integer() });
const Status = Type.Object({ ready: Type.Optional(Type.Integer()) });
const App = defineResource({
  group: 'conversion-test.operon.dev',
  kind: 'App',
  versions: {
    v1alpha1: {
      spec: Type.Object({
        image: Type.String(),
        port: Type.Optional(Type.Integer()),
        replicas: Type.Optional(Type.Integer()),
      }),
      status: Status,
    },
    v1beta1: {
      spec: Type.Object({
        image: Type.String(),
        ports: Type.Array(Port),
        replicas: Type.Optional(Type.Integer()),
      }),
      status: Status,
    },
    v1: {
      storage: true,
      spec: Type.Object({
        image: Type.String(),
        ports: Type.Array(Port),
        replicas: Type.Optional(Type.Integer()),
        resources: Type.Optional(
          Type.Object({ cpu: Type.Optional(Type.String()), memory: Type.Optional(Type.String()) }),
        ),
      }),
      status: Status,
    },
  },
});

const webhooks = defineWebhooks(App, {
  conversion: {
    spokes: {
      v1alpha1: {
        toHub: ({ spec, ...rest }) => {
          const { port, ...keep } = spec;
          return { ...rest, spec: { ...keep, ports: port === undefined ? [] : [{ name: 'http', port }] } };
        },
        fromHub: ({ spec, ...rest }) => {
          const { ports, resources: _dropped, ...keep } = spec;
          const port = ports[0]?.port;
          return { ...rest, spec: { ...keep, ...(port === undefined ? {} : { port }) } };
        },
      },
      v1beta1: {
        toHub: (o) => o,
        fromHub: ({ spec, ...rest }) => {
          const { resources: _dropped, ...keep } = spec;
          return { ...rest, spec: keep };
        },
      },
    },
  },
});
const converter = webhooks.converter!;
const api = (v: string) => `conversion-test.operon.dev/${v}`;
const VERSIONS = ['v1alpha1', 'v1beta1', 'v1'] as const;

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const strip = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
const metadata = fc
  .record({
    name,
    namespace: fc.constant('default'),
    uid: fc.uuid(),
    resourceVersion: fc.integer({ min: 1 }).map(String),
    labels: opt(fc.dictionary(name, name, { maxKeys: 2 })),
    // The API server omits empty maps, so annotations are absent or non-empty.
    annotations: opt(fc.dictionary(name, fc.string(), { minKeys: 1, maxKeys: 2 })),
  })
  .map(strip);
const status = opt(fc.record({ ready: opt(fc.integer()) }).map(strip));
const ports = fc.array(fc.record({ name, port: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 3 });
const common = { image: fc.string(), replicas: opt(fc.integer({ min: 0 })) };
const object = (version: string, spec: fc.Arbitrary<object>) =>
  fc
    .record({ metadata, spec, status })
    // As the API server sends it: JSON, so plain objects.
    .map(
      (o) => JSON.parse(JSON.stringify({ apiVersion: api(version), kind: 'App', ...o })) as KubernetesObject,
    );
const arbitraries: Record<(typeof VERSIONS)[number], fc.Arbitrary<KubernetesObject>> = {
  v1alpha1: object(
    'v1alpha1',
    fc.record({ ...common, port: opt(fc.integer({ min: 1, max: 65535 })) }).map(strip),
  ),
  v1beta1: object('v1beta1', fc.record({ ...common, ports }).map(strip)),
  v1: object(
    'v1',
    fc
      .record({
        ...common,
        ports,
        resources: opt(fc.record({ cpu: opt(fc.string()), memory: opt(fc.string()) }).map(strip)),
      })
      .map(strip),
  ),
};

describe('hub-and-spoke conversion', () => {
  for (const from of VERSIONS) {
    for (const to of VERSIONS) {
      if (from === to) continue;
      it(`an object written at ${from} reads back unchanged after a trip through ${to}`, () => {
        fc.assert(
          fc.property(arbitraries[from], (o) => {
            const there = converter.convert(o, api(to));
            assert.equal(there.apiVersion, api(to));
            assert.deepEqual(there.metadata?.name, o.metadata?.name);
            assert.deepEqual(converter.convert(there, api(from)), o);
          }),
          { numRuns: 300 },
        );
      });
    }
  }

  it('round-trips through every version in turn', () => {
    fc.assert(
      fc.property(arbitraries.v1, fc.shuffledSubarray([...VERSIONS], { minLength: 3 }), (o, order) => {
        let x: KubernetesObject = o;
        for (const v of order) x = converter.convert(x, api(v));
        assert.deepEqual(converter.convert(x, api('v1')), o);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps in the annotation only what the spoke cannot hold, and no annotation when nothing is lost', () => {
    const hub = {
      apiVersion: api('v1'),
      kind: 'App',
      metadata: { name: 'a', annotations: { team: 'x' } },
      spec: { image: 'nginx', ports: [{ name: 'http', port: 80 }] },
    };
    const alpha = converter.convert(hub, api('v1alpha1')) as KubernetesObject & { spec: unknown };
    assert.deepEqual(alpha.metadata?.annotations, { team: 'x' });
    assert.deepEqual(alpha.spec, { image: 'nginx', port: 80 });
    const lossy = converter.convert(
      {
        ...hub,
        spec: { ...hub.spec, resources: { cpu: '1' }, ports: [...hub.spec.ports, { name: 'm', port: 9 }] },
      } as KubernetesObject,
      api('v1alpha1'),
    );
    assert.deepEqual(JSON.parse(lossy.metadata!.annotations![CONVERSION_ANNOTATION]!), [
      { op: 'add', path: '/spec/ports/1', value: { name: 'm', port: 9 } },
      { op: 'add', path: '/spec/resources', value: { cpu: '1' } },
    ]);
  });

  it('an edit at the spoke wins over the stored hub fields, which still come back', () => {
    const hub = {
      apiVersion: api('v1'),
      kind: 'App',
      metadata: { name: 'a' },
      spec: {
        image: 'nginx',
        ports: [
          { name: 'web', port: 80 },
          { name: 'metrics', port: 9090 },
        ],
        resources: { cpu: '1' },
      },
    };
    const alpha = converter.convert(hub, api('v1alpha1')) as KubernetesObject & { spec: { port: number } };
    alpha.spec.port = 8080;
    assert.deepEqual((converter.convert(alpha, api('v1')) as typeof hub).spec, {
      image: 'nginx',
      ports: [
        { name: 'web', port: 8080 },
        { name: 'metrics', port: 9090 },
      ],
      resources: { cpu: '1' },
    });
  });

  it('an edited annotation cannot change the apiVersion, kind or metadata of the converted object', () => {
    const alpha = {
      apiVersion: api('v1alpha1'),
      kind: 'App',
      metadata: {
        name: 'a',
        namespace: 'ns',
        uid: 'u',
        annotations: {
          [CONVERSION_ANNOTATION]: JSON.stringify([
            { op: 'add', path: '/apiVersion', value: 'other.example/v9' },
            { op: 'add', path: '/kind', value: 'Other' },
            { op: 'add', path: '/metadata', value: { name: 'b', labels: { injected: 'yes' } } },
            { op: 'add', path: '/spec/resources', value: { cpu: '1' } },
          ]),
        },
      },
      spec: { image: 'nginx', port: 80 },
    };
    const hub = converter.convert(alpha, api('v1')) as KubernetesObject & { spec: unknown };
    assert.equal(hub.apiVersion, api('v1'));
    assert.equal(hub.kind, 'App');
    assert.deepEqual(hub.metadata, { name: 'a', namespace: 'ns', uid: 'u' });
    assert.deepEqual(hub.spec, {
      image: 'nginx',
      ports: [{ name: 'http', port: 80 }],
      resources: { cpu: '1' },
    });
  });

  it('answers a ConversionReview in order, and a Failure naming the object for a bad one', async () => {
    const route = webhooks.routes().find((r) => r.kind === 'ConversionReview')!;
    assert.equal(route.path, '/convert-conversion-test-operon-dev-app');
    const signal = new AbortController().signal;
    const log = (await import('../log/logger.ts')).silentLogger;
    const objects = [
      { apiVersion: api('v1alpha1'), kind: 'App', metadata: { name: 'a' }, spec: { image: 'a', port: 1 } },
      { apiVersion: api('v1beta1'), kind: 'App', metadata: { name: 'b' }, spec: { image: 'b', ports: [] } },
    ];
    const ok = (await route.handle(
      { uid: 'u', desiredAPIVersion: api('v1'), objects },
      { signal, log },
    )) as ConversionResponse;
    assert.deepEqual(ok.result, { status: 'Success' });
    assert.deepEqual(
      ok.convertedObjects.map((o) => (o as KubernetesObject).metadata?.name),
      ['a', 'b'],
    );
    const bad = (await route.handle(
      {
        uid: 'u',
        desiredAPIVersion: api('v1'),
        objects: [objects[0], { ...objects[1], apiVersion: api('v9') }],
      },
      { signal, log },
    )) as ConversionResponse;
    assert.equal(bad.result.status, 'Failure');
    assert.match(
      (bad.result as { message: string }).message,
      /object 1: App b: apiVersion "conversion-test\.operon\.dev\/v9" is not one of/,
    );
    const corrupt = (await route.handle(
      {
        uid: 'u',
        desiredAPIVersion: api('v1'),
        objects: [{ ...objects[0], metadata: { name: 'a', annotations: { [CONVERSION_ANNOTATION]: '{' } } }],
      },
      { signal, log },
    )) as ConversionResponse;
    assert.match((corrupt.result as { message: string }).message, /annotation is not a JSON Patch/);
  });

  it('turns a throwing conversion function into a Failure, not a crash', () => {
    const broken = defineWebhooks(App, {
      conversion: {
        spokes: {
          v1alpha1: {
            toHub: () => {
              throw new Error('no port');
            },
            fromHub: (o) => ({ ...o, spec: { image: o.spec.image } }),
          },
          v1beta1: { toHub: (o) => o, fromHub: (o) => o },
        },
      },
    });
    assert.throws(
      () =>
        broken.converter!.convert(
          { apiVersion: api('v1alpha1'), kind: 'App', spec: { image: 'x' } } as KubernetesObject,
          api('v1'),
        ),
      /App v1alpha1 toHub failed: no port/,
    );
  });

  it('refuses a conversion that leaves a version out or names one that does not exist', () => {
    assert.throws(
      () =>
        defineWebhooks(App, {
          conversion: {
            spokes: {
              v1alpha1: {
                toHub: (o: KubernetesObject) => o as never,
                fromHub: (o: KubernetesObject) => o as never,
              },
            } as never,
          },
        }),
      /versions v1beta1 need toHub and fromHub/,
    );
    assert.throws(
      () =>
        defineWebhooks(App, {
          conversion: {
            spokes: {
              v1alpha1: {
                toHub: (o: KubernetesObject) => o as never,
                fromHub: (o: KubernetesObject) => o as never,
              },
              v1beta1: { toHub: (o: KubernetesObject) => o, fromHub: (o: KubernetesObject) => o },
              v2: {},
            } as never,
          },
        }),
      /v2 is not a version of it/,
    );
  });
});
