import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Client,
  ConfigMap,
  CoreV1Event,
  createClient,
  EventsV1Event,
  loadKubeconfig,
  Namespace,
} from 'operon/client';
import { type ControlPlane, useControlPlane } from 'operon/testing';
import {
  createEventRecorder,
  type EventRecorder,
  type EventRecorderOptions,
  type EventSink,
} from '../src/events/index.ts';

let plane: ControlPlane;
let client: Client;

before(async () => {
  plane = await useControlPlane();
  client = createClient(await loadKubeconfig({ kubeconfig: plane.kubeconfig.path }), {
    fieldManager: 'events-test',
  });
});
after(async () => {
  await client?.close();
  await plane?.stop();
});

/** A recorder whose errors fail the test that made it. */
function recorder(
  options: Partial<EventRecorderOptions> = {},
  sink: EventSink = client,
): EventRecorder & { errors: unknown[] } {
  const errors: unknown[] = [];
  const r = createEventRecorder(sink, {
    reportingController: 'operon.dev/events-test',
    reportingInstance: 'events-test-0',
    onError: (err) => errors.push(err),
    ...options,
  });
  return Object.assign(r, { errors });
}

/**
 * The real client as the recorder's sink, noting each write and how the API server answered it
 * (`create 201`, `patch 404`, ...). `beforeCreate` runs before a create is passed on.
 */
function recordingSink(
  beforeCreate?: (object: EventsV1Event, namespace: string | undefined) => Promise<void>,
) {
  const writes: string[] = [];
  const note = async <T>(op: string, write: () => Promise<T>): Promise<T> => {
    try {
      const result = await write();
      writes.push(`${op} ok`);
      return result;
    } catch (err) {
      writes.push(`${op} ${(err as { status?: number }).status ?? String(err)}`);
      throw err;
    }
  };
  const sink: EventSink = {
    create: async (type, object, o) => {
      await beforeCreate?.(object as unknown as EventsV1Event, o?.namespace);
      return note('create', () => client.create(type, object, o));
    },
    patch: (type, name, patch, o) => note('patch', () => client.patch(type, name, patch, o)),
  };
  return { sink, writes };
}

async function eventsAbout(namespace: string, uid: string) {
  const list = await client.list(EventsV1Event, { namespace });
  return list.items.filter((e) => e.regarding?.uid === uid);
}

