/**
 * Watches a Kubernetes resource for changes, with error recovery: `watch()` lists, then watches
 * from the list's resourceVersion, resumes from the last resourceVersion seen (bookmarks
 * included) after every disconnect, relists after 410 Gone, and backs off with jitter on errors.
 * Only its AbortSignal ends it.
 */

import { isGone } from '../client/api-error.ts';
import type { Client, Selector } from '../client/client.ts';
import { selectorString } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import { errorFromResponse } from '../client/transport.ts';
import type { Status } from '../client/types/meta-v1.ts';

/**
 * What a watch yields.
 * - `list`: a complete, consistent snapshot (the first list, or a relist after 410 Gone). Objects
 *   absent from it were deleted while the watch was away; a cache swaps it in at once.
 * - `added` / `modified` / `deleted`: one change, in resourceVersion order.
 * - `bookmark`: progress with no change; the watch will resume from here.
 * - `error`: something failed; the watch retries after `retryInMs` (never ends by itself).
 */
export type WatchEvent<T> =
  | { type: 'list'; objects: T[]; resourceVersion: string; relist: boolean }
  | { type: 'added' | 'modified' | 'deleted'; object: T }
  | { type: 'bookmark'; resourceVersion: string }
  | { type: 'error'; error: Error; attempt: number; retryInMs: number };

export interface BackoffOptions {
  /** First delay after an error; default 800 ms (client-go's reflector). */
  initialMs?: number;
  /** Longest delay; default 30 s. */
  maxMs?: number;
  /** After this long without an error, the next error starts from `initialMs` again; default 2 min. */
  resetAfterMs?: number;
}

export interface WatchOptions {
  /** Ends the watch. Required: a watch runs until told to stop. */
  signal: AbortSignal;
  /** Omit for all namespaces. */
  namespace?: string | undefined;
  labelSelector?: Selector | undefined;
  fieldSelector?: Selector | undefined;
  /** Objects per page of a list; default 500. */
  pageSize?: number;
  /** Server-side watch timeout, chosen at random in [min, max] seconds for each watch; default [240, 480]. */
  timeoutSeconds?: readonly [number, number];
  /**
   * Longest silence on a watch before its connection counts as dead. The server sends a bookmark
   * about once a minute, so the default of 150 s catches a silently dropped connection.
   */
  idleTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Watch only metadata (PartialObjectMetadata): far less memory and traffic. */
  metadataOnly?: boolean;
  /** Start watching from here instead of listing first. */
  resourceVersion?: string;
  /**
   * Take the initial state as a stream of watch events (`sendInitialEvents`, the WatchList
   * feature) instead of a paged LIST; falls back to the LIST when the server refuses. Default
   * true: measured with 10,000 ConfigMaps (bench/streaming-list.ts), the informer synced 3–11%
   * sooner with 7% less peak heap, and the API server grew less (it need not build list pages).
   */
  streamingList?: boolean;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Splits a byte stream into lines. */
async function* lines(body: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) yield line;
      nl = buffer.indexOf('\n');
    }
  }
  buffer += decoder.decode();
  if (buffer.trim()) yield buffer;
}

const METADATA_LIST_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1beta1,application/json';
const METADATA_ACCEPT =
  'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1,application/json';

/** A watch ended by the server with an ERROR event; 410 means relist. */
class WatchStatusError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? `watch error ${status.code}`);
    this.status = status;
  }
}

