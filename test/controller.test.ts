import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Client,
  ClusterRole,
  ConfigMap,
  createClient,
  isNotFound,
  loadKubeconfig,
  Secret,
} from 'operon/client';
import {
  Action,
  applyOwned,
  controller,
  finalize,
  generationChanged,
  type Reason,
  type Request,
  watches,
} from 'operon/controller';
import { createLogger } from 'operon/log';
import { createManager, ExitCode, exitCodeOf, type Manager, ShutdownTimeoutError } from 'operon/manager';
import { type ControlPlane, eventually, startFaultProxy, useControlPlane } from 'operon/testing';

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane({ components: ['kube-controller-manager'] });
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }));
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

/** A manager for one test, scoped to a namespace, with endpoints on free ports. */
async function managerFor(namespace: string, extra: Partial<Parameters<typeof createManager>[0]> = {}) {
  const logs: string[] = [];
  const manager = await createManager({
    config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
    namespace,
    metricsAddress: '127.0.0.1:0',
    // Plain HTTP and a loopback /status, so the tests read them directly (secure metrics: security-metrics.test.ts).
    metricsSecure: false,
    statusAddress: '127.0.0.1:0',
    healthAddress: '127.0.0.1:0',
    gracefulShutdownMs: 5000,
    log: createLogger({ format: 'json', level: 'debug', write: (l) => logs.push(l) }),
    ...extra,
  });
  return { manager, logs };
}

function run(manager: Manager) {
  const ac = new AbortController();
  const done = manager.start(ac.signal);
  return {
    done,
    async stop() {
      ac.abort();
      await done;
    },
  };
}

