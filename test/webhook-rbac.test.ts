import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Client,
  createClient,
  isAlreadyExists,
  loadKubeconfig,
  MutatingWebhookConfiguration,
  Secret,
  SelfSubjectAccessReview,
  ValidatingWebhookConfiguration,
} from 'operon/client';
import { generateFiles, webhookManifests, webhookNames } from 'operon/generate';
import { silentLogger } from 'operon/log';
import { type ControlPlane, useControlPlane } from 'operon/testing';
import { createCertificateRotator } from 'operon/webhook';
import { parseAllDocuments } from 'yaml';
import operator from '../examples/webapp/src/operator.ts';

let plane: ControlPlane;
let admin: Client;

before(async () => {
  plane = await useControlPlane();
  admin = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await admin?.close();
  await plane?.stop();
});

const RBAC_KINDS = ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'];

describe("the WebApp operator's webhooks as its generated ServiceAccount", () => {
  it('the validating handler may read its allow-list ConfigMap, and the rotator its Secret and configurations', async () => {
    const d = operator.definition;
    await admin.transport
      .json({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: d.namespace } }),
      })
      .catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
    const docs = [
      ...parseAllDocuments(generateFiles(operator, 'rbac')[0]!.content).map(
        (doc) => doc.toJS() as Record<string, unknown>,
      ),
      ...webhookManifests(operator),
    ].filter((doc) => RBAC_KINDS.includes(doc.kind as string));
    for (const doc of docs) {
      const type = await admin.mapper.resourceFor(doc.apiVersion as string, doc.kind as string);
      await admin.apply(type, doc as never, { force: true });
    }
    const config = await loadKubeconfig({ kubeconfig: plane.kubeconfig.path });
    const sa = createClient({
      ...config,
      impersonate: {
        user: `system:serviceaccount:${d.namespace}:${d.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${d.namespace}`, 'system:authenticated'],
      },
    });
    const names = webhookNames(operator);
    try {
      const hooks = d.webhooks![0]!;
      const validate = hooks.routes({ client: sa }).find((r) => r.path === hooks.validating!.path)!;
      // No allow-list ConfigMap: allowed when the read is a 404, a failure when it is a 403.
      const response = (await validate.handle(
        {
          uid: 'u1',
          kind: { group: hooks.resource.group, version: hooks.admissionVersion, kind: hooks.resource.kind },
          resource: {
            group: hooks.resource.group,
            version: hooks.admissionVersion,
            resource: hooks.resource.plural,
          },
          operation: 'CREATE',
          userInfo: { username: 'alice' },
          object: {
            apiVersion: `${hooks.resource.group}/${hooks.admissionVersion}`,
            kind: hooks.resource.kind,
            metadata: { name: 'app', namespace: 'default' },
            spec: { image: 'docker.io/library/nginx:1.27', replicas: 1, port: 80 },
          },
        },
        { signal: AbortSignal.timeout(30_000), log: silentLogger },
      )) as { allowed: boolean };
      assert.equal(response.allowed, true);
      // The configurations under their generated names, with rules that match nothing (the shared
      // plane serves WebApps to other tests): the rotator must be allowed to update them.
      const harmless = (name: string) => ({
        metadata: { name: names.configuration },
        webhooks: [
          {
            name,
            clientConfig: { url: 'https://127.0.0.1:1/none' },
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
      await admin.create(ValidatingWebhookConfiguration, harmless(hooks.validating!.name) as never);
      await admin.create(MutatingWebhookConfiguration, harmless(hooks.mutating!.name) as never);
      const rotated = await createCertificateRotator({
        client: sa,
        namespace: d.namespace,
        secretName: names.secret,
        hosts: names.hosts,
        validatingWebhookConfigurations: [names.configuration],
        mutatingWebhookConfigurations: [names.configuration],
        customResourceDefinitions: [`${hooks.resource.plural}.${hooks.resource.group}`],
      }).check();
      assert.ok(rotated.serving.cert);
      const encoded = Buffer.from(rotated.ca).toString('base64');
      const vwc = await admin.get(ValidatingWebhookConfiguration, names.configuration);
      const mwc = await admin.get(MutatingWebhookConfiguration, names.configuration);
      assert.equal(vwc.webhooks?.[0]?.clientConfig.caBundle, encoded, 'caBundle injected into the VWC');
      assert.equal(mwc.webhooks?.[0]?.clientConfig.caBundle, encoded, 'caBundle injected into the MWC');
      // The CRD is shared with other tests, so its conversion is not pointed anywhere: ask the API
      // server whether the ServiceAccount may update it (and only it).
      const may = async (name: string) =>
        (
          await sa.create(SelfSubjectAccessReview, {
            spec: {
              resourceAttributes: {
                group: 'apiextensions.k8s.io',
                resource: 'customresourcedefinitions',
                verb: 'update',
                name,
              },
            },
          } as never)
        ).status?.allowed === true;
      assert.equal(await may(`${hooks.resource.plural}.${hooks.resource.group}`), true);
      assert.equal(await may('others.example.com'), false, 'no other CRD');
    } finally {
      await admin.delete(ValidatingWebhookConfiguration, names.configuration).catch(() => undefined);
      await admin.delete(MutatingWebhookConfiguration, names.configuration).catch(() => undefined);
      await sa.close();
      await admin.delete(Secret, names.secret, { namespace: d.namespace }).catch(() => undefined);
    }
  });
});