/** Lists then watches `type`, forever, until `options.signal` aborts. */
export async function* watch<T extends KubernetesObject>(
  client: Client,
  type: ResourceType<T>,
  options: WatchOptions,
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const { signal } = options;
  const initialMs = options.backoff?.initialMs ?? 800;
  const maxMs = options.backoff?.maxMs ?? 30_000;
  const resetAfterMs = options.backoff?.resetAfterMs ?? 120_000;
  const [minTimeout, maxTimeout] = options.timeoutSeconds ?? [240, 480];
  const pageSize = options.pageSize ?? 500;
  const basePath = client.path(type, { namespace: options.namespace });
  const selectors = {
    labelSelector: options.labelSelector !== undefined ? selectorString(options.labelSelector) : undefined,
    fieldSelector: options.fieldSelector !== undefined ? selectorString(options.fieldSelector) : undefined,
  };

  let resourceVersion = options.resourceVersion;
  let needList = resourceVersion === undefined;
  let streamingList = options.streamingList ?? true;
  let listed = false;
  let attempt = 0;
  let lastErrorAt = 0;

  const query = (params: Record<string, string | number | undefined>) => {
    const parts = Object.entries({ ...selectors, ...params })
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
    return parts.length ? `?${parts.join('&')}` : '';
  };

  async function list(paged: boolean): Promise<{ objects: T[]; resourceVersion: string }> {
    const objects: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const path = basePath + query({ limit: paged ? pageSize : undefined, continue: cont });
      const res = await client.transport.send({
        method: 'GET',
        path,
        signal,
        ...(options.metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
      });
      const text = await res.body.text();
      if (res.status !== 200) throw errorFromResponse({ method: 'GET', path }, res.status, text, res.headers);
      const page = JSON.parse(text) as {
        metadata: { resourceVersion: string; continue?: string };
        items: T[];
      };
      for (const item of page.items) {
        item.apiVersion ??= type.apiVersion;
        item.kind ??= type.kind;
        objects.push(item);
      }
      rv = page.metadata.resourceVersion;
      cont = page.metadata.continue || undefined;
    } while (cont);
    return { objects, resourceVersion: rv };
  }

  while (!signal.aborted) {
    try {
      // The initial state, as events, when the list streams.
      let initial: T[] | undefined;
      if (needList && streamingList) initial = [];
      else if (needList) {
        let snapshot: { objects: T[]; resourceVersion: string };
        try {
          snapshot = await list(true);
        } catch (err) {
          // A continue token can expire between pages: take the whole list in one go instead.
          if (!isGone(err)) throw err;
          snapshot = await list(false);
        }
        resourceVersion = snapshot.resourceVersion;
        needList = false;
        yield { type: 'list', objects: snapshot.objects, resourceVersion, relist: listed };
        listed = true;
      }

      const timeoutSeconds = Math.floor(minTimeout + Math.random() * (maxTimeout - minTimeout + 1));
      const path =
        basePath +
        query(
          initial
            ? {
                watch: 1,
                sendInitialEvents: 'true',
                resourceVersionMatch: 'NotOlderThan',
                allowWatchBookmarks: 'true',
                timeoutSeconds,
              }
            : { watch: 1, resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds },
        );
      const res = await client.transport.send({
        method: 'GET',
        path,
        signal,
        bodyTimeoutMs: options.idleTimeoutMs ?? 150_000,
        ...(options.metadataOnly ? { accept: METADATA_ACCEPT } : {}),
      });
      if (res.status !== 200) {
        const text = await res.body.text();
        if (initial && (res.status === 400 || res.status === 422)) {
          // This server does not stream lists: LIST instead, from now on.
          streamingList = false;
          continue;
        }
        throw errorFromResponse({ method: 'GET', path }, res.status, text, res.headers);
      }
      try {
        for await (const line of lines(res.body)) {
          const event = JSON.parse(line) as { type: string; object: T & Status };
          if (event.type === 'ERROR') throw new WatchStatusError(event.object);
          const rv = event.object.metadata?.resourceVersion;
          if (rv) resourceVersion = rv;
          if (event.type === 'BOOKMARK') {
            if (initial && event.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true') {
              // The initial state is complete: it is a list like any other.
              needList = false;
              yield { type: 'list', objects: initial, resourceVersion: rv ?? '', relist: listed };
              listed = true;
              initial = undefined;
              continue;
            }
            yield { type: 'bookmark', resourceVersion: rv ?? resourceVersion ?? '' };
            continue;
          }
          const object = event.object as T;
          object.apiVersion ??= type.apiVersion;
          object.kind ??= type.kind;
          if (initial) {
            if (event.type === 'ADDED') initial.push(object);
            continue;
          }
          if (event.type === 'ADDED') yield { type: 'added', object };
          else if (event.type === 'MODIFIED') yield { type: 'modified', object };
          else if (event.type === 'DELETED') yield { type: 'deleted', object };
        }
      } finally {
        if (!res.body.destroyed) res.body.destroy();
      }
      // Ended before the initial state was complete: start that over.
      if (initial) throw new Error('the watch ended before its initial events were complete');
      // The server closed the watch (its timeout): resume from the last resourceVersion seen.
    } catch (err) {
      if (signal.aborted) return;
      if (isGone(err) || (err instanceof WatchStatusError && err.status.code === 410)) {
        // Our resourceVersion was compacted away: relist, which also reveals deletes we missed.
        needList = true;
        continue;
      }
      const now = Date.now();
      if (now - lastErrorAt > resetAfterMs) attempt = 0;
      lastErrorAt = now;
      attempt++;
      const base = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
      const retryInMs = Math.round(base * (0.5 + Math.random()));
      const error =
        err instanceof WatchStatusError
          ? errorFromResponse(
              { method: 'WATCH', path: basePath },
              err.status.code ?? 500,
              JSON.stringify(err.status),
            )
          : (err as Error);
      yield { type: 'error', error, attempt, retryInMs };
      await sleep(retryInMs, signal);
    }
  }
}