describe('the event recorder against a real API server', () => {
  it('creates an events.k8s.io/v1 Event about a ConfigMap, with every field', async () => {
    await using ns = await plane.createNamespace('events');
    const cm = await client.create(ConfigMap, { metadata: { name: 'settings', namespace: ns.name } });
    await using r = recorder();
    r.event(cm, {
      type: 'Warning',
      reason: 'InvalidSetting',
      action: 'Validate',
      note: 'key "x" is not a number',
    });
    await r.flush();
    assert.deepEqual(r.errors, []);

    const [event, ...rest] = await eventsAbout(ns.name, cm.metadata!.uid!);
    assert.equal(rest.length, 0);
    assert.ok(event);
    assert.match(event.metadata?.name ?? '', /^settings\.[0-9a-f]+$/);
    assert.equal(event.metadata?.namespace, ns.name);
    assert.deepEqual(event.regarding, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'settings',
      namespace: ns.name,
      uid: cm.metadata!.uid,
      resourceVersion: cm.metadata!.resourceVersion,
    });
    assert.equal(event.type, 'Warning');
    assert.equal(event.reason, 'InvalidSetting');
    assert.equal(event.action, 'Validate');
    assert.equal(event.note, 'key "x" is not a number');
    assert.equal(event.reportingController, 'operon.dev/events-test');
    assert.equal(event.reportingInstance, 'events-test-0');
    assert.match(event.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(event.series, undefined);
  });

  it('shows the Event through core v1 too, as kubectl get events lists it', async () => {
    await using ns = await plane.createNamespace('events-core');
    const cm = await client.create(ConfigMap, { metadata: { name: 'settings', namespace: ns.name } });
    await using r = recorder();
    r.event(cm, { type: 'Normal', reason: 'Synced', action: 'Sync', note: 'in sync' });
    await r.flush();
    const core = await client.list(CoreV1Event, { namespace: ns.name });
    const event = core.items.find((e) => e.involvedObject.uid === cm.metadata!.uid);
    assert.ok(event, 'listed by /api/v1/namespaces/NS/events');
    assert.equal(event.reason, 'Synced');
    assert.equal(event.message, 'in sync');
    assert.equal(event.involvedObject.kind, 'ConfigMap');
    assert.equal(event.reportingComponent, 'operon.dev/events-test');
  });

  it('folds ten identical events into one Event with series.count 10', async () => {
    await using ns = await plane.createNamespace('events-series');
    const cm = await client.create(ConfigMap, { metadata: { name: 'flappy', namespace: ns.name } });
    await using r = recorder();
    for (let i = 0; i < 10; i++) {
      r.event(cm, { type: 'Warning', reason: 'BackOff', action: 'Retry', note: 'still failing' });
    }
    await r.flush();
    assert.deepEqual(r.errors, []);
    const events = await eventsAbout(ns.name, cm.metadata!.uid!);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.series?.count, 10);
    assert.match(events[0]?.series?.lastObservedTime ?? '', /\.\d{6}Z$/);

    // Later repeats update the same Event.
    r.event(cm, { type: 'Warning', reason: 'BackOff', action: 'Retry', note: 'still failing' });
    await r.flush();
    const again = await eventsAbout(ns.name, cm.metadata!.uid!);
    assert.equal(again.length, 1);
    assert.equal(again[0]?.series?.count, 11);
  });

  it('drops the 26th and later events about one object', async () => {
    await using ns = await plane.createNamespace('events-spam');
    const cm = await client.create(ConfigMap, { metadata: { name: 'noisy', namespace: ns.name } });
    await using r = recorder();
    for (let i = 0; i < 30; i++) {
      r.event(cm, { type: 'Normal', reason: `Step${i}`, action: 'Work' });
    }
    await r.flush();
    assert.deepEqual(r.errors, []);
    const events = await eventsAbout(ns.name, cm.metadata!.uid!);
    assert.equal(events.length, 25);
    assert.equal(r.stats().rateLimited, 5);
    assert.ok(!events.some((e) => e.reason === 'Step25'));
  });

  it("puts an Event about a Namespace (cluster-scoped) in the fallback namespace, 'default' unless told", async () => {
    await using ns = await plane.createNamespace('events-cluster');
    const namespace = await client.get(Namespace, ns.name);
    const uid = namespace.metadata!.uid!;
    await using r = recorder();
    r.event(namespace, { type: 'Normal', reason: 'Adopted', action: 'Label' });
    await using system = recorder({ namespaceFallback: 'kube-system' });
    system.event(namespace, { type: 'Normal', reason: 'Audited', action: 'Audit' });
    await Promise.all([r.flush(), system.flush()]);
    assert.deepEqual([...r.errors, ...system.errors], []);

    const [event, ...rest] = await eventsAbout('default', uid);
    assert.ok(event, 'the Event is in default');
    assert.equal(rest.length, 0);
    assert.equal(event.reason, 'Adopted');
    assert.equal(event.regarding?.kind, 'Namespace');
    assert.equal(event.regarding?.name, ns.name);
    assert.equal(event.regarding?.namespace, undefined);
    const [audited] = await eventsAbout('kube-system', uid);
    assert.equal(audited?.reason, 'Audited');
  });

  it('cuts a note over 1 KiB so the API server takes it', async () => {
    await using ns = await plane.createNamespace('events-note');
    const cm = await client.create(ConfigMap, { metadata: { name: 'verbose', namespace: ns.name } });
    await using r = recorder();
    r.event(cm, { type: 'Warning', reason: 'Failed', action: 'Render', note: `${'é'.repeat(600)}tail` });
    await r.flush();
    assert.deepEqual(r.errors, []);
    const [event] = await eventsAbout(ns.name, cm.metadata!.uid!);
    assert.ok(event?.note);
    assert.ok(Buffer.byteLength(event.note) <= 1024, `${Buffer.byteLength(event.note)} bytes`);
    assert.equal(event.note, 'é'.repeat(512));
  });

  it('reports a write the API server refuses, without retrying', async () => {
    await using ns = await plane.createNamespace('events-invalid');
    const cm = await client.create(ConfigMap, { metadata: { name: 'c', namespace: ns.name } });
    await using r = recorder();
    r.event(cm, { type: 'Normal', reason: 'R'.repeat(200), action: 'Act' });
    await r.flush();
    assert.equal(r.errors.length, 1);
    assert.match(String(r.errors[0]), /Invalid|422/);
    assert.equal(r.stats().failed, 1);
  });

  it('creates the Event again when the API server answers a series update with 404 (the Event expired)', async () => {
    await using ns = await plane.createNamespace('events-expired');
    const cm = await client.create(ConfigMap, { metadata: { name: 'flappy', namespace: ns.name } });
    const { sink, writes } = recordingSink();
    await using r = recorder({}, sink);
    const again = { type: 'Warning', reason: 'BackOff', action: 'Retry', note: 'still failing' } as const;
    r.event(cm, again);
    await r.flush();
    const [first] = await eventsAbout(ns.name, cm.metadata!.uid!);
    assert.ok(first?.metadata?.name);
    // Events expire after an hour (or someone deletes them): the next repeat finds it gone.
    await client.delete(EventsV1Event, first.metadata.name, { namespace: ns.name });
    r.event(cm, again);
    await r.flush();

    assert.deepEqual(r.errors, []);
    assert.deepEqual(writes, ['create ok', 'patch 404', 'create ok']);
    const [second, ...rest] = await eventsAbout(ns.name, cm.metadata!.uid!);
    assert.equal(rest.length, 0);
    assert.equal(second?.metadata?.name, first.metadata.name, 'the same series, under the same name');
    assert.notEqual(second?.metadata?.uid, first.metadata.uid, 'a new object');
    assert.equal(second?.series?.count, 2, 'the new Event carries the count so far');
    assert.equal(r.stats().written, 2);
  });

  it('updates the series when the API server answers a create with 409 (an earlier try went through)', async () => {
    await using ns = await plane.createNamespace('events-exists');
    const cm = await client.create(ConfigMap, { metadata: { name: 'flappy', namespace: ns.name } });
    let lostTry = true;
    // The first create reaches the server but its answer is lost (a timeout), so it is sent again.
    const { sink, writes } = recordingSink(async (object, namespace) => {
      if (!lostTry) return;
      lostTry = false;
      await client.create(EventsV1Event, object, { namespace });
    });
    await using r = recorder({}, sink);
    const again = { type: 'Warning', reason: 'BackOff', action: 'Retry', note: 'still failing' } as const;
    r.event(cm, again);
    r.event(cm, again);
    await r.flush();

    assert.deepEqual(r.errors, []);
    assert.deepEqual(writes, ['create 409', 'patch ok']);
    const [event, ...rest] = await eventsAbout(ns.name, cm.metadata!.uid!);
    assert.equal(rest.length, 0, 'one Event, not two');
    assert.equal(event?.series?.count, 2, 'the repeat was written onto the Event that was there');
    assert.match(event?.series?.lastObservedTime ?? '', /\.\d{6}Z$/);
  });
});
