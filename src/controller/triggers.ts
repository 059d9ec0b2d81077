/**
 * Triggers: the three ways an event becomes a key on a controller's queue. `for` queues the
 * primary itself; `owns` queues the primary named by a child's controller reference
 * (`controllerOf()`); `watches` queues what its map function returns, for the old and the new
 * object of an update. Every request is made canonical (`normaliseRequest()`), so one object is
 * always one key, and nothing a predicate or map function does can throw out of a handler.
 */

import type { Informer } from '../cache/informer.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { Priority } from '../queue/index.ts';
import { contain } from './contain.ts';
import { controllerOf, type Owned, ownedResource } from './owner.ts';
import type { Predicate, PredicateEvent } from './predicates.ts';
import type { Reason } from './reasons.ts';
import { keyOf, normaliseRequest, type Request } from './request.ts';

/** A mapped watch: which primaries an event on one of its objects concerns. */
export interface Watch<U extends KubernetesObject = KubernetesObject> {
  resource: ResourceType<U>;
  /**
   * Which primaries an event on this object concerns. On an update it is called for the old and
   * the new object, so a primary the object stops referring to is reconciled too. For a
   * cluster-scoped primary, a namespace in a returned request is dropped; for a namespaced one,
   * a request without a namespace is rejected (logged, counted as a handler error).
   */
  map(object: U): ReadonlyArray<Request>;
  predicates?: ReadonlyArray<Predicate<U>>;
}

/** A typed watch entry: `watches(Secret, (s) => [{ name: s.metadata!.name!, namespace: ... }])`. */
export function watches<U extends KubernetesObject>(
  resource: ResourceType<U>,
  map: (object: U) => ReadonlyArray<Request>,
  predicates?: ReadonlyArray<Predicate<U>>,
): Watch<U> {
  return { resource, map, ...(predicates ? { predicates } : {}) };
}

/** What the triggers need from the controller. */
export interface TriggerSink {
  enqueue(request: Request, reason: Reason, priority: number): void;
  /** A predicate, map function or request was broken; the event went on (predicate) or was dropped. */
  handlerError(
    what: 'predicate' | 'map',
    message: string,
    err: unknown,
    fields?: Record<string, unknown>,
  ): void;
  /** Something worth a log line that is not an error (a namespace dropped from a request). */
  notice(message: string, fields?: Record<string, unknown>): void;
}

/** The informers the triggers hook into (the shared cache). */
export interface InformerSource {
  informerFor<T extends KubernetesObject>(type: ResourceType<T>): Pick<Informer<T>, 'addHandlers'>;
}

export interface TriggerOptions<T extends KubernetesObject> {
  for: ResourceType<T>;
  predicates?: ReadonlyArray<Predicate<T>> | undefined;
  owns?: ReadonlyArray<Owned> | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: each watch has a kind of its own
  watches?: ReadonlyArray<Watch<any>> | undefined;
}

const sourceOf = (o: KubernetesObject): NonNullable<Reason['source']> => ({
  kind: o.kind ?? '',
  name: o.metadata?.name ?? '',
  namespace: o.metadata?.namespace,
});

/** The request for a primary object itself; undefined when it has no name. */
export function primaryRequest(primary: ResourceType, object: KubernetesObject): Request | undefined {
  const name = object.metadata?.name;
  if (!name) return undefined;
  return primary.namespaced ? { name, namespace: object.metadata?.namespace } : { name };
}

/**
 * The primary that controls `child`: its controller reference, when that names the primary's kind
 * (same kind, same API group; any version). The namespace is the child's when the primary is
 * namespaced (owner references do not cross namespaces) and none when it is cluster-scoped, so a
 * cluster-scoped owner of children in many namespaces is one key.
 */
export function ownerRequest(primary: ResourceType, child: KubernetesObject): Request | undefined {
  const ref = controllerOf(child);
  if (!ref || ref.kind !== primary.kind || !ref.name) return undefined;
  const group =
    typeof ref.apiVersion === 'string' && ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  if (group !== primary.group) return undefined;
  return primary.namespaced ? { name: ref.name, namespace: child.metadata?.namespace } : { name: ref.name };
}

/** Whether every predicate passes; a throwing (or Promise-returning) predicate lets the event through. */
function passes<U extends KubernetesObject>(
  predicates: ReadonlyArray<Predicate<U>> | undefined,
  e: PredicateEvent<U>,
  sink: TriggerSink,
): boolean {
  for (const p of predicates ?? []) {
    let threw = false;
    const verdict = contain(
      () => p(e),
      (err) => {
        threw = true;
        sink.handlerError('predicate', 'predicate threw; letting the event through', err);
      },
    );
    if (threw) continue;
    if ((verdict as unknown) instanceof Promise) {
      // An async predicate: its answer would come too late, and a Promise is always truthy.
      sink.handlerError(
        'predicate',
        'predicate returned a Promise; letting the event through',
        new TypeError('a predicate returned a Promise; predicates must answer synchronously'),
      );
      continue;
    }
    if (!verdict) return false;
  }
  return true;
}

