/**
 * A fake of `client.raw` for unit tests of the watch, the informer and the cache: each list or
 * watch request waits until the test answers it (a status, a list, or a stream it pushes lines into),
 * so a test decides every answer and sees every request, with no server and no timing.
 */

import type { RawApi, RawRequestOptions, RawStream } from '../client/client.ts';
import type { KubernetesObject, ResourceType } from '../client/resource.ts';
import type { WatchClient } from './watch.ts';

/** A watch stream the test writes into. */
export interface FakeStream {
  /** Sends one watch event (`{ type, object }`), or a raw line as is. */
  push(type: string, object: unknown): void;
  pushLine(line: string): void;
  /** The server closes the watch cleanly. */
  end(): void;
  /** The connection breaks: the read in progress rejects. */
  break(error?: Error): void;
  /** Whether the watch closed the stream (or it ended). */
  readonly closed: boolean;
}

/** A request the watch made, waiting for the test's answer. */
export interface FakeRequest {
  kind: 'list' | 'watch';
  namespace: string | undefined;
  /** The query, values as strings; undefined, false and '' left out (as the client does). */
  query: Record<string, string>;
  metadataOnly: boolean;
  /** Answers 200 with a list of `items` at `resourceVersion` (and a continue token, if any). */
  list(items: unknown[], resourceVersion: string, cont?: string): void;
  /** Answers with an error status (a Kubernetes Status body unless `body` is given). */
  fail(
    status: number,
    reason?: string,
    extra?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): void;
  /** Answers a watch with 200 and a stream. */
  stream(): FakeStream;
  /** Rejects the request, as a connection that could not be made. */
  reject(error: Error): void;
}

export interface FakeRaw {
  client: WatchClient;
  /** The next request not yet taken, once the watch has made it. */
  request(): Promise<FakeRequest>;
  /** Requests made and not yet taken. */
  readonly waiting: number;
  /** Every request made so far. */
  readonly made: number;
  /** Streams answered and not yet closed. */
  readonly openStreams: number;
}

export function createFakeRaw(): FakeRaw {
  const queue: FakeRequest[] = [];
  const takers: Array<(r: FakeRequest) => void> = [];
  let made = 0;
  const streams = new Set<FakeStream>();

  function arrive(request: FakeRequest): void {
    made++;
    const taker = takers.shift();
    if (taker) taker(request);
    else queue.push(request);
  }

  function call(kind: 'list' | 'watch', type: ResourceType, o: RawRequestOptions): Promise<RawStream> {
    return new Promise<RawStream>((resolve, reject) => {
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(o.query ?? {}))
        if (v !== undefined && v !== false && v !== '') query[k] = String(v);
      const path = `/fake/${type.plural}`;
      const answer = (status: number, body: string, headers: Record<string, string> = {}): RawStream => ({
        status,
        headers,
        path,
        text: async () => body,
        async *lines() {},
        close() {},
      });
      const onAbort = () => reject(o.signal.reason);
      o.signal.addEventListener('abort', onAbort, { once: true });
      const settle = (fn: () => void) => {
        o.signal.removeEventListener('abort', onAbort);
        fn();
      };
      const request: FakeRequest = {
        kind,
        namespace: o.namespace,
        query,
        metadataOnly: Boolean(o.metadataOnly),
        list(items, resourceVersion, cont) {
          const body = JSON.stringify({
            kind: 'List',
            metadata: { resourceVersion, ...(cont ? { continue: cont } : {}) },
            items,
          });
          settle(() => resolve(answer(200, body)));
        },
        fail(status, reason, extra, headers) {
          const body = JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            code: status,
            reason,
            message: `fake ${status}`,
            ...extra,
          });
          settle(() => resolve(answer(status, body, headers)));
        },
        reject(error) {
          settle(() => reject(error));
        },
        stream() {
          const lines: string[] = [];
          let ended = false;
          let broken: Error | undefined;
          let closed = false;
          let wake: (() => void) | undefined;
          const poke = () => {
            const w = wake;
            wake = undefined;
            w?.();
          };
          const controller: FakeStream = {
            push(type, object) {
              lines.push(JSON.stringify({ type, object }));
              poke();
            },
            pushLine(line) {
              lines.push(line);
              poke();
            },
            end() {
              ended = true;
              poke();
            },
            break(error = new Error('connection reset')) {
              broken = error;
              poke();
            },
            get closed() {
              return closed;
            },
          };
          streams.add(controller);
          const raw: RawStream = {
            status: 200,
            headers: {},
            path,
            text: async () => '',
            async *lines() {
              try {
                for (;;) {
                  if (closed) return;
                  const line = lines.shift();
                  if (line !== undefined) {
                    yield line;
                    continue;
                  }
                  if (broken) throw broken;
                  if (ended) return;
                  await new Promise<void>((r) => {
                    wake = r;
                  });
                }
              } finally {
                closed = true;
                streams.delete(controller);
              }
            },
            close() {
              closed = true;
              streams.delete(controller);
              poke();
            },
          };
          settle(() => resolve(raw));
          return controller;
        },
      };
      arrive(request);
    });
  }

  const raw: RawApi = {
    list: (type, o) => call('list', type as ResourceType<KubernetesObject>, o),
    watch: (type, o) => call('watch', type as ResourceType<KubernetesObject>, o),
  };

  return {
    client: { raw },
    request() {
      const next = queue.shift();
      if (next) return Promise.resolve(next);
      return new Promise((resolve) => takers.push(resolve));
    },
    get waiting() {
      return queue.length;
    },
    get made() {
      return made;
    },
    get openStreams() {
      return streams.size;
    },
  };
}
