import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildEvent,
  eventName,
  microTime,
  NOTE_LIMIT_BYTES,
  objectReference,
  seriesKey,
  truncateNote,
} from './event.ts';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'shop', uid: 'u-1', resourceVersion: '42', labels: { a: 'b' } },
};
const options = {
  reportingController: 'example.com/web',
  reportingInstance: 'web-7d9f',
  namespaceFallback: 'default',
  now: Date.parse('2025-03-04T05:06:07.891Z'),
};

describe('buildEvent', () => {
  it('refers to the object and carries every field the API server requires', () => {
    const event = buildEvent(
      pod,
      { type: 'Warning', reason: 'Failed', action: 'Pull', note: 'no image' },
      options,
    );
    assert.deepEqual(event.regarding, {
      apiVersion: 'v1',
      kind: 'Pod',
      name: 'web-0',
      namespace: 'shop',
      uid: 'u-1',
      resourceVersion: '42',
    });
    assert.equal(event.metadata?.namespace, 'shop');
    assert.match(event.metadata?.name ?? '', /^web-0\.[0-9a-f]+$/);
    assert.equal(event.eventTime, '2025-03-04T05:06:07.891000Z');
    assert.equal(event.reportingController, 'example.com/web');
    assert.equal(event.reportingInstance, 'web-7d9f');
    assert.equal(event.type, 'Warning');
    assert.equal(event.reason, 'Failed');
    assert.equal(event.action, 'Pull');
    assert.equal(event.note, 'no image');
    assert.equal(event.series, undefined);
  });

  it('puts events about cluster-scoped objects in the fallback namespace', () => {
    const event = buildEvent(
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n' } },
      { type: 'Normal', reason: 'Ready', action: 'Check' },
      { ...options, namespaceFallback: 'kube-system' },
    );
    assert.equal(event.metadata?.namespace, 'kube-system');
    assert.equal(event.regarding?.namespace, undefined);
  });

  it('refers to the related object', () => {
    const event = buildEvent(
      pod,
      {
        type: 'Normal',
        reason: 'Created',
        action: 'Create',
        related: { kind: 'Node', metadata: { name: 'n1' } },
      },
      options,
    );
    assert.deepEqual(event.related, { kind: 'Node', name: 'n1' });
  });

  it('gives each event a new name', () => {
    const names = new Set(Array.from({ length: 100 }, () => eventName('web-0', options.now)));
    assert.equal(names.size, 100);
  });

  it('makes names the API server takes from names it does not', () => {
    assert.match(eventName('system:controller:Foo', options.now), /^system-controller-foo\.[0-9a-f]+$/);
    const long = eventName('a'.repeat(300), options.now);
    assert.ok(long.length <= 253, `${long.length} characters`);
    assert.match(eventName(':::', options.now), /^[0-9a-f]+$/);
  });
});

describe('truncateNote', () => {
  it('keeps notes within 1 KiB of UTF-8 and never splits a character', () => {
    assert.equal(truncateNote('short'), 'short');
    assert.equal(truncateNote('x'.repeat(2000)).length, NOTE_LIMIT_BYTES);
    const euro = truncateNote('€'.repeat(400)); // 3 bytes each
    assert.equal(Buffer.byteLength(euro), 1023);
    assert.equal(euro, '€'.repeat(341));
    const emoji = truncateNote(`x${'😀'.repeat(300)}`); // 4 bytes each, offset by one
    assert.ok(Buffer.byteLength(emoji) <= NOTE_LIMIT_BYTES);
    assert.equal(emoji, `x${'😀'.repeat(255)}`);
  });
});

describe('microTime', () => {
  it('writes RFC 3339 with six fractional digits', () => {
    assert.equal(microTime(Date.parse('2025-01-01T00:00:00Z')), '2025-01-01T00:00:00.000000Z');
    assert.equal(microTime(Date.parse('2025-01-01T00:00:00.5Z') + 0.25), '2025-01-01T00:00:00.500250Z');
  });
});

describe('seriesKey', () => {
  const input = { type: 'Normal', reason: 'Synced', action: 'Sync', note: 'ok' } as const;
  it('is the same for a repeat, though its name, time and resourceVersion differ', () => {
    const a = buildEvent(pod, input, options);
    const b = buildEvent({ ...pod, metadata: { ...pod.metadata, resourceVersion: '43' } }, input, {
      ...options,
      now: options.now + 1000,
    });
    assert.notEqual(a.metadata?.name, b.metadata?.name);
    assert.equal(seriesKey(a), seriesKey(b));
  });

  it('differs by object, reason, action, type and note', () => {
    const base = seriesKey(buildEvent(pod, input, options));
    const other = { ...pod, metadata: { ...pod.metadata, uid: 'u-2' } };
    assert.notEqual(seriesKey(buildEvent(other, input, options)), base);
    for (const change of [{ reason: 'X' }, { action: 'X' }, { type: 'Warning' as const }, { note: 'X' }]) {
      assert.notEqual(seriesKey(buildEvent(pod, { ...input, ...change }, options)), base);
    }
  });
});

describe('objectReference', () => {
  it('keeps only the fields an ObjectReference has', () => {
    assert.deepEqual(objectReference({ kind: 'Thing', metadata: { name: 't' } }), {
      kind: 'Thing',
      name: 't',
    });
  });
});
