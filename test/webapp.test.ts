import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  type Client,
  ClusterRoleBinding,
  ConfigMap,
  CustomResourceDefinition,
  createClient,
  Deployment,
  EventsV1Event,
  isInvalid,
  isNotFound,
  Lease,
  loadKubeconfig,
  Pod,
  type ResourceType,
  Service,
  ServiceAccount,
} from 'operon/client';
import { findCondition } from 'operon/controller';
import { generateFiles } from 'operon/generate';
import { createLogger } from 'operon/log';
import { createManager } from 'operon/manager';
import { type ControlPlane, eventually, useControlPlane } from 'operon/testing';
import { type WatchEvent, watch } from 'operon/watch';
import { Agent, request } from 'undici';
import { parseAllDocuments } from 'yaml';
import { FINALIZER, REGISTRY, webAppController } from '../examples/webapp/src/controller.ts';
import operator from '../examples/webapp/src/operator.ts';
import { WebApp } from '../examples/webapp/src/webapp.ts';
import { killAll, spawnOperator } from './support/operator-process.ts';

const exec = promisify(execFile);
const OPERATOR = fileURLToPath(new URL('../examples/webapp/src/operator.ts', import.meta.url));

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane({
    components: ['kube-controller-manager', 'kube-scheduler', 'kwok'],
    crds: [WebApp.crd()],
  });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  killAll();
  await client?.close();
  await plane?.stop();
});

/** Runs the WebApp operator in this process; the registry lives in `registryNamespace`. */
async function startOperator(
  registryNamespace: string,
  configOverride?: Parameters<typeof createManager>[0],
) {
  const manager = await createManager({
    config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
    metricsAddress: false,
    healthAddress: '127.0.0.1:0',
    gracefulShutdownMs: 5000,
    log: createLogger({ level: 'warn', format: 'json', write: () => {} }),
    ...configOverride,
  });
  manager.add(webAppController({ registryNamespace }));
  const ac = new AbortController();
  const done = manager.start(ac.signal);
  return {
    manager,
    async stop() {
      ac.abort();
      await done;
    },
  };
}

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

/** Starts a watch of `kind` in `namespace`; resolves once its initial list has arrived. */
async function watchFrom<T extends { metadata?: { name?: string } }>(
  kind: Parameters<typeof watch<T>>[1],
  namespace: string,
  onEvent: (
    e:
      | Exclude<WatchEvent<T>, { type: 'list' | 'bookmark' | 'error' | 'connected' }>
      | { type: 'listed'; object: T },
  ) => void,
) {
  const ac = new AbortController();
  let listed: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    listed = resolve;
  });
  const done = (async () => {
    for await (const e of watch(client, kind, { signal: ac.signal, namespace })) {
      if (e.type === 'list') {
        for (const object of e.objects) onEvent({ type: 'listed', object });
        listed();
      } else if (e.type === 'added' || e.type === 'modified' || e.type === 'deleted') onEvent(e);
    }
  })();
  await ready;
  return {
    async stop() {
      ac.abort();
      await done;
    },
  };
}

const available = async (ns: string, name: string) => {
  const app = await client.get(WebApp, name, { namespace: ns });
  const cond = findCondition(app.status?.conditions, 'Available');
  const progressing = findCondition(app.status?.conditions, 'Progressing');
  return cond?.status === 'True' &&
    progressing?.status === 'False' &&
    app.status?.observedGeneration === app.metadata?.generation &&
    app.status?.readyReplicas === app.spec.replicas
    ? app
    : undefined;
};