describe('controllers against a real API server', () => {
  it('reconciles for its primary, an owned child (also when deleted) and a mapped watch; predicates filter', async () => {
    await using ns = await plane.createNamespace('triggers');
    const seen: Array<{ key: string; reasons: readonly Reason[] }> = [];
    const { manager } = await managerFor(ns.name);
    manager.add(
      controller({
        name: 'parent',
        for: ConfigMap,
        owns: [Secret],
        watches: [
          watches(Secret, (s) =>
            s.metadata?.labels?.parent ? [{ name: s.metadata.labels.parent, namespace: ns.name }] : [],
          ),
        ],
        predicates: [(e) => !e.object.metadata?.name?.startsWith('ignored')],
        async reconcile(request: Request, ctx) {
          seen.push({ key: `${request.namespace}/${request.name}`, reasons: ctx.reasons });
          const parent = await ctx.get();
          if (parent?.metadata?.labels?.role !== 'parent') return Action.done();
          await applyOwned(
            ctx.client,
            parent,
            Secret,
            { metadata: { name: `${request.name}-child` }, stringData: { a: 'b' } },
            ctx,
          );
          return Action.done();
        },
      }),
    );
    const r = run(manager);
    try {
      await client.create(ConfigMap, {
        metadata: { name: 'p', namespace: ns.name, labels: { role: 'parent' } },
      });
      await client.create(ConfigMap, { metadata: { name: 'ignored-1', namespace: ns.name } });
      const child = await eventually('the child Secret', async () =>
        client.get(Secret, 'p-child', { namespace: ns.name }).catch(() => undefined),
      );
      assert.equal(child.metadata?.ownerReferences?.[0]?.controller, true);
      assert.ok(
        seen.some(
          (s) => s.key.endsWith('/p') && s.reasons.some((x) => x.kind === 'create' || x.kind === 'initial'),
        ),
      );

      // Deleting the child reconciles its owner, which restores it.
      const before = seen.length;
      await client.delete(Secret, 'p-child', { namespace: ns.name });
      await eventually('the owner to be reconciled for its deleted child', () =>
        seen.slice(before).some((s) => s.key.endsWith('/p') && s.reasons.some((x) => x.kind === 'owned')),
      );
      await eventually('the child to be restored', async () =>
        client.get(Secret, 'p-child', { namespace: ns.name }).catch(() => undefined),
      );

      // A mapped watch: a Secret labelled parent=q reconciles ConfigMap q.
      await client.create(Secret, {
        metadata: { name: 'pointer', namespace: ns.name, labels: { parent: 'q' } },
      });
      await eventually('a mapped reconcile', () =>
        seen.some(
          (s) =>
            s.key.endsWith('/q') &&
            s.reasons.some((x) => x.kind === 'mapped' && x.source?.name === 'pointer'),
        ),
      );
      assert.ok(!seen.some((s) => s.key.includes('ignored')), 'the predicate filtered ignored-*');
    } finally {
      await r.stop();
    }
  });

  it('drops status-only updates with generationChanged', () => {
    const obj = (generation: number, status: string) => ({ metadata: { generation }, status: { s: status } });
    assert.equal(generationChanged({ type: 'update', object: obj(1, 'b'), old: obj(1, 'a') }), false);
    assert.equal(generationChanged({ type: 'update', object: obj(2, 'a'), old: obj(1, 'a') }), true);
    assert.equal(generationChanged({ type: 'create', object: obj(1, 'a') }), true);
  });

  it('never reconciles a key twice at once under 8 workers, and reconciles every final state', async () => {
    await using ns = await plane.createNamespace('concurrency');
    const keys = 1000;
    const active = new Set<string>();
    const overlaps: string[] = [];
    const lastSeen = new Map<string, string>();
    let maxParallel = 0;
    const { manager } = await managerFor(ns.name, { clientOptions: { connections: 128 } });
    manager.add(
      controller({
        name: 'counter',
        for: ConfigMap,
        concurrency: 8,
        async reconcile(request, ctx) {
          const key = `${request.namespace}/${request.name}`;
          if (active.has(key)) overlaps.push(key);
          active.add(key);
          maxParallel = Math.max(maxParallel, active.size);
          try {
            await new Promise((r) => setTimeout(r, Math.random() * 3));
            const cm = await ctx.get();
            if (cm) lastSeen.set(request.name, cm.metadata!.resourceVersion!);
          } finally {
            active.delete(key);
          }
          return Action.done();
        },
      }),
    );
    const r = run(manager);
    try {
      const names = Array.from({ length: keys }, (_, i) => `k${i}`);
      for (let i = 0; i < keys; i += 100) {
        await Promise.all(
          names
            .slice(i, i + 100)
            .map((name) =>
              client.create(ConfigMap, { metadata: { name, namespace: ns.name }, data: { v: '0' } }),
            ),
        );
      }
      // Keep updating a hot subset while the controller works.
      for (let round = 1; round <= 5; round++) {
        await Promise.all(
          names
            .slice(0, 200)
            .map((name) =>
              client.patch(ConfigMap, name, { data: { v: String(round) } }, { namespace: ns.name }),
            ),
        );
      }
      const truth = new Map(
        (await client.list(ConfigMap, { namespace: ns.name })).items.map((c) => [
          c.metadata!.name!,
          c.metadata!.resourceVersion!,
        ]),
      );
      await eventually(
        'every key reconciled at its final state',
        () => [...truth].every(([n, rv]) => lastSeen.get(n) === rv) || undefined,
        120_000,
      );
      assert.deepEqual(overlaps, [], 'no key was reconciled by two workers at once');
      assert.ok(maxParallel > 1, `workers ran in parallel (max ${maxParallel})`);
    } finally {
      await r.stop();
    }
  });

  it("runs a finalizer's cleanup to completion before the object goes, and again after a crash mid-cleanup", async () => {
    await using ns = await plane.createNamespace('finalizer');
    const FINALIZER = 'test.operon.dev/cleanup';
    let attempts = 0;
    /** What finalize() returned for `guarded`, reconcile after reconcile, across both operators. */
    const states: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const define = (blockFirst: boolean) =>
      controller({
        name: 'finalizing',
        for: ConfigMap,
        async reconcile(request, ctx) {
          const cm = await ctx.get();
          if (!cm) return Action.done();
          const result = await finalize({
            client: ctx.client,
            type: ConfigMap,
            object: cm,
            finalizer: FINALIZER,
            cleanup: async () => {
              attempts++;
              if (blockFirst && attempts === 1) {
                // Crash here: wait until the operator is stopped under us.
                await new Promise((_, reject) =>
                  ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
                );
              }
              await gate;
              await ctx.client.create(ConfigMap, {
                metadata: { name: `cleaned-${request.name}`, namespace: ns.name },
              });
            },
          });
          if (request.name === 'guarded') states.push(result.state);
          return Action.done();
        },
      });
    const first = await managerFor(ns.name, { gracefulShutdownMs: 200 });
    first.manager.add(define(true));
    const r1 = run(first.manager);
    await client.create(ConfigMap, { metadata: { name: 'guarded', namespace: ns.name } });
    await eventually('the finalizer to be added', async () =>
      (await client.get(ConfigMap, 'guarded', { namespace: ns.name })).metadata?.finalizers?.includes(
        FINALIZER,
      ),
    );
    await client.delete(ConfigMap, 'guarded', { namespace: ns.name });
    await eventually('cleanup to start', () => attempts === 1);
    await r1.stop(); // the operator dies mid-cleanup
    const stillThere = await client.get(ConfigMap, 'guarded', { namespace: ns.name });
    assert.ok(stillThere.metadata?.deletionTimestamp, 'the object waits for its finalizer');
    assert.deepEqual(stillThere.metadata?.finalizers, [FINALIZER]);

    const second = await managerFor(ns.name);
    second.manager.add(define(false));
    const r2 = run(second.manager);
    try {
      await eventually('cleanup to run again', () => attempts === 2);
      // Still there while cleanup has not finished.
      assert.ok(await client.get(ConfigMap, 'guarded', { namespace: ns.name }));
      release();
      await eventually('the object to disappear', async () =>
        client.get(ConfigMap, 'guarded', { namespace: ns.name }).then(
          () => false,
          (e: unknown) => isNotFound(e),
        ),
      );
      assert.ok(
        await client.get(ConfigMap, 'cleaned-guarded', { namespace: ns.name }),
        'cleanup finished first',
      );
      await eventually('the finalized state to be reported', () => states.includes('finalized'));
    } finally {
      await r2.stop();
    }
    // The first reconcile added the finalizer; the crashed cleanup returned nothing; the second
    // operator's cleanup finished exactly once. A reconcile of the last cached copy may follow it,
    // and finds the finalizer gone ('deleting').
    assert.equal(states[0], 'added', states.join(', '));
    const done = states.indexOf('finalized');
    assert.deepEqual(
      states.slice(1, done).filter((s) => s !== 'present'),
      [],
      `before finalizing only 'present': ${states.join(', ')}`,
    );
    assert.deepEqual(
      states.slice(done + 1).filter((s) => s !== 'deleting'),
      [],
      `after finalizing only 'deleting': ${states.join(', ')}`,
    );
  });

  it('serves /metrics with controller-runtime series, and /readyz only after sync', async () => {
    await using ns = await plane.createNamespace('metrics');
    await client.create(ConfigMap, { metadata: { name: 'one', namespace: ns.name } });
    await using proxy = await startFaultProxy({ port: Number(new URL(plane.server).port) });
    proxy.pause();
    const config = await loadKubeconfig({ kubeconfig: plane.kubeconfig.path });
    const { manager } = await managerFor(ns.name, { config: { ...config, server: proxy.url } });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    manager.add(
      controller({
        name: 'measured',
        for: ConfigMap,
        async reconcile(request) {
          await gate;
          if (request.name === 'fails') throw new Error('boom');
          return Action.done();
        },
      }),
    );
    const r = run(manager);
    try {
      const health = await eventually('the health endpoint', () => manager.addresses.health);
      // The API server is out of reach, so the caches cannot sync: not ready, yet alive.
      const notReady = await fetch(`http://${health}/readyz`);
      assert.deepEqual(
        { status: notReady.status, body: await notReady.text() },
        { status: 503, body: 'caches not synced yet\n' },
        '/readyz is not ready before the caches sync, and says so',
      );
      assert.equal((await fetch(`http://${health}/healthz`)).status, 200);
      proxy.resume();
      proxy.cutAll(); // what was sent while silent is lost: start afresh
      await eventually('ready', async () => (await fetch(`http://${health}/readyz`)).status === 200);
      release();
      await client.create(ConfigMap, { metadata: { name: 'fails', namespace: ns.name } });
      const metrics = manager.addresses.metrics!;
      const text = await eventually('the series', async () => {
        const t = await (await fetch(`http://${metrics}/metrics`)).text();
        return /controller_runtime_reconcile_errors_total\{controller="measured"\} [1-9]/.test(t)
          ? t
          : undefined;
      });
      assert.match(
        text,
        /controller_runtime_reconcile_total\{controller="measured",result="success"\} [1-9]/,
      );
      assert.match(
        text,
        /controller_runtime_reconcile_time_seconds_bucket\{le="\+Inf",controller="measured"\} [1-9]/,
      );
      assert.match(text, /workqueue_adds_total\{name="measured",controller="measured"\} [1-9]/);
      assert.match(text, /workqueue_depth\{name="measured",controller="measured"\} \d/);
      assert.match(text, /controller_runtime_max_concurrent_reconciles\{controller="measured"\} 1/);
      assert.match(
        text,
        /operon_reconcile_reasons_total\{controller="measured",reason="(initial|create)"\} [1-9]/,
      );
      assert.equal((await fetch(`http://${health}/healthz`)).status, 200);
      const status = (await (await fetch(`http://${manager.addresses.status}/status`)).json()) as {
        controllers: Array<{ name: string; reconciles: number }>;
      };
      assert.ok(status.controllers.find((c) => c.name === 'measured')!.reconciles >= 2);
    } finally {
      await r.stop();
    }
  });

  it('contains bad reconcilers: a non-Error throw, a malformed action and a throwing predicate are logged, counted and survived', async () => {
    await using ns = await plane.createNamespace('contained');
    const { manager, logs } = await managerFor(ns.name);
    const thrown = { string: 0, action: 0, predicate: 0 };
    let goodRuns = 0;
    let letThrough = 0;
    // One controller per misbehaviour, so that each one's count can be read on its own.
    manager.add(
      controller({
        name: 'throws-string',
        for: ConfigMap,
        async reconcile(request) {
          if (request.name !== 'throws-string') return Action.done();
          thrown.string++;
          throw 'not an error';
        },
      }),
    );
    manager.add(
      controller({
        name: 'bad-action',
        for: ConfigMap,
        async reconcile(request) {
          if (request.name !== 'bad-action') return Action.done();
          thrown.action++;
          return { type: 'sometime' } as never;
        },
      }),
    );
    manager.add(
      controller({
        name: 'bad-predicate',
        for: ConfigMap,
        predicates: [
          (e) => {
            if (e.object.metadata?.name !== 'bad-predicate') return true;
            thrown.predicate++;
            throw new Error('predicate exploded');
          },
        ],
        async reconcile(request) {
          if (request.name === 'bad-predicate') letThrough++;
          if (request.name === 'good') goodRuns++;
          return Action.done();
        },
      }),
    );
    const r = run(manager);
    const panics = async (name: string) => {
      const text = await (await fetch(`http://${manager.addresses.metrics}/metrics`)).text();
      const m = new RegExp(
        `^controller_runtime_reconcile_panics_total\\{controller="${name}"\\} (\\d+)$`,
        'm',
      ).exec(text);
      return m ? Number(m[1]) : Number.NaN;
    };
    try {
      for (const name of ['throws-string', 'bad-action', 'bad-predicate', 'good']) {
        await client.create(ConfigMap, { metadata: { name, namespace: ns.name } });
      }
      await eventually('the good object to reconcile', () => goodRuns > 0);
      await eventually('the event the predicate threw on to get through', () => letThrough > 0);
      // Each misbehaviour is counted once per occurrence, as controller-runtime counts panics; the
      // throwing reconcilers are retried, so their counts grow, and each settles equal to ours.
      for (const [name, count] of [
        ['throws-string', () => thrown.string],
        ['bad-action', () => thrown.action],
        ['bad-predicate', () => thrown.predicate],
      ] as const) {
        await eventually(
          `${name} to be counted as a panic each time`,
          async () => count() >= (name === 'bad-predicate' ? 1 : 2) && (await panics(name)) === count(),
        );
      }
      assert.ok(logs.some((l) => l.includes('throws-string') && l.includes('not an Error')));
      assert.ok(logs.some((l) => l.includes('bad-action') && l.includes('invalid action')));
      assert.ok(logs.some((l) => l.includes('predicate threw')));
      // Still alive: a new change is reconciled.
      const before = goodRuns;
      await client.patch(ConfigMap, 'good', { data: { again: '1' } }, { namespace: ns.name });
      await eventually('the manager to keep working', () => goodRuns > before);
    } finally {
      await r.stop();
    }
  });

  it('reconciles a cluster-scoped owner of children in two namespaces as one key, never twice at once', async () => {
    await using a = await plane.createNamespace('owner-a');
    await using b = await plane.createNamespace('owner-b');
    const ownerName = `operon-test-owner-${a.name}`;
    const owner = await client.create(ClusterRole, { metadata: { name: ownerName }, rules: [] });
    const requests: Array<{ request: Request; reasons: string[] }> = [];
    const active = new Set<string>();
    const overlaps: string[] = [];
    const logs: string[] = [];
    // Cluster-wide: the primary is cluster-scoped.
    const manager = await createManager({
      config: await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }),
      metricsAddress: '127.0.0.1:0',
      healthAddress: '127.0.0.1:0',
      gracefulShutdownMs: 5000,
      log: createLogger({ format: 'json', level: 'info', write: (l) => logs.push(l) }),
    });
    manager.add(
      controller({
        name: 'cluster-owner',
        for: ClusterRole,
        owns: [ConfigMap],
        concurrency: 4,
        predicates: [(e) => e.object.metadata?.name === ownerName],
        async reconcile(request, ctx) {
          const key = `${request.namespace ?? ''}/${request.name}`;
          if (active.size > 0) overlaps.push(key);
          active.add(key);
          try {
            requests.push({
              request,
              reasons: ctx.reasons.map((r) => `${r.kind} ${r.source?.namespace ?? ''}`),
            });
            // Widen the window in which a second key for the same owner would overlap.
            await new Promise((r) => setTimeout(r, 20));
          } finally {
            active.delete(key);
          }
          return Action.done();
        },
      }),
    );
    const r = run(manager);
    try {
      const ref = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        name: ownerName,
        uid: owner.metadata!.uid!,
        controller: true,
      };
      for (const ns of [a.name, b.name]) {
        await client.create(ConfigMap, {
          metadata: { name: 'quota', namespace: ns, ownerReferences: [ref] },
        });
      }
      await eventually('the owner reconciled for children in both namespaces', () =>
        [a.name, b.name].every((ns) => requests.some((x) => x.reasons.includes(`owned ${ns}`))),
      );
      // The two updates may be reconciled together (one key, reasons merged) or apart: wait for
      // the reconciles after the patches to name both namespaces, not for a number of them.
      const before = requests.length;
      for (const ns of [a.name, b.name]) {
        await client.patch(ConfigMap, 'quota', { data: { v: '1' } }, { namespace: ns });
      }
      await eventually('the updates reconciled', () =>
        [a.name, b.name].every((ns) => requests.slice(before).some((x) => x.reasons.includes(`owned ${ns}`))),
      );
      assert.ok(
        requests.every((x) => x.request.name === ownerName && x.request.namespace === undefined),
        JSON.stringify(requests.map((x) => x.request)),
      );
      assert.deepEqual(overlaps, [], 'one owner, one key: never reconciled twice at once');
    } finally {
      await r.stop();
      await client.delete(ClusterRole, ownerName).catch(() => undefined);
    }
  });

  it('reconciles the primary a watched object stopped referring to, and the one it refers to now', async () => {
    await using ns = await plane.createNamespace('remap');
    const reconciled: Array<{ name: string; mapped: boolean }> = [];
    const { manager } = await managerFor(ns.name);
    manager.add(
      controller({
        name: 'remapped',
        for: ConfigMap,
        watches: [
          watches(Secret, (s) =>
            s.metadata?.labels?.app ? [{ name: s.metadata.labels.app, namespace: ns.name }] : [],
          ),
        ],
        async reconcile(request, ctx) {
          reconciled.push({ name: request.name, mapped: ctx.reasons.some((x) => x.kind === 'mapped') });
          return Action.done();
        },
      }),
    );
    const r = run(manager);
    try {
      await client.create(Secret, {
        metadata: { name: 'pointer', namespace: ns.name, labels: { app: 'first' } },
      });
      await eventually('the first primary mapped', () =>
        reconciled.some((x) => x.name === 'first' && x.mapped),
      );
      const before = reconciled.length;
      await client.patch(
        Secret,
        'pointer',
        { metadata: { labels: { app: 'second' } } },
        { namespace: ns.name },
      );
      await eventually('both primaries reconciled after the update', () => {
        const since = reconciled.slice(before);
        return (
          since.some((x) => x.name === 'first' && x.mapped) &&
          since.some((x) => x.name === 'second' && x.mapped)
        );
      });
    } finally {
      await r.stop();
    }
  });

  it('stops the manager within its grace even when a reconcile ignores its signal', async () => {
    await using ns = await plane.createNamespace('hung');
    const { manager } = await managerFor(ns.name, { gracefulShutdownMs: 200 });
    let started = false;
    let release: () => void = () => {};
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    let finished = false;
    manager.add(
      controller({
        name: 'ignores-signal',
        for: ConfigMap,
        async reconcile() {
          started = true;
          await hung; // never looks at ctx.signal
          finished = true;
          return Action.done();
        },
      }),
    );
    const ac = new AbortController();
    const done = manager.start(ac.signal);
    let stopError: unknown;
    try {
      await client.create(ConfigMap, { metadata: { name: 'stuck', namespace: ns.name } });
      await eventually('the reconcile to hang', () => started);
    } finally {
      ac.abort();
      // start() settles although the reconcile still hangs, and says the grace period ran out.
      stopError = await done.then(
        () => undefined,
        (err: unknown) => err,
      );
      release();
    }
    assert.ok(
      stopError instanceof ShutdownTimeoutError,
      `expected a ShutdownTimeoutError, got ${String(stopError)}`,
    );
    assert.equal(exitCodeOf(stopError), ExitCode.ShutdownTimedOut);
    assert.equal(finished, false, 'the manager stopped while the reconcile still hung');
    // The error names what had not stopped: this controller.
    assert.deepEqual((stopError as ShutdownTimeoutError).pending, ['controller ignores-signal']);
  });
});
