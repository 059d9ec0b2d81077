import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import {
  type Client,
  CustomResourceDefinition,
  createClient,
  loadKubeconfig,
  Secret,
  ValidatingWebhookConfiguration,
} from 'operon/client';
import { defineResource, Type } from 'operon/resource';
import { type ControlPlane, eventually, runWebhooks, useControlPlane } from 'operon/testing';
import {
  Admission,
  createCertificateRotator,
  createWebhookServer,
  defineWebhooks,
  needsRenewal,
  SECRET_KEYS,
  serveOperatorWebhooks,
  type WebhookServer,
} from 'operon/webhook';

const Token = defineResource({
  group: 'webhook-certs-test.operon.dev',
  kind: 'Token',
  versions: { v1: { spec: Type.Object({ value: Type.String() }) } },
});
const tokenHooks = defineWebhooks(Token, {
  validate: (t) => (t.spec.value === 'no' ? Admission.deny('no is not a token') : Admission.allow()),
});

// Two versions that hold the same number under different names, so only a conversion webhook maps them.
const Badge = defineResource({
  group: 'webhook-certs-test.operon.dev',
  kind: 'Badge',
  versions: {
    v1alpha1: { spec: Type.Object({ count: Type.Integer() }) },
    v1: { storage: true, spec: Type.Object({ amount: Type.Integer() }) },
  },
});
const badgeHooks = defineWebhooks(Badge, {
  conversion: {
    spokes: {
      v1alpha1: {
        toHub: ({ spec: { count }, ...rest }) => ({ ...rest, spec: { amount: count } }),
        fromHub: ({ spec: { amount }, ...rest }) => ({ ...rest, spec: { count: amount } }),
      },
    },
  },
});

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane({ crds: [Token.crd()] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

const DAY = 24 * 60 * 60 * 1000;

describe('webhook certificates kept in a Secret', () => {
  it('two replicas starting together share one CA: one creates the Secret, the other reads it', async () => {
    await using ns = await plane.createNamespace('two-replicas');
    const replica = () =>
      createCertificateRotator({
        client,
        namespace: ns.name,
        secretName: 'hook-cert',
        hosts: ['hook.ns.svc'],
      });
    const [a, b] = await Promise.all([replica().check(), replica().check()]);
    assert.equal(a.ca, b.ca, 'the same CA');
    assert.equal(a.serving.cert, b.serving.cert, 'the same serving certificate');
    assert.equal([a.renewed, b.renewed].filter(Boolean).length >= 1, true);
    const secret = await client.get(Secret, 'hook-cert', { namespace: ns.name });
    assert.equal(Buffer.from(secret.data![SECRET_KEYS.caCert]!, 'base64').toString(), a.ca);
    const serving = new X509Certificate(a.serving.cert);
    assert.ok(serving.verify(new X509Certificate(a.ca).publicKey));
    assert.equal(serving.checkHost('hook.ns.svc'), 'hook.ns.svc');
    // A third replica later changes nothing.
    const c = await replica().check();
    assert.equal(c.renewed, false);
    assert.equal(c.serving.cert, a.serving.cert);
  });

  it('renews the serving certificate once it is within the lookahead, keeping the CA', async () => {
    await using ns = await plane.createNamespace('renew');
    let now = new Date();
    const rotator = createCertificateRotator({
      client,
      namespace: ns.name,
      secretName: 'hook-cert',
      hosts: ['h'],
      servingValidityDays: 100,
      renewBeforeDays: 30,
      now: () => now,
    });
    const first = await rotator.check();
    now = new Date(now.getTime() + 69 * DAY);
    assert.equal((await rotator.check()).renewed, false, 'not yet due at 69 of 100 days');
    now = new Date(now.getTime() + 2 * DAY);
    const second = await rotator.check();
    assert.equal(second.renewed, true, 'due at 71 of 100 days with 30 days lookahead');
    assert.notEqual(second.serving.cert, first.serving.cert);
    assert.equal(second.ca, first.ca);
    assert.equal(needsRenewal(second.serving.cert, now, 30 * DAY), false);
    // The operator moved namespace: its Service has a new name, so the certificate is reissued.
    const moved = await createCertificateRotator({
      client,
      namespace: ns.name,
      secretName: 'hook-cert',
      hosts: ['h2'],
      now: () => now,
    }).check();
    assert.equal(moved.renewed, true);
    assert.equal(new X509Certificate(moved.serving.cert).checkHost('h2'), 'h2');
    assert.equal(moved.ca, first.ca);
  });

  it('serves even when a configuration it injects into is not installed yet', async () => {
    await using ns = await plane.createNamespace('missing');
    const result = await createCertificateRotator({
      client,
      namespace: ns.name,
      secretName: 'hook-cert',
      hosts: ['h'],
      validatingWebhookConfigurations: [`not-installed-${ns.name}`],
      customResourceDefinitions: [`nothings.${ns.name}.example`],
    }).check();
    assert.ok(result.serving.cert);
  });

  it('reissues a serving certificate whose key in the Secret is not its own, instead of failing every check', async () => {
    await using ns = await plane.createNamespace('mismatch');
    const replica = () =>
      createCertificateRotator({ client, namespace: ns.name, secretName: 'hook-cert', hosts: ['h'] });
    const first = await replica().check();
    // A half-finished edit: the key of another certificate beside this one.
    const stray = await createCertificateRotator({
      client,
      namespace: ns.name,
      secretName: 'other-cert',
      hosts: ['h'],
    }).check();
    const secret = await client.get(Secret, 'hook-cert', { namespace: ns.name });
    secret.data![SECRET_KEYS.key] = Buffer.from(stray.serving.key).toString('base64');
    await client.replace(Secret, secret);
    const healed = await replica().check();
    assert.equal(healed.renewed, true);
    assert.equal(healed.ca, first.ca, 'the CA is kept');
    assert.equal(
      new X509Certificate(healed.serving.cert).checkPrivateKey(createPrivateKey(healed.serving.key)),
      true,
      "the key is the certificate's",
    );
    const stored = await client.get(Secret, 'hook-cert', { namespace: ns.name });
    assert.equal(Buffer.from(stored.data![SECRET_KEYS.key]!, 'base64').toString(), healed.serving.key);
  });

  it('a replica that read the Secret before another rotated the CA does not leave its old CA in caBundle', async () => {
    await using ns = await plane.createNamespace('stale-ca');
    const name = `stale-ca-${ns.name}`;
    await client.create(ValidatingWebhookConfiguration, {
      metadata: { name },
      webhooks: [
        {
          name: 'validate.tokens.webhook-certs-test.operon.dev',
          clientConfig: { url: 'https://127.0.0.1:1/validate' },
          rules: [
            {
              apiGroups: ['nothing.example'],
              apiVersions: ['v1'],
              operations: ['CREATE'],
              resources: ['none'],
            },
          ],
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
        },
      ],
    });
    try {
      const options = {
        namespace: ns.name,
        secretName: 'hook-cert',
        hosts: ['h'],
        validatingWebhookConfigurations: [name],
      };
      await createCertificateRotator({ client, ...options }).check();
      // A replica whose clock is near the CA's end renews the CA ...
      const renewing = createCertificateRotator({
        client,
        ...options,
        now: () => new Date(Date.now() + 3600 * DAY),
      });
      // ... between the moment the other replica read the Secret and the moment it injects.
      let raced = false;
      const stale = createCertificateRotator({
        ...options,
        client: {
          ...client,
          get: (async (type: unknown, n: string, o: unknown) => {
            if (type === ValidatingWebhookConfiguration && !raced) {
              raced = true;
              const r = await renewing.check();
              assert.equal(r.renewed, true, 'the CA was renewed');
            }
            return (client.get as (...a: unknown[]) => Promise<unknown>)(type, n, o);
          }) as Client['get'],
        } as Client,
      });
      await stale.check();
      assert.equal(raced, true);
      const secret = await client.get(Secret, 'hook-cert', { namespace: ns.name });
      const vwc = await client.get(ValidatingWebhookConfiguration, name);
      assert.equal(
        Buffer.from(vwc.webhooks![0]!.clientConfig.caBundle!, 'base64').toString(),
        Buffer.from(secret.data![SECRET_KEYS.caCert]!, 'base64').toString(),
        "caBundle is the Secret's CA bundle",
      );
      assert.equal(stale.caBundle, Buffer.from(secret.data![SECRET_KEYS.caCert]!, 'base64').toString());
    } finally {
      await client.delete(ValidatingWebhookConfiguration, name);
    }
  });

  it('after the CA is renewed the API server trusts the new certificate (the bundle holds both CAs)', async () => {
    await using ns = await plane.createNamespace('ca-renew');
    let server: { setCertificate(c: { cert: string; key: string }): void } | undefined;
    const options = {
      client,
      namespace: ns.name,
      secretName: 'hook-cert',
      hosts: ['127.0.0.1'],
    };
    // A CA made to be within the 90-day lookahead already: the next check renews it.
    const initial = await createCertificateRotator({
      ...options,
      caValidityDays: 80,
      renewBeforeDays: 30,
      server: { setCertificate: (c) => server?.setCertificate(c) },
    }).check();
    await using hooks = await runWebhooks(plane, [tokenHooks], {
      certificate: { caBundle: initial.ca, serving: initial.serving },
    });
    server = hooks.server;
    await client.create(Token, { metadata: { name: 'before', namespace: ns.name }, spec: { value: 'yes' } });
    const renewed = await createCertificateRotator({
      ...options,
      server: hooks.server,
      validatingWebhookConfigurations: [hooks.configurationName],
    }).check();
    assert.equal(renewed.renewed, true);
    assert.notEqual(renewed.ca, initial.ca);
    const calls = hooks.calls.get(tokenHooks.validating!.path) ?? 0;
    await client.create(Token, { metadata: { name: 'after', namespace: ns.name }, spec: { value: 'yes' } });
    assert.equal(hooks.calls.get(tokenHooks.validating!.path), calls + 1, 'the webhook was called');
  });

  it('rotation during a stream of admissions fails none, and caBundle stays current', async () => {
    await using ns = await plane.createNamespace('rotate');
    // Certificates valid now, which every check renews (the lookahead is longer than the validity):
    // moving a fake clock forward instead would issue certificates not valid yet for anyone else.
    let server: { setCertificate(c: { cert: string; key: string }): void } | undefined;
    const rotator = createCertificateRotator({
      client,
      namespace: ns.name,
      secretName: 'hook-cert',
      hosts: ['127.0.0.1'],
      servingValidityDays: 10,
      renewBeforeDays: 11,
      server: { setCertificate: (c) => server?.setCertificate(c) },
    });
    const initial = await rotator.check();
    await using hooks = await runWebhooks(plane, [tokenHooks], {
      certificate: { caBundle: initial.ca, serving: initial.serving },
    });
    server = hooks.server;
    // Now the rotator also keeps the installed configuration's caBundle current.
    const injecting = createCertificateRotator({
      client,
      namespace: ns.name,
      secretName: 'hook-cert',
      hosts: ['127.0.0.1'],
      servingValidityDays: 10,
      renewBeforeDays: 11,
      server: hooks.server,
      validatingWebhookConfigurations: [hooks.configurationName],
    });

    const path = tokenHooks.validating!.path;
    const before = hooks.calls.get(path) ?? 0;
    let stop = false;
    const results: Array<'ok' | Error> = [];
    const stream = (async () => {
      for (let i = 0; !stop || i < 40; i++) {
        try {
          await client.create(Token, {
            metadata: { name: `t${i}`, namespace: ns.name },
            spec: { value: 'yes' },
          });
          results.push('ok');
        } catch (err) {
          results.push(err as Error);
        }
      }
    })();
    const certs = new Set<string>([initial.serving.cert]);
    const port = Number(new URL(hooks.url).port);
    // However a rotation check fails, the stream must stop, or it creates Tokens until memory runs out.
    try {
      for (let r = 0; r < 3; r++) {
        const { serving, renewed } = await injecting.check();
        assert.equal(renewed, true);
        certs.add(serving.cert);
        // The API server keeps its connection open through a rotation, so the stream alone may never
        // see the new certificate: a new connection gets it, and the caBundle installed now trusts it.
        const vwc = await client.get(ValidatingWebhookConfiguration, hooks.configurationName);
        const trusted = Buffer.from(vwc.webhooks![0]!.clientConfig.caBundle!, 'base64').toString();
        const presented = await new Promise<string>((resolve, reject) => {
          const socket = tlsConnect({ host: '127.0.0.1', port, ca: trusted }, () => {
            resolve(socket.getPeerX509Certificate()!.toString());
            socket.end();
          });
          socket.on('error', reject);
        });
        assert.equal(presented, new X509Certificate(serving.cert).toString(), `rotation ${r + 1}`);
      }
    } finally {
      stop = true;
    }
    await stream;
    const failures = results.filter((r) => r !== 'ok');
    assert.deepEqual(failures, [], 'no admission failed');
    assert.equal(certs.size, 4, 'three rotations');
    assert.ok(
      (hooks.calls.get(path) ?? 0) - before >= results.length,
      'every create went through the webhook',
    );
    const vwc = await client.get(ValidatingWebhookConfiguration, hooks.configurationName);
    for (const w of vwc.webhooks ?? []) {
      assert.equal(Buffer.from(w.clientConfig.caBundle!, 'base64').toString(), injecting.caBundle);
    }
    // And the webhook still denies, over a new certificate.
    await assert.rejects(
      client.create(Token, { metadata: { name: 'no', namespace: ns.name }, spec: { value: 'no' } }),
      /no is not a token/,
    );
  });
});

describe("the rotator and a CRD's conversion stanza", () => {
  const crdName = `${Badge.plural}.${Badge.group}`;
  const alpha = Badge.versions.v1alpha1;
  const unb64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString();
  const firstCert = (bundle: string) =>
    /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(bundle)?.[0] ?? '';
  const installedBundle = async () =>
    unb64(
      (await client.get(CustomResourceDefinition, crdName)).spec.conversion?.webhook?.clientConfig?.caBundle,
    );
  /** The certificate a new TLS connection gets, verified with `ca`. */
  const presented = (port: number, ca: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
        resolve(socket.getPeerX509Certificate()!.toString());
        socket.end();
      });
      socket.on('error', reject);
    });

  it('writes caBundle with the CA that signed the serving certificate, the API server converts through it, and a renewed CA replaces it', async () => {
    await using ns = await plane.createNamespace('crd-ca');
    let server: WebhookServer | undefined;
    const options = {
      client,
      namespace: ns.name,
      secretName: 'hook-cert',
      hosts: ['127.0.0.1'],
      customResourceDefinitions: [crdName],
      server: { setCertificate: (c: { cert: string; key: string }) => server?.setCertificate(c) },
    };
    // A CA already inside the default 90-day lookahead: a later rotator with the defaults renews it.
    const first = createCertificateRotator({ ...options, caValidityDays: 80, renewBeforeDays: 30 });
    const initial = await first.check();
    server = createWebhookServer({
      routes: badgeHooks.routes(),
      certificate: initial.serving,
      host: '127.0.0.1',
      port: 0,
    });
    const stop = new AbortController();
    const serving = server.start(stop.signal);
    const address = await server.listen();
    const port = Number(address.split(':').pop());
    const crd = Badge.crd();
    // As generated, but URL mode and no caBundle: the rotator is what makes the API server trust it.
    await plane.installCRDs([
      {
        ...crd,
        spec: {
          ...crd.spec,
          conversion: {
            strategy: 'Webhook',
            webhook: {
              clientConfig: { url: `https://${address}${badgeHooks.conversionPath}` },
              conversionReviewVersions: ['v1'],
            },
          },
        },
      },
    ]);
    try {
      const checked = await first.check();
      assert.equal(checked.ca, initial.ca);
      const bundle = await installedBundle();
      assert.equal(bundle, initial.ca, "caBundle is the Secret's CA");
      assert.ok(
        new X509Certificate(initial.serving.cert).verify(new X509Certificate(bundle).publicKey),
        'that CA signed the serving certificate',
      );

      // Written at v1alpha1, stored at v1: the API server called the webhook over TLS it verified with caBundle.
      await eventually('a create at v1alpha1 to be converted', () =>
        client
          .create(alpha, { metadata: { name: 'a', namespace: ns.name }, spec: { count: 3 } })
          .then(() => true),
      );
      assert.deepEqual((await client.get(Badge, 'a', { namespace: ns.name })).spec, { amount: 3 });
      assert.deepEqual((await client.get(alpha, 'a', { namespace: ns.name })).spec, { count: 3 });

      // The CA is renewed: caBundle now leads with the new CA, which signed the certificate now served.
      const renewed = await createCertificateRotator(options).check();
      assert.equal(renewed.renewed, true);
      assert.notEqual(firstCert(renewed.ca), firstCert(initial.ca), 'a new CA');
      const after = await installedBundle();
      assert.equal(after, renewed.ca, 'caBundle is the renewed bundle');
      const newCa = new X509Certificate(firstCert(after));
      assert.ok(new X509Certificate(renewed.serving.cert).verify(newCa.publicKey));
      assert.ok(!new X509Certificate(renewed.serving.cert).verify(new X509Certificate(initial.ca).publicKey));
      assert.equal(
        await presented(port, after),
        new X509Certificate(renewed.serving.cert).toString(),
        'a new connection verified with the installed caBundle gets the renewed certificate',
      );
      // And the API server still converts both ways, with the new caBundle.
      await eventually('a create at v1alpha1 to be converted after the CA renewal', () =>
        client
          .create(alpha, { metadata: { name: 'b', namespace: ns.name }, spec: { count: 7 } })
          .then(() => true),
      );
      assert.deepEqual((await client.get(Badge, 'b', { namespace: ns.name })).spec, { amount: 7 });
      const listed = await client.list(alpha, { namespace: ns.name });
      assert.deepEqual(listed.items.map((b) => [b.metadata?.name, b.spec.count]).sort(), [
        ['a', 3],
        ['b', 7],
      ]);
    } finally {
      // A conversion webhook that is gone would block reads and the namespace's deletion.
      await plane.connection.request(
        'PATCH',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`,
        {
          body: { spec: { conversion: { strategy: 'None', webhook: null } } },
          contentType: 'application/merge-patch+json',
        },
      );
      stop.abort();
      await serving;
    }
  });
});

describe("an operator's webhook server", () => {
  it('on start creates the Secret, serves its certificate and injects the CA into its configuration', async () => {
    await using ns = await plane.createNamespace('operator');
    const name = `token-operator-${ns.name}`;
    await client.create(ValidatingWebhookConfiguration, {
      metadata: { name },
      webhooks: [
        {
          name: 'validate.tokens.webhook-certs-test.operon.dev',
          clientConfig: { url: 'https://127.0.0.1:1/validate' },
          rules: [
            {
              apiGroups: ['nothing.example'],
              apiVersions: ['v1'],
              operations: ['CREATE'],
              resources: ['none'],
            },
          ],
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
        },
      ],
    });
    const stop = new AbortController();
    try {
      const { server, done } = await serveOperatorWebhooks(
        {
          webhooks: [tokenHooks],
          client,
          log: (await import('operon/log')).createLogger({ level: 'error' }),
          namespace: ns.name,
          names: { secret: 'token-webhook-cert', configuration: name, hosts: ['127.0.0.1'] },
          address: '127.0.0.1:0',
        },
        stop.signal,
      );
      assert.equal(server.ready, true);
      const secret = await client.get(Secret, 'token-webhook-cert', { namespace: ns.name });
      const ca = Buffer.from(secret.data![SECRET_KEYS.caCert]!, 'base64').toString();
      const port = Number(server.address!.split(':').pop());
      const presented = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
          resolve(socket.getPeerX509Certificate()!.toString());
          socket.end();
        });
        socket.on('error', reject);
      });
      assert.equal(
        presented,
        new X509Certificate(Buffer.from(secret.data![SECRET_KEYS.cert]!, 'base64')).toString(),
      );
      const vwc = await client.get(ValidatingWebhookConfiguration, name);
      assert.equal(Buffer.from(vwc.webhooks![0]!.clientConfig.caBundle!, 'base64').toString(), ca);
      stop.abort();
      await done;
      assert.equal(server.ready, false);
    } finally {
      stop.abort();
      await client.delete(ValidatingWebhookConfiguration, name);
    }
  });
});
