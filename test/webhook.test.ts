import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Client, createClient, loadKubeconfig, ValidatingWebhookConfiguration } from 'operon/client';
import { Action, controller } from 'operon/controller';
import { generateFiles, webhookManifests } from 'operon/generate';
import { defineOperator } from 'operon/manager';
import { defineResource, Type } from 'operon/resource';
import {
  type ControlPlane,
  eventually,
  type RunningWebhooks,
  runWebhooks,
  useControlPlane,
} from 'operon/testing';
import { Admission, CONVERSION_ANNOTATION, defineWebhooks } from 'operon/webhook';

const exec = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';
/** cert-manager's own Certificate and Issuer CRDs (v1.21.1; see the README beside them). */
const CERT_MANAGER_CRDS = ['cert-manager.io_certificates.yaml', 'cert-manager.io_issuers.yaml'].map((f) =>
  fileURLToPath(new URL(`./fixtures/cert-manager/${f}`, import.meta.url)),
);

const Port = Type.Object({ name: Type.String(), port: Type.Integer({ minimum: 1, maximum: 65535 }) });
const Widget = defineResource({
  group: 'webhook-test.operon.dev',
  kind: 'Widget',
  versions: {
    v1alpha1: {
      spec: Type.Object({
        image: Type.String(),
        port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        replicas: Type.Optional(Type.Integer()),
      }),
    },
    v1: {
      storage: true,
      spec: Type.Object({
        image: Type.String(),
        ports: Type.Optional(Type.Array(Port)),
        replicas: Type.Optional(Type.Integer()),
        memory: Type.Optional(Type.String()),
      }),
    },
  },
});

