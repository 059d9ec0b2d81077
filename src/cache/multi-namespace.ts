/**
 * One informer over several namespaces: `multiNamespaceInformer()` joins one informer per namespace
 * (one watch each, as controller-runtime's `DefaultNamespaces`) into a single `Informer` whose store
 * is a read-only view over theirs, so readers and controllers see one kind, not N.
 */

import type { KubernetesObject } from '../client/resource.ts';
import {
  compareResourceVersions,
  type EventHandlers,
  type Informer,
  type InformerStats,
} from './informer.ts';
import type { Store } from './store.ts';

/** The namespace of a store key (`namespace/name`); undefined for a cluster-scoped key. */
function namespaceOfKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  return slash < 0 ? undefined : key.slice(0, slash);
}

/** Joins `members` (namespace → its informer, all of one kind) into one informer. */
export function multiNamespaceInformer<T extends KubernetesObject>(
  members: ReadonlyMap<string, Informer<T>>,
): Informer<T> {
  const all = [...members.values()];
  const first = all[0];
  if (!first) throw new TypeError('multiNamespaceInformer needs at least one namespace');
  const memberOf = (key: string) => {
    const ns = namespaceOfKey(key);
    return ns === undefined ? undefined : members.get(ns);
  };

  const store: Store<T> = {
    get: (key) => memberOf(key)?.store.get(key),
    has: (key) => memberOf(key)?.store.has(key) ?? false,
    list: (namespace) =>
      namespace !== undefined
        ? (members.get(namespace)?.store.list() ?? [])
        : all.flatMap((i) => i.store.list()),
    byIndex: (name, value) => all.flatMap((i) => i.store.byIndex(name, value)),
    // Every member is built with the same index functions.
    indexNames: () => first.store.indexNames(),
    indexValues: (name, object) => first.store.indexValues(name, object),
    *keys() {
      for (const i of all) yield* i.store.keys();
    },
    get size() {
      return all.reduce((n, i) => n + i.store.size, 0);
    },
  };

  return {
    type: first.type,
    store,
    addIndex(name, fn) {
      for (const i of all) i.addIndex(name, fn);
    },
    async start(signal) {
      await Promise.all(all.map((i) => i.start(signal)));
    },
    async waitForSync(signal) {
      await Promise.all(all.map((i) => i.waitForSync(signal)));
    },
    get synced() {
      return all.every((i) => i.synced);
    },
    addHandlers(handlers: EventHandlers<T>) {
      const removers = all.map((i) => i.addHandlers(handlers));
      return () => {
        for (const r of removers) r();
      };
    },
    async waitFor(key, check, timeoutMs, signal, upTo) {
      const member = memberOf(key);
      // Not in a watched namespace: the cache never holds it.
      if (!member) return check(undefined);
      return member.waitFor(key, check, timeoutMs, signal, upTo);
    },
    stats() {
      const each = all.map((i) => i.stats());
      const sum = (f: (s: InformerStats) => number) => each.reduce((n, s) => n + f(s), 0);
      // The oldest resourceVersion: every namespace has seen at least that far.
      let resourceVersion = each[0]!.resourceVersion;
      for (const s of each) {
        if ((compareResourceVersions(s.resourceVersion, resourceVersion) ?? 0) < 0)
          resourceVersion = s.resourceVersion;
      }
      const since = each.map((s) => s.unhealthySince).filter((t) => t > 0);
      return {
        objects: sum((s) => s.objects),
        events: sum((s) => s.events),
        lists: sum((s) => s.lists),
        errors: sum((s) => s.errors),
        staleDropped: sum((s) => s.staleDropped),
        lastEventAt: Math.max(...each.map((s) => s.lastEventAt)),
        resourceVersion,
        healthy: each.every((s) => s.healthy),
        unhealthySince: since.length > 0 ? Math.min(...since) : 0,
        // Unhealthy as long as its longest-failing namespace.
        unhealthyForMs: Math.max(0, ...each.map((s) => s.unhealthyForMs)),
        skipped: sum((s) => s.skipped),
        restarts: sum((s) => s.restarts),
        needsResync: each.some((s) => s.needsResync),
        lastError: each.find((s) => s.lastError)?.lastError,
      };
    },
    approximateBytes: () => all.reduce((n, i) => n + i.approximateBytes(), 0),
  };
}