/**
 * The distinct, canonical requests `watch.map` gives for `objects` (the old and the new object of
 * an update). A map that throws or returns something that is not an array contributes nothing
 * for that object; a malformed request is dropped alone. Every problem goes to `sink`.
 */
export function mapRequests(
  primary: ResourceType,
  watch: Watch<KubernetesObject>,
  objects: ReadonlyArray<KubernetesObject>,
  sink: TriggerSink,
): Request[] {
  const out = new Map<string, Request>();
  for (const object of objects) {
    let threw = false;
    const requests = contain(
      () => watch.map(object),
      (err) => {
        threw = true;
        sink.handlerError('map', 'map function threw; event dropped', err, sourceFields(object));
      },
    );
    if (threw) continue;
    if (!isArray(requests)) {
      sink.handlerError(
        'map',
        'map function threw; event dropped',
        new TypeError('map must return an array of requests'),
        sourceFields(object),
      );
      continue;
    }
    let items: unknown[];
    try {
      items = [...requests];
    } catch (err) {
      sink.handlerError('map', 'map function threw; event dropped', err, sourceFields(object));
      continue;
    }
    for (const item of items) {
      const n = normaliseRequest(primary, item);
      if (!n.ok) {
        sink.handlerError(
          'map',
          'map function returned an invalid request; request dropped',
          new TypeError(n.problem),
          sourceFields(object),
        );
        continue;
      }
      if (n.droppedNamespace) {
        sink.notice(
          `map returned a namespace for cluster-scoped ${primary.kind} "${n.request.name}"; dropped it`,
          {
            ...sourceFields(object),
          },
        );
      }
      out.set(keyOf(n.request), n.request);
    }
  }
  return [...out.values()];
}

function isArray(value: unknown): value is readonly unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false; // a revoked Proxy
  }
}

function sourceFields(o: KubernetesObject): Record<string, unknown> {
  return { kind: o.kind, name: o.metadata?.name, namespace: o.metadata?.namespace };
}

/**
 * Hooks the triggers into the informers. Returns a function that unhooks them all. Keys from the
 * first list are queued at low priority, so live changes go first.
 */
export function registerTriggers<T extends KubernetesObject>(
  options: TriggerOptions<T>,
  informers: InformerSource,
  sink: TriggerSink,
): () => void {
  const primary = options.for;
  const removers: Array<() => void> = [];
  const priorityOf = (initial: boolean) => (initial ? Priority.low : Priority.normal);

  const onPrimary = (e: PredicateEvent<T>, reason: Reason, priority: number) => {
    if (!passes(options.predicates, e, sink)) return;
    const request = primaryRequest(primary, e.object);
    if (request) sink.enqueue(request, reason, priority);
  };
  removers.push(
    informers.informerFor(primary).addHandlers({
      add: (object, { initial }) =>
        onPrimary({ type: 'create', object }, { kind: initial ? 'initial' : 'create' }, priorityOf(initial)),
      update: (old, object) =>
        onPrimary({ type: 'update', object, old }, { kind: 'update' }, Priority.normal),
      delete: (object) => onPrimary({ type: 'delete', object }, { kind: 'delete' }, Priority.normal),
    }),
  );

  for (const entry of options.owns ?? []) {
    const owned = ownedResource(entry);
    const onChild = (children: ReadonlyArray<KubernetesObject>, priority: number) => {
      const owners = new Map<string, Request>();
      for (const child of children) {
        const owner = ownerRequest(primary, child);
        if (owner) owners.set(keyOf(owner), owner);
      }
      const reason: Reason = { kind: 'owned', source: sourceOf(children[children.length - 1]!) };
      for (const owner of owners.values()) sink.enqueue(owner, reason, priority);
    };
    removers.push(
      informers.informerFor(owned).addHandlers({
        add: (o, { initial }) => onChild([o], priorityOf(initial)),
        // The old owner too: a child moved to another owner (or orphaned) concerns both.
        update: (old, o) => onChild([old, o], Priority.normal),
        delete: (o) => onChild([o], Priority.normal),
      }),
    );
  }

  for (const watch of (options.watches ?? []) as ReadonlyArray<Watch<KubernetesObject>>) {
    const onEvent = (e: PredicateEvent<KubernetesObject>, priority: number) => {
      if (!passes(watch.predicates, e, sink)) return;
      const objects = e.old ? [e.old, e.object] : [e.object];
      const reason: Reason = { kind: 'mapped', source: sourceOf(e.object) };
      for (const r of mapRequests(primary, watch, objects, sink)) sink.enqueue(r, reason, priority);
    };
    removers.push(
      informers.informerFor(watch.resource).addHandlers({
        add: (object, { initial }) => onEvent({ type: 'create', object }, priorityOf(initial)),
        update: (old, object) => onEvent({ type: 'update', object, old }, Priority.normal),
        delete: (object) => onEvent({ type: 'delete', object }, Priority.normal),
      }),
    );
  }

  return () => {
    for (const remove of removers) contain(remove, () => {});
  };
}