/** What each handler was told about dryRun, by `namespace/name`. */
const dryRunSeen = { validate: new Map<string, boolean>(), default: new Map<string, boolean>() };
const key = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace}/${o.metadata?.name}`;

const widgetHooks = defineWebhooks(Widget, {
  validate: (w, ctx) => {
    dryRunSeen.validate.set(key(w), ctx.dryRun);
    if (w.spec.image.startsWith('evil.example/')) {
      return Admission.deny(`images from evil.example are not allowed (asked by ${ctx.userInfo.username})`, {
        field: 'spec.image',
      });
    }
    if (
      ctx.operation === 'UPDATE' &&
      ctx.oldObject &&
      ctx.oldObject.spec.image !== w.spec.image &&
      w.spec.image === 'frozen'
    ) {
      return Admission.deny('an image cannot become "frozen" in an update');
    }
    return Admission.allow(w.spec.replicas === 0 ? ['replicas is 0: nothing will run'] : []);
  },
  default: (w, ctx) => {
    dryRunSeen.default.set(key(w), ctx.dryRun);
    w.spec.replicas ??= 1;
    w.spec.memory ??= '128Mi';
    return w;
  },
  conversion: {
    spokes: {
      v1alpha1: {
        toHub: ({ spec: { port, ...spec }, ...rest }) => ({
          ...rest,
          spec: { ...spec, ...(port === undefined ? {} : { ports: [{ name: 'http', port }] }) },
        }),
        fromHub: ({ spec: { ports, memory: _m, ...spec }, ...rest }) => {
          const port = ports?.[0]?.port;
          return { ...rest, spec: { ...spec, ...(port === undefined ? {} : { port }) } };
        },
      },
    },
  },
});

const Gadget = defineResource({
  group: 'webhook-test.operon.dev',
  kind: 'Gadget',
  versions: { v1: { spec: Type.Object({ image: Type.String() }) } },
});
const gadgetHooks = defineWebhooks(Gadget, { validate: () => Admission.deny('gadgets are never allowed') });

// A kind whose generated webhook configuration is installed as generated (Service mode, no Service).
const Cog = defineResource({
  group: 'webhook-namespace-test.operon.dev',
  kind: 'Cog',
  versions: { v1: { spec: Type.Object({ size: Type.Integer() }) } },
});

let plane: ControlPlane;
let client: Client;
let hooks: RunningWebhooks;

before(async () => {
  plane = await useControlPlane({ crds: [Widget.crd(), Gadget.crd(), Cog.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
  hooks = await runWebhooks(plane, [widgetHooks]);
});
after(async () => {
  await hooks?.stop();
  await client?.close();
  await plane?.stop();
});

const kubectl = (...args: string[]) =>
  exec(KUBECTL, ['--kubeconfig', plane.kubeconfig.path, ...args], { encoding: 'utf8' });

describe('admission webhooks on the real API server', () => {
  it('a denied create shows the handler message, through the client and through kubectl', async () => {
    await using ns = await plane.createNamespace('deny');
    await assert.rejects(
      client.create(Widget, {
        metadata: { name: 'w', namespace: ns.name },
        spec: { image: 'evil.example/x' },
      }),
      /admission webhook "validate\.widgets\.webhook-test\.operon\.dev" denied the request: spec\.image: images from evil\.example are not allowed \(asked by operon-admin\)/,
    );
    const manifest = JSON.stringify({
      apiVersion: 'webhook-test.operon.dev/v1',
      kind: 'Widget',
      metadata: { name: 'k', namespace: ns.name },
      spec: { image: 'evil.example/y' },
    });
    const run = exec(KUBECTL, ['--kubeconfig', plane.kubeconfig.path, 'create', '-f', '-'], {
      encoding: 'utf8',
    });
    run.child.stdin!.end(manifest);
    await assert.rejects(run, (err: { stderr?: string }) => {
      assert.match(
        err.stderr ?? '',
        /denied the request: spec\.image: images from evil\.example are not allowed/,
      );
      return true;
    });
    await assert.rejects(client.get(Widget, 'w', { namespace: ns.name }), /NotFound|not found/);
  });

  it('sees the old object on update', async () => {
    await using ns = await plane.createNamespace('update');
    const w = await client.create(Widget, {
      metadata: { name: 'w', namespace: ns.name },
      spec: { image: 'nginx' },
    });
    await assert.rejects(
      client.replace(Widget, { ...w, spec: { ...w.spec, image: 'frozen' } }),
      /an image cannot become "frozen" in an update/,
    );
  });

  it('applies defaulting, visible on the stored object', async () => {
    await using ns = await plane.createNamespace('default');
    const created = await client.create(Widget, {
      metadata: { name: 'w', namespace: ns.name },
      spec: { image: 'nginx', memory: '1Gi' },
    });
    assert.equal(created.spec.replicas, 1);
    assert.equal(created.spec.memory, '1Gi', 'a set field is not overwritten');
    const read = await client.get(Widget, 'w', { namespace: ns.name });
    assert.deepEqual(read.spec, { image: 'nginx', memory: '1Gi', replicas: 1 });
    const { stdout } = await kubectl(
      'get',
      'widgets.v1.webhook-test.operon.dev',
      'w',
      '-n',
      ns.name,
      '-o',
      'jsonpath={.spec.replicas}',
    );
    assert.equal(stdout, '1');
  });

  it('passes warnings to the client', async () => {
    await using ns = await plane.createNamespace('warn');
    const manifest = JSON.stringify({
      apiVersion: 'webhook-test.operon.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: ns.name },
      spec: { image: 'nginx', replicas: 0 },
    });
    const run = exec(KUBECTL, ['--kubeconfig', plane.kubeconfig.path, 'create', '-f', '-'], {
      encoding: 'utf8',
    });
    run.child.stdin!.end(manifest);
    const { stderr } = await run;
    assert.match(stderr, /Warning: replicas is 0: nothing will run/);
  });
});

describe('the admission context', () => {
  it('tells both handlers that a kubectl --dry-run=server create is a dry run, and that a real create is not', async () => {
    await using ns = await plane.createNamespace('dry-run');
    const manifest = (name: string) =>
      JSON.stringify({
        apiVersion: 'webhook-test.operon.dev/v1',
        kind: 'Widget',
        metadata: { name, namespace: ns.name },
        spec: { image: 'nginx' },
      });
    const run = exec(
      KUBECTL,
      ['--kubeconfig', plane.kubeconfig.path, 'create', '--dry-run=server', '-f', '-'],
      {
        encoding: 'utf8',
      },
    );
    run.child.stdin!.end(manifest('dry'));
    assert.match((await run).stdout, /widget\.webhook-test\.operon\.dev\/dry created \(server dry run\)/);
    assert.equal(dryRunSeen.validate.get(`${ns.name}/dry`), true, 'validate saw dryRun');
    assert.equal(dryRunSeen.default.get(`${ns.name}/dry`), true, 'default saw dryRun');
    await assert.rejects(client.get(Widget, 'dry', { namespace: ns.name }), /NotFound|not found/);

    await client.create(Widget, { metadata: { name: 'wet', namespace: ns.name }, spec: { image: 'nginx' } });
    assert.equal(dryRunSeen.validate.get(`${ns.name}/wet`), false);
    assert.equal(dryRunSeen.default.get(`${ns.name}/wet`), false);
  });
});

describe('timeoutSeconds', () => {
  it('defineWebhooks accepts exactly the whole numbers the API server accepts, 1 to 30', async () => {
    const asked = [-1, 0, 1, 10, 30, 31, 2.5];
    const ours = asked.map((timeoutSeconds) => {
      try {
        const hooks = defineWebhooks(Gadget, {
          validate: () => Admission.allow(),
          validateOptions: { timeoutSeconds },
          default: () => undefined,
          defaultOptions: { timeoutSeconds },
        });
        assert.equal(hooks.validating!.timeoutSeconds, timeoutSeconds);
        assert.equal(hooks.mutating!.timeoutSeconds, timeoutSeconds);
        return true;
      } catch (err) {
        assert.match((err as Error).message, /timeoutSeconds must be a whole number from 1 to 30/);
        return false;
      }
    });
    assert.deepEqual(ours, [false, false, true, true, true, false, false]);
    // The same values in a configuration the API server validates (dry run: nothing is installed).
    const theirs = await Promise.all(
      asked.map((timeoutSeconds) =>
        client
          .create(
            ValidatingWebhookConfiguration,
            {
              metadata: { name: 'timeout-range-probe' },
              webhooks: [
                {
                  name: 'validate.gadgets.webhook-test.operon.dev',
                  clientConfig: { url: 'https://127.0.0.1:1/validate' },
                  rules: [
                    {
                      apiGroups: [Gadget.group],
                      apiVersions: ['v1'],
                      operations: ['CREATE'],
                      resources: [Gadget.plural],
                    },
                  ],
                  admissionReviewVersions: ['v1'],
                  sideEffects: 'None',
                  timeoutSeconds,
                },
              ],
            },
            { dryRun: true },
          )
          .then(
            () => true,
            () => false,
          ),
      ),
    );
    assert.deepEqual(theirs, ours);
  });
});

describe('conversion webhook on the real API server', () => {
  const alpha = Widget.versions.v1alpha1;

  it('an object written at v1alpha1 reads back unchanged at v1alpha1, and converted at v1', async () => {
    await using ns = await plane.createNamespace('conv-alpha');
    await client.create(alpha, {
      metadata: { name: 'a', namespace: ns.name },
      spec: { image: 'nginx', port: 8080 },
    });
    const asAlpha = await client.get(alpha, 'a', { namespace: ns.name });
    assert.equal(asAlpha.apiVersion, 'webhook-test.operon.dev/v1alpha1');
    // Defaulting ran at the hub: memory is a hub-only field, so it rides in the annotation.
    assert.deepEqual(asAlpha.spec, { image: 'nginx', port: 8080, replicas: 1 });
    const asHub = await client.get(Widget, 'a', { namespace: ns.name });
    assert.deepEqual(asHub.spec, {
      image: 'nginx',
      ports: [{ name: 'http', port: 8080 }],
      replicas: 1,
      memory: '128Mi',
    });
    assert.equal(
      asHub.metadata?.annotations?.[CONVERSION_ANNOTATION],
      undefined,
      'the hub never stores the annotation',
    );
  });

  it('an object written at v1 survives a read-modify-write at v1alpha1 with nothing lost', async () => {
    await using ns = await plane.createNamespace('conv-hub');
    const spec = {
      image: 'nginx',
      ports: [
        { name: 'web', port: 80 },
        { name: 'metrics', port: 9090 },
      ],
      replicas: 2,
      memory: '2Gi',
    };
    await client.create(Widget, { metadata: { name: 'h', namespace: ns.name }, spec });
    const old = await client.get(alpha, 'h', { namespace: ns.name });
    assert.deepEqual(old.spec, { image: 'nginx', port: 80, replicas: 2 });
    assert.ok(old.metadata?.annotations?.[CONVERSION_ANNOTATION], 'what v1alpha1 cannot hold is kept');
    // An old client writes back what it read, changing only a field it knows.
    await client.replace(alpha, { ...old, spec: { ...old.spec, replicas: 3 } });
    const back = await client.get(Widget, 'h', { namespace: ns.name });
    assert.deepEqual(back.spec, { ...spec, replicas: 3 });
    // Both versions list it through kubectl.
    for (const v of ['v1alpha1', 'v1']) {
      const { stdout } = await kubectl(
        'get',
        `widgets.${v}.webhook-test.operon.dev`,
        '-n',
        ns.name,
        '-o',
        'name',
      );
      assert.match(stdout, /widget\.webhook-test\.operon\.dev\/h/);
    }
  });
});

describe('a webhook that is down', () => {
  it('rejects the request with failurePolicy Fail, and admits it with Ignore', async () => {
    await using ns = await plane.createNamespace('down');
    const failing = await runWebhooks(plane, [gadgetHooks]);
    try {
      await assert.rejects(
        client.create(Gadget, { metadata: { name: 'up', namespace: ns.name }, spec: { image: 'x' } }),
        /gadgets are never allowed/,
      );
      await failing.pause();
      await assert.rejects(
        client.create(Gadget, { metadata: { name: 'g1', namespace: ns.name }, spec: { image: 'x' } }),
        /failed calling webhook "validate\.gadgets\.webhook-test\.operon\.dev"/,
      );
    } finally {
      await failing.stop();
    }
    const ignoring = await runWebhooks(plane, [gadgetHooks], { failurePolicy: 'Ignore' });
    try {
      await ignoring.pause();
      const created = await client.create(Gadget, {
        metadata: { name: 'g2', namespace: ns.name },
        spec: { image: 'x' },
      });
      assert.equal(created.metadata?.name, 'g2');
    } finally {
      await ignoring.stop();
    }
    // Stopping removes the configurations, so nothing is left to fail later requests.
    const gone = await plane.connection.request(
      'GET',
      `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${ignoring.configurationName}`,
    );
    assert.equal(gone.status, 404);
    await client.create(Gadget, { metadata: { name: 'g3', namespace: ns.name }, spec: { image: 'x' } });
  });
});

describe('generated webhook manifests', () => {
  // Not installed by this file, so a dry-run apply sees only what is generated.
  const Sprocket = defineResource({
    group: 'webhook-manifests-test.operon.dev',
    kind: 'Sprocket',
    versions: {
      v1alpha1: { spec: Type.Object({ size: Type.Integer() }) },
      v1: { storage: true, spec: Type.Object({ size: Type.Integer() }) },
    },
  });
  // A namespace of its own per run: a previous run's may still be terminating.
  const namespace = `widget-operator-${Math.random().toString(36).slice(2, 8)}`;
  const operator = defineOperator({
    name: 'widget-operator',
    namespace,
    image: 'registry.example.com/widget-operator:1.0.0',
    resources: [Sprocket],
    controllers: [controller({ name: 'sprockets', for: Sprocket, reconcile: async () => Action.done() })],
    webhooks: [
      defineWebhooks(Sprocket, {
        validate: () => Admission.allow(),
        default: () => undefined,
        conversion: { spokes: { v1alpha1: { toHub: (o) => o, fromHub: (o) => o } } },
      }),
    ],
  });

  it('exclude the operator namespace, default to Fail and scope RBAC by name', () => {
    const docs = webhookManifests(operator);
    const vwc = docs.find((d) => d.kind === 'ValidatingWebhookConfiguration') as {
      webhooks: Array<Record<string, unknown>>;
    };
    assert.equal(vwc.webhooks[0]!.failurePolicy, 'Fail');
    assert.equal(vwc.webhooks[0]!.sideEffects, 'None');
    assert.deepEqual(vwc.webhooks[0]!.namespaceSelector, {
      matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [namespace] }],
    });
    const role = docs.find((d) => d.kind === 'ClusterRole') as { rules: Array<{ resourceNames?: string[] }> };
    assert.ok(
      role.rules.every((r) => r.resourceNames?.length),
      'every cluster rule is limited to named objects',
    );
    const crd = generateFiles(operator, 'crds')[0]!.content;
    assert.match(crd, /strategy: Webhook/);
    assert.match(crd, /path: \/convert-webhook-manifests-test-operon-dev-sprocket/);
  });

  it("keep the operator's own namespace out: the API server skips the webhook there and calls it elsewhere", async () => {
    await using own = await plane.createNamespace('cog-operator');
    await using other = await plane.createNamespace('cog-user');
    const cogs = defineOperator({
      name: `cog-operator-${own.name}`,
      namespace: own.name,
      image: 'registry.example.com/cog-operator:1.0.0',
      resources: [Cog],
      controllers: [controller({ name: 'cogs', for: Cog, reconcile: async () => Action.done() })],
      webhooks: [defineWebhooks(Cog, { validate: () => Admission.allow() })],
    });
    const vwc = webhookManifests(cogs).find((d) => d.kind === 'ValidatingWebhookConfiguration')!;
    // failurePolicy Fail and a Service that does not exist: every call the API server makes fails.
    const installed = await client.create(ValidatingWebhookConfiguration, vwc as never);
    try {
      // Elsewhere the API server calls it (and fails, as failurePolicy Fail says) once it has the configuration.
      const failure = await eventually<string>('the API server to call the webhook', () =>
        client
          .create(
            Cog,
            { metadata: { name: 'c', namespace: other.name }, spec: { size: 1 } },
            { dryRun: true },
          )
          .then(
            () => false,
            (err: unknown) => (err as Error).message,
          ),
      );
      assert.match(failure, /failed calling webhook "validate\.cogs\.webhook-namespace-test\.operon\.dev"/);
      const created = await client.create(Cog, {
        metadata: { name: 'c', namespace: own.name },
        spec: { size: 1 },
      });
      assert.equal(created.metadata?.namespace, own.name, 'admitted without calling the webhook');
    } finally {
      await client.delete(ValidatingWebhookConfiguration, installed.metadata!.name!);
    }
  });

  it('in cert-manager mode ask for a Certificate, inject its CA by annotation and mount its Secret', () => {
    const cm = defineOperator({ ...operator.definition, webhookCertificates: 'cert-manager' });
    const docs = webhookManifests(cm);
    const cert = docs.find((d) => d.kind === 'Certificate') as {
      spec: { dnsNames: string[]; secretName: string };
    };
    assert.deepEqual(cert.spec.dnsNames, [
      `widget-operator-webhook.${namespace}.svc`,
      `widget-operator-webhook.${namespace}.svc.cluster.local`,
    ]);
    assert.ok(docs.some((d) => d.kind === 'Issuer'));
    assert.ok(!docs.some((d) => d.kind === 'Role'), 'no certificate RBAC when cert-manager does the work');
    const vwc = docs.find((d) => d.kind === 'ValidatingWebhookConfiguration') as {
      metadata: { annotations: Record<string, string> };
    };
    assert.equal(
      vwc.metadata.annotations['cert-manager.io/inject-ca-from'],
      `${namespace}/widget-operator-serving-cert`,
    );
    const files = generateFiles(cm, 'manifests', { image: 'registry.example.com/widget-operator:1.0.0' });
    assert.match(files.find((f) => f.path.startsWith('crds/'))!.content, /cert-manager\.io\/inject-ca-from/);
    const deployment = files.find((f) => f.path === 'manager/deployment.yaml')!.content;
    assert.match(deployment, new RegExp(`secretName: ${cert.spec.secretName}`));
    assert.match(deployment, /OPERON_WEBHOOK_CERT_DIR/);
    assert.match(deployment, /containerPort: 9443/);
  });

  it("in cert-manager mode are accepted as a whole by a server-side dry-run apply, Issuer and Certificate by cert-manager's CRDs", async () => {
    await plane.installCRDs(CERT_MANAGER_CRDS);
    await using ns = await plane.createNamespace('widget-operator-cm');
    const cm = defineOperator({
      ...operator.definition,
      namespace: ns.name,
      webhookCertificates: 'cert-manager',
    });
    const dir = await mkdtemp(join(tmpdir(), 'operon-webhook-cert-manager-'));
    try {
      const files = generateFiles(cm, 'manifests', {
        image: 'registry.example.com/widget-operator:1.0.0',
      }).filter((f) => f.path.endsWith('.yaml') && !f.path.startsWith('kustomization'));
      const paths: string[] = [];
      for (const f of files) {
        const path = join(dir, f.path.replace(/\//g, '_'));
        await writeFile(path, f.content);
        paths.push(path);
      }
      // One apply of the whole set; --validate=strict makes a field cert-manager does not know an error.
      const { stdout } = await kubectl(
        'apply',
        '--server-side',
        '--dry-run=server',
        '--validate=strict',
        '--field-manager=test',
        ...paths.flatMap((p) => ['-f', p]),
      );
      const applied = stdout.trim().split('\n');
      const documents = files.flatMap((f) => f.content.split(/^---$/m).filter((d) => /\bkind:/.test(d)));
      assert.equal(applied.length, documents.length, stdout);
      for (const line of applied) assert.match(line, / serverside-applied \(server dry run\)$/, line);
      assert.ok(
        applied.includes(
          'issuer.cert-manager.io/widget-operator-selfsigned serverside-applied (server dry run)',
        ),
        stdout,
      );
      assert.ok(
        applied.includes(
          'certificate.cert-manager.io/widget-operator-serving-cert serverside-applied (server dry run)',
        ),
        stdout,
      );
      assert.ok(
        applied.some((l) => l.startsWith('validatingwebhookconfiguration.admissionregistration.k8s.io/')),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('are accepted by kubectl apply --server-side --dry-run=server', async () => {
    await kubectl('create', 'namespace', namespace);
    const dir = await mkdtemp(join(tmpdir(), 'operon-webhook-manifests-'));
    try {
      const files = generateFiles(operator, 'manifests', {
        image: 'registry.example.com/widget-operator:1.0.0',
      }).filter((f) => f.path.endsWith('.yaml') && !f.path.startsWith('kustomization'));
      for (const f of files) {
        const path = join(dir, f.path.replace(/\//g, '_'));
        await writeFile(path, f.content);
        const { stdout } = await kubectl(
          'apply',
          '--server-side',
          '--dry-run=server',
          '--field-manager=test',
          '-f',
          path,
        );
        assert.match(stdout, /serverside-applied \(server dry run\)/, f.path);
      }
      assert.ok(files.some((f) => f.path === 'webhook/webhooks.yaml'));
    } finally {
      await rm(dir, { recursive: true, force: true });
      await kubectl('delete', 'namespace', namespace, '--wait=false');
    }
  });
});
