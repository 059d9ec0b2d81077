/** The shape of an events.k8s.io/v1 Event: `buildEvent()` turns what a controller reports into the object the API server stores. */

import { randomUUID } from 'node:crypto';
import type { KubernetesObject } from '../client/resource.ts';
import type { ObjectReference } from '../client/types/core-v1.ts';
import type { Event } from '../client/types/events-v1.ts';

/** What a controller reports about an object. */
export interface EventInput {
  /** `Warning` for something a human may need to act on; `Normal` otherwise. */
  type: 'Normal' | 'Warning';
  /** Why the action was taken, in UpperCamelCase (`ScalingReplicaSet`, `FailedCreate`); at most 128 bytes. */
  reason: string;
  /** What was done or failed (`Scale`, `Create`); at most 128 bytes. */
  action: string;
  /** A human-readable description; cut to 1 KiB (the API server's limit). */
  note?: string;
  /** A second object involved, e.g. the Pod a ReplicaSet created. */
  related?: KubernetesObject;
}

/** The API server's limit on `note`, in bytes of UTF-8. */
export const NOTE_LIMIT_BYTES = 1024;

/** The longest Kubernetes object name (a DNS subdomain). */
const NAME_LIMIT = 253;

/** A reference to `object` as an Event's `regarding` or `related`: apiVersion, kind, name, namespace, uid, resourceVersion. */
export function objectReference(object: KubernetesObject): ObjectReference {
  const meta = object.metadata ?? {};
  const ref: ObjectReference = {};
  if (object.apiVersion) ref.apiVersion = object.apiVersion;
  if (object.kind) ref.kind = object.kind;
  if (meta.name) ref.name = meta.name;
  if (meta.namespace) ref.namespace = meta.namespace;
  if (meta.uid) ref.uid = meta.uid;
  if (meta.resourceVersion) ref.resourceVersion = meta.resourceVersion;
  return ref;
}

/** `note` cut to at most 1 KiB of UTF-8, never inside a character. */
export function truncateNote(note: string): string {
  // Each UTF-16 unit is at most 3 UTF-8 bytes, so short notes need no encoding.
  if (note.length * 3 <= NOTE_LIMIT_BYTES) return note;
  const bytes = Buffer.from(note, 'utf8');
  if (bytes.length <= NOTE_LIMIT_BYTES) return note;
  let end = NOTE_LIMIT_BYTES;
  // Back up over continuation bytes (10xxxxxx) to the start of the character that does not fit.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** A MicroTime: RFC 3339 in UTC with six fractional digits, from Unix epoch milliseconds. */
export function microTime(epochMs: number): string {
  const whole = Math.floor(epochMs);
  const micros = Math.round((epochMs - whole) * 1000);
  const iso = new Date(whole).toISOString(); // 2025-01-02T03:04:05.678Z
  return `${iso.slice(0, -1)}${String(micros).padStart(3, '0')}Z`;
}

/**
 * A unique Event name for an object: `<object name>.<hex time><random>`, as client-go names them.
 * Characters a DNS subdomain does not allow (names such as `system:node`) become `-`, and long names
 * are cut so the whole stays within 253 characters.
 */
export function eventName(objectName: string, epochMs: number): string {
  const suffix = `${Math.floor(epochMs).toString(16)}${randomUUID().slice(28)}`;
  let base = objectName.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
  base = base.slice(0, NAME_LIMIT - suffix.length - 1).replace(/[^a-z0-9]+$/, '');
  return base ? `${base}.${suffix}` : suffix;
}

/** The identity of an object for grouping events: its uid, or its kind, namespace and name when it has none. */
export function objectIdentity(ref: ObjectReference | undefined): string {
  if (!ref) return '';
  return ref.uid || `${ref.apiVersion ?? ''}/${ref.kind ?? ''}/${ref.namespace ?? ''}/${ref.name ?? ''}`;
}

export interface BuildEventOptions {
  reportingController: string;
  reportingInstance: string;
  /** The Event's namespace when the object has none. */
  namespaceFallback: string;
  /** When the event was first observed, in Unix epoch milliseconds. */
  now: number;
}

/** The Event to create for `input` about `regarding` (without series: that is added once it repeats). */
export function buildEvent(
  regarding: KubernetesObject,
  input: EventInput,
  options: BuildEventOptions,
): Event {
  const ref = objectReference(regarding);
  const event: Event = {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: {
      name: eventName(ref.name ?? 'unnamed', options.now),
      namespace: ref.namespace || options.namespaceFallback,
    },
    eventTime: microTime(options.now),
    regarding: ref,
    reportingController: options.reportingController,
    reportingInstance: options.reportingInstance,
    action: input.action,
    reason: input.reason,
    type: input.type,
  };
  if (input.note !== undefined && input.note !== '') event.note = truncateNote(input.note);
  if (input.related) event.related = objectReference(input.related);
  return event;
}

/**
 * Events with the same key are one series: the same object (by uid), reason, action, type, note,
 * reporting controller and related object.
 */
export function seriesKey(event: Event): string {
  return JSON.stringify([
    objectIdentity(event.regarding),
    event.reason ?? '',
    event.action ?? '',
    event.type ?? '',
    event.note ?? '',
    event.reportingController ?? '',
    objectIdentity(event.related),
  ]);
}