describe('the WebApp operator on a local cluster with real controllers', () => {
  it('deploys, rolls out, scales, recovers from drift and loss, and cleans up with its finalizer', async () => {
    await using ns = await plane.createNamespace('webapp');
    await using registry = await plane.createNamespace('registry');
    const op = await startOperator(registry.name);
    try {
      await client.create(WebApp, {
        metadata: { name: 'hello', namespace: ns.name },
        spec: { image: 'nginx:1.27', replicas: 2, port: 80 },
      });
      const app = await eventually('hello to be Available', () => available(ns.name, 'hello'));
      assert.equal(app.status?.selector, 'app.kubernetes.io/name=webapp,app.kubernetes.io/instance=hello');
      assert.deepEqual(app.metadata?.finalizers, [FINALIZER]);
      const pods = await client.list(Pod, { namespace: ns.name, labelSelector: app.status!.selector! });
      assert.equal(pods.items.length, 2);
      for (const pod of pods.items) {
        assert.match(pod.spec?.nodeName ?? '', /^kwok-node-/);
        assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      }
      const reg = await client.get(ConfigMap, REGISTRY, { namespace: registry.name });
      assert.equal(reg.data?.[`${ns.name}.hello`], 'nginx:1.27');

      // A new image: Progressing while it rolls out, then Available at the new generation. Every
      // status the operator writes arrives on the watch, however briefly it lasts.
      const statuses: string[] = [];
      const statusWatch = await watchFrom(WebApp, ns.name, (e) => {
        if (e.object.metadata?.name !== 'hello') return;
        const c = e.object.status?.conditions;
        statuses.push(
          `gen=${e.object.status?.observedGeneration} Progressing=${findCondition(c, 'Progressing')?.status} Available=${findCondition(c, 'Available')?.status}`,
        );
      });
      await client.patch(WebApp, 'hello', { spec: { image: 'nginx:1.28' } }, { namespace: ns.name });
      try {
        await eventually('the rollout to be reported and to finish', () => {
          const progressing = statuses.findIndex((x) => x.startsWith('gen=2 Progressing=True'));
          const settled = statuses.findIndex(
            (x, i) => i > progressing && x.startsWith('gen=2 Progressing=False'),
          );
          return progressing >= 0 && settled > progressing;
        });
      } catch (err) {
        throw new Error(`statuses seen: ${statuses.join('; ')}`, { cause: err });
      } finally {
        await statusWatch.stop();
      }
      const rolled = await eventually('the new image to be Available', () => available(ns.name, 'hello'));
      assert.equal(rolled.status?.observedGeneration, 2);
      assert.equal(
        (await client.get(Deployment, 'hello', { namespace: ns.name })).spec?.template.spec?.containers[0]
          ?.image,
        'nginx:1.28',
      );

      // The scale subresource flows to the Deployment (kubectl scale: the test after this one).
      await client.scale.patch(WebApp, 'hello', { spec: { replicas: 3 } }, { namespace: ns.name });
      await eventually(
        'the Deployment to scale',
        async () => (await client.get(Deployment, 'hello', { namespace: ns.name })).spec?.replicas === 3,
      );
      await eventually('3 ready replicas', () => available(ns.name, 'hello'));

      // Loss: a deleted Deployment comes back.
      const uid = (await client.get(Deployment, 'hello', { namespace: ns.name })).metadata?.uid;
      await client.delete(Deployment, 'hello', { namespace: ns.name });
      await eventually('the Deployment to be restored', async () => {
        const d = await client.get(Deployment, 'hello', { namespace: ns.name }).catch(() => undefined);
        return d && d.metadata?.uid !== uid;
      });
      // Drift: a hand-edited Service port is put back.
      await client.patch(Service, 'hello', [{ op: 'replace', path: '/spec/ports/0/port', value: 9999 }], {
        namespace: ns.name,
        type: 'json',
        fieldManager: 'someone-by-hand',
      });
      await eventually(
        'the Service port to be restored',
        async () =>
          (await client.get(Service, 'hello', { namespace: ns.name })).spec?.ports?.[0]?.port === 80,
      );

      // Events for each change it made.
      const events = await client.list(EventsV1Event, { namespace: ns.name });
      const reasons = events.items.filter((e) => e.regarding?.name === 'hello').map((e) => e.reason);
      assert.ok(reasons.includes('Created'), `Events: ${reasons.join(', ')}`);
      assert.ok(reasons.includes('Updated'));

      // Deletion: the registry entry goes first (the WebApp still exists), then the children.
      // Watch both and compare revisions: the entry's removal must come before the WebApp's delete.
      let entryRemovedAt: bigint | undefined;
      let appDeletedAt: bigint | undefined;
      const registryWatch = await watchFrom(ConfigMap, registry.name, (e) => {
        if (
          e.type === 'modified' &&
          e.object.metadata?.name === REGISTRY &&
          e.object.data?.[`${ns.name}.hello`] === undefined
        ) {
          entryRemovedAt ??= BigInt(e.object.metadata.resourceVersion!);
        }
      });
      const appWatch = await watchFrom(WebApp, ns.name, (e) => {
        if (e.type === 'deleted' && e.object.metadata?.name === 'hello')
          appDeletedAt = BigInt(e.object.metadata.resourceVersion!);
      });
      // Both watches have their initial list: each change from here on arrives as an event.
      await client.delete(WebApp, 'hello', { namespace: ns.name });
      await eventually(
        'the WebApp to be deleted and the entry removed',
        async () => appDeletedAt !== undefined && entryRemovedAt !== undefined,
      );
      await Promise.all([registryWatch.stop(), appWatch.stop()]);
      assert.ok(
        entryRemovedAt! < appDeletedAt!,
        `registry entry removed at ${entryRemovedAt}, WebApp deleted at ${appDeletedAt}`,
      );
      await eventually('the garbage collector to remove the children', async () => {
        const d = await client.get(Deployment, 'hello', { namespace: ns.name }).catch(() => undefined);
        const s = await client.get(Service, 'hello', { namespace: ns.name }).catch(() => undefined);
        return !d && !s;
      });
    } finally {
      await op.stop();
    }
  });

  it('scales through kubectl scale, by the scale subresource, to the Deployment', {
    skip: !kubectl && NO_KUBECTL,
  }, async () => {
    await using ns = await plane.createNamespace('kubectl');
    await using registry = await plane.createNamespace('registry');
    const op = await startOperator(registry.name);
    try {
      await client.create(WebApp, {
        metadata: { name: 'scaled', namespace: ns.name },
        spec: { image: 'nginx:1.27', replicas: 1, port: 80 },
      });
      await eventually('the Deployment', () =>
        client.get(Deployment, 'scaled', { namespace: ns.name }).catch(() => undefined),
      );
      await exec(kubectl!, [
        '--kubeconfig',
        plane.kubeconfig.path,
        'scale',
        'wa/scaled',
        '-n',
        ns.name,
        '--replicas=3',
      ]);
      assert.equal((await client.get(WebApp, 'scaled', { namespace: ns.name })).spec.replicas, 3);
      await eventually(
        'the Deployment to scale',
        async () => (await client.get(Deployment, 'scaled', { namespace: ns.name })).spec?.replicas === 3,
      );
      // Gone (its finalizer run) before the operator stops, so no WebApp outlives this test.
      await client.delete(WebApp, 'scaled', { namespace: ns.name });
      await eventually('the WebApp to be gone', async () =>
        client.get(WebApp, 'scaled', { namespace: ns.name }).then(() => false, isNotFound),
      );
    } finally {
      await op.stop();
    }
  });

  it('rejects invalid specs at admission with a readable message', async () => {
    await using ns = await plane.createNamespace('admission');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ image: '', port: 80 }, /image must be a non-empty image reference/],
      [{ image: 'nginx', port: 0 }, /port must be between 1 and 65535/],
      [{ image: 'nginx', port: 80, replicas: 101 }, /spec\.replicas.*less than or equal to 100/],
      [
        { image: 'nginx', port: 80, strategy: { type: 'Recreate', maxSurge: 1 } },
        /maxSurge and maxUnavailable apply to RollingUpdate only/,
      ],
    ];
    for (const [spec, message] of cases) {
      await assert.rejects(
        client.create(WebApp, { metadata: { name: 'bad', namespace: ns.name }, spec } as WebApp),
        (err: unknown) => {
          assert.ok(isInvalid(err));
          assert.match((err as Error).message, message);
          return true;
        },
      );
    }
  });

  it('reports a spec it cannot run as Degraded with a reason and a Warning Event, and recovers when fixed', async () => {
    await using ns = await plane.createNamespace('degraded');
    await using registry = await plane.createNamespace('registry');
    const op = await startOperator(registry.name);
    try {
      await client.create(WebApp, {
        metadata: { name: 'broken', namespace: ns.name },
        spec: { image: 'nginx', replicas: 1, port: 80, env: [{ name: '1BAD', value: 'x' }] },
      });
      const app = await eventually('Degraded=True', async () => {
        const a = await client.get(WebApp, 'broken', { namespace: ns.name });
        return findCondition(a.status?.conditions, 'Degraded')?.status === 'True' ? a : undefined;
      });
      const degraded = findCondition(app.status?.conditions, 'Degraded')!;
      assert.equal(degraded.reason, 'InvalidSpec');
      assert.match(degraded.message, /env var name "1BAD" is not a valid identifier/);
      await eventually('a Warning Event', async () =>
        (await client.list(EventsV1Event, { namespace: ns.name })).items.find(
          (e) => e.type === 'Warning' && e.reason === 'InvalidSpec',
        ),
      );
      await assert.rejects(client.get(Deployment, 'broken', { namespace: ns.name }), isNotFound);
      await client.patch(
        WebApp,
        'broken',
        { spec: { env: [{ name: 'GOOD', value: 'x' }] } },
        { namespace: ns.name },
      );
      await eventually('Available after the fix', () => available(ns.name, 'broken'));
      const fixed = await client.get(WebApp, 'broken', { namespace: ns.name });
      assert.equal(findCondition(fixed.status?.conditions, 'Degraded')?.status, 'False');
    } finally {
      await op.stop();
    }
  });

  it('runs as its generated ServiceAccount through a full reconcile with no 403, using every verb it is granted or, for the fallbacks, allowed it', async () => {
    await using ns = await plane.createNamespace('rbac');
    const nsName = ns.name;
    const definition = operator.definition;
    const opNs = definition.namespace;
    await plane.connection.request('POST', '/api/v1/namespaces', {
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: opNs } },
    });
    const rbac = generateFiles(operator, 'rbac')[0]!.content;
    const docs = parseAllDocuments(rbac).map(
      (d) =>
        d.toJS() as {
          apiVersion: string;
          kind: string;
          metadata: { name: string; namespace?: string };
          rules?: Array<{ apiGroups?: string[]; resources?: string[]; verbs: string[] }>;
        },
    );
    for (const doc of docs) {
      const mapped = await client.mapper.resourceFor(doc.apiVersion, doc.kind);
      // Applied, not just created: a role left on a shared plane by an older run must not hide a change.
      await client.apply(mapped, doc as never, { force: true });
    }
    // The operator's namespace outlives this test on a shared plane: start it without the registry
    // and the Lease, so that their creation is part of every run.
    const absent = (err: unknown) => {
      if (!isNotFound(err)) throw err;
    };
    await client.delete(ConfigMap, REGISTRY, { namespace: opNs }).catch(absent);
    await client.delete(Lease, definition.name, { namespace: opNs }).catch(absent);
    const sa = `system:serviceaccount:${opNs}:${definition.name}`;
    // A scraper bound to the generated metrics-reader role, so the secure metrics filter runs too.
    await client.apply(
      ServiceAccount,
      { metadata: { name: 'prometheus', namespace: ns.name } },
      { force: true },
    );
    await client.apply(
      ClusterRoleBinding,
      {
        metadata: { name: `${ns.name}-metrics-reader` },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: `${definition.name}-metrics-reader`,
        },
        subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: ns.name }],
      },
      { force: true },
    );
    const { status: minted } = await client.transport.json<{ status: { token: string } }>({
      method: 'POST',
      path: `${client.path(ServiceAccount, { namespace: ns.name, name: 'prometheus' })}/token`,
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }),
    });
    const responses: Array<{ method: string; path: string; status: number }> = [];
    const config = await loadKubeconfig({ kubeconfig: plane.kubeconfig.path });
    const op = await startOperator(opNs, {
      config: {
        ...config,
        impersonate: {
          user: sa,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${opNs}`, 'system:authenticated'],
        },
      },
      clientOptions: { onResponse: (method, path, status) => responses.push({ method, path, status }) },
      metricsAddress: '127.0.0.1:0',
      leaderElection: {
        name: definition.name,
        namespace: opNs,
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 500,
      },
    });
    try {
      await client.create(WebApp, {
        metadata: { name: 'app', namespace: ns.name },
        spec: { image: 'nginx', replicas: 1, port: 80 },
      });
      await eventually('Available as the ServiceAccount', () => available(ns.name, 'app'));
      const scrape = await request(`https://${op.manager.addresses.metrics}/metrics`, {
        headers: { authorization: `Bearer ${minted.token}` },
        dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
      });
      assert.equal(scrape.statusCode, 200, 'the operator may check a scrape with the API server');
      await scrape.body.dump();
      await client.delete(WebApp, 'app', { namespace: ns.name });
      await eventually('the WebApp to be gone', async () =>
        client.get(WebApp, 'app', { namespace: ns.name }).then(() => false, isNotFound),
      );
      // The Lease is renewed (update) after the work is done: wait for one renewal to be seen.
      const renewals = () =>
        responses.filter((r) => r.method === 'PUT' && r.path.includes('/leases/') && r.status === 200).length;
      const renewed = renewals();
      await eventually('a lease renewal', () => renewals() > renewed);
    } finally {
      await op.stop();
    }
    // The operator watches every namespace: on a shared plane it also meets other tests' WebApps, in
    // namespaces being deleted (where writes are refused with 403). Judge it by its work here: its
    // requests in this test's namespace and its own, and those across all namespaces.
    const mine = responses.filter((r) => {
      const ns = /\/namespaces\/([^/?]+)/.exec(r.path)?.[1];
      return ns === undefined || ns === opNs || ns === nsName || r.path === `/api/v1/namespaces/${opNs}`;
    });
    const forbidden = mine.filter((r) => r.status === 403);
    assert.deepEqual(forbidden, [], 'no request was forbidden');

    // Which (group, resource, verb) the operator used, from its requests. Discovery is open to every
    // authenticated user (system:discovery), so it needs no rule; any other path must parse.
    const used = new Set<string>();
    const unparsed: string[] = [];
    for (const r of mine) {
      const path = r.path.split('?')[0]!;
      const query = r.path.includes('?') ? r.path.slice(r.path.indexOf('?')) : '';
      if (/^\/(?:api|apis|api\/v1|apis\/[^/]+|apis\/[^/]+\/[^/]+|version|openapi\/.*)$/.test(path)) continue;
      const m =
        /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/[^/]+)?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
          path,
        );
      if (!m) {
        unparsed.push(`${r.method} ${r.path}`);
        continue;
      }
      const group = m[1] ?? '';
      const resource = m[4] ? `${m[2]}/${m[4]}` : m[2]!;
      const named = m[3] !== undefined;
      const verb =
        r.method === 'GET'
          ? /[?&]watch=(1|true)\b/.test(query)
            ? 'watch'
            : named
              ? 'get'
              : 'list'
          : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[
              r.method
            ];
      if (!verb) {
        unparsed.push(`${r.method} ${r.path}`);
        continue;
      }
      used.add(`${group}|${resource}|${verb}`);
      // A server-side apply that made a new object (201) needed the create verb too.
      if (r.method === 'PATCH' && r.status === 201) used.add(`${group}|${resource}|create`);
    }
    assert.deepEqual(unparsed, [], 'every request maps to a (group, resource, verb)');

    // Every (group, resource, verb) of every rule, each apiGroup with each resource.
    type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] };
    const rules: Rule[] = docs
      .filter(
        (d) =>
          (d.kind === 'ClusterRole' || d.kind === 'Role') && !d.metadata.name.endsWith('-metrics-reader'),
      )
      .flatMap((d) => (d.rules ?? []) as Rule[]);
    const triples = (rs: Rule[]) =>
      rs.flatMap((rule) =>
        (rule.apiGroups ?? []).flatMap((g) =>
          (rule.resources ?? []).flatMap((res) => rule.verbs.map((v) => `${g}|${res}|${v}`)),
        ),
      );
    const granted = triples(rules);
    // A rule narrowed by resourceNames grants one object, not the verb in general: the general
    // fallback probes below would be refused, so only rules without names are probed.
    const general = triples(rules.filter((r) => !r.resourceNames?.length));
    assert.deepEqual(
      [...used].filter((u) => !granted.includes(u)),
      [],
      'every verb used is granted (the 403 check, read from the rules)',
    );
    // Granted for paths a healthy run does not take: `get` serves the cache's read-your-writes
    // fallback, `list` the paged LIST on servers without streaming lists, and `patch` on events a
    // repeated Event's series. Each is exercised here as the ServiceAccount instead.
    // `update` on the WebApp's finalizers is checked by the OwnerReferencesPermissionEnforcement
    // admission plugin when a child gets a controller reference, never requested as such
    // (test/security-rbac.test.ts shows it is needed).
    const fallbacks = general.filter((g) => !used.has(g) && !g.endsWith('/finalizers|update'));
    const asServiceAccount = createClient({
      ...config,
      impersonate: {
        user: sa,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${opNs}`, 'system:authenticated'],
      },
    });
    const kinds: Record<string, ResourceType> = {
      '|configmaps': ConfigMap,
      '|services': Service,
      'apps|deployments': Deployment,
      'example.operon.dev|webapps': WebApp,
      'events.k8s.io|events': EventsV1Event,
      'coordination.k8s.io|leases': Lease,
      'apiextensions.k8s.io|customresourcedefinitions': CustomResourceDefinition,
    };
    const exercised: string[] = [];
    try {
      const anEvent = (await client.list(EventsV1Event, { namespace: ns.name })).items[0];
      for (const triple of fallbacks) {
        const [group, resource, verb] = triple.split('|') as [string, string, string];
        const mapped = kinds[`${group}|${resource}`];
        if (!mapped) continue;
        const namespace = mapped.namespaced === false ? undefined : ns.name;
        if (verb === 'list') await asServiceAccount.list(mapped, { namespace });
        else if (verb === 'get' && resource === 'leases') {
          await asServiceAccount.get(mapped, definition.name, { namespace: opNs });
        } else if (verb === 'get') {
          await assert.rejects(asServiceAccount.get(mapped, 'absent', { namespace }), isNotFound);
        } else if (verb === 'patch' && resource === 'events' && anEvent) {
          await asServiceAccount.patch(mapped, anEvent.metadata!.name!, {}, { namespace: ns.name });
        } else continue;
        exercised.push(triple);
      }
    } finally {
      await asServiceAccount.close();
    }
    assert.deepEqual(
      fallbacks.filter((g) => !exercised.includes(g)),
      [],
      `granted but neither used nor a named fallback: ${fallbacks.join(', ')}`,
    );
  });
});

describe('the WebApp operator as processes', () => {
  function startOperator(registryNs: string, watchNs: string, extraEnv: Record<string, string> = {}) {
    return spawnOperator(
      OPERATOR,
      {
        KUBECONFIG: plane.kubeconfig.path,
        POD_NAMESPACE: registryNs,
        WATCH_NAMESPACE: watchNs,
        OPERON_METRICS_ADDRESS: '127.0.0.1:0',
        OPERON_HEALTH_ADDRESS: '127.0.0.1:0',
        OPERON_LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      { stdout: false },
    );
  }

  it('converges with nothing left behind after SIGKILL mid-rollout and a restart', async () => {
    await using ns = await plane.createNamespace('sigkill');
    await using registry = await plane.createNamespace('registry');
    const first = startOperator(registry.name, ns.name);
    await client.create(WebApp, {
      metadata: { name: 'web', namespace: ns.name },
      spec: { image: 'nginx:1.27', replicas: 3, port: 80 },
    });
    await eventually(
      'the first rollout to start',
      async () => client.get(Deployment, 'web', { namespace: ns.name }).catch(() => undefined),
      60_000,
    );
    await client.patch(WebApp, 'web', { spec: { image: 'nginx:1.28', replicas: 4 } }, { namespace: ns.name });
    first.child.kill('SIGKILL');
    await first.exited;
    const second = startOperator(registry.name, ns.name);
    try {
      const app = await eventually('convergence after the restart', () => available(ns.name, 'web'), 90_000);
      assert.equal(app.status?.readyReplicas, 4);
      const deployments = await client.list(Deployment, { namespace: ns.name });
      assert.deepEqual(
        deployments.items.map((d) => d.metadata?.name),
        ['web'],
        'one Deployment',
      );
      assert.equal(deployments.items[0]?.spec?.template.spec?.containers[0]?.image, 'nginx:1.28');
      const services = await client.list(Service, { namespace: ns.name });
      assert.deepEqual(
        services.items.map((s) => s.metadata?.name),
        ['web'],
        'one Service',
      );
      const reg = await client.get(ConfigMap, REGISTRY, { namespace: registry.name });
      assert.deepEqual(reg.data, { [`${ns.name}.web`]: 'nginx:1.28' });
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0, second.stderr());
    }
  });

  it('still converges when the leader of two replicas is killed', async () => {
    await using ns = await plane.createNamespace('ha');
    await using registry = await plane.createNamespace('registry');
    const env = {
      OPERON_LEADER_ELECTION: 'true',
      OPERON_LEASE_DURATION_MS: '3000',
      OPERON_RENEW_DEADLINE_MS: '2000',
      OPERON_RETRY_PERIOD_MS: '300',
    };
    const a = startOperator(registry.name, ns.name, env);
    const b = startOperator(registry.name, ns.name, env);
    await client.create(WebApp, {
      metadata: { name: 'ha', namespace: ns.name },
      spec: { image: 'nginx:1.27', replicas: 2, port: 80 },
    });
    await eventually('Available with two replicas running', () => available(ns.name, 'ha'));
    const lease = await eventually('the lease', async () => {
      const res = await plane.connection.request<{ spec?: { holderIdentity?: string } }>(
        'GET',
        `/apis/coordination.k8s.io/v1/namespaces/${registry.name}/leases/webapp-operator`,
      );
      return res.status === 200 ? res.body.spec?.holderIdentity : undefined;
    });
    // Identities are host_pid_random: find the leader by pid.
    const leader = [a, b].find((p) => lease.includes(`_${p.child.pid}_`))!;
    const survivor = leader === a ? b : a;
    assert.ok(leader, `the lease names one of the two (${lease})`);
    leader.child.kill('SIGKILL');
    await client.patch(WebApp, 'ha', { spec: { image: 'nginx:1.28' } }, { namespace: ns.name });
    const app = await eventually('convergence under the new leader', () => available(ns.name, 'ha'), 60_000);
    assert.equal(app.status?.observedGeneration, 2);
    survivor.child.kill('SIGTERM');
    assert.equal(await survivor.exited, 0, survivor.stderr());
  });
});
