/**
 * Counting API requests: `scrapeRequests()` reads the kube-apiserver's own `apiserver_request_total`
 * from `/metrics`, so a contender's requests are counted by the server whatever client it uses.
 *
 * The server counts a request when it completes: a watch open across a window is not in it.
 */

import type { Client } from 'operon/client';

/** Requests by `VERB resource[/subresource]`. */
export type RequestCounts = Map<string, number>;

const LINE = /^apiserver_request_total\{([^}]*)\}\s+(\S+)/;
const LABEL = /(\w+)="([^"]*)"/g;

/** Resource requests the server has served so far (non-resource URLs such as /metrics and leases left out). */
export async function scrapeRequests(client: Client): Promise<RequestCounts> {
  const response = await client.transport.send({ method: 'GET', path: '/metrics', accept: 'text/plain' });
  const text = await response.body.text();
  if (response.status !== 200)
    throw new Error(`GET /metrics answered ${response.status}: ${text.slice(0, 200)}`);
  const counts: RequestCounts = new Map();
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of match[1]!.matchAll(LABEL)) labels[k!] = v!;
    // Leases are the API server's own heartbeats; an empty resource is a non-resource URL.
    if (!labels.resource || labels.resource === 'leases') continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(match[2]));
  }
  return counts;
}

/** `after - before`, less `own` (the bench's own requests in the window), dropping zeros. */
export function requestsBetween(
  before: RequestCounts,
  after: RequestCounts,
  own: RequestCounts = new Map(),
): RequestCounts {
  const out: RequestCounts = new Map();
  for (const [key, n] of after) {
    const d = n - (before.get(key) ?? 0) - (own.get(key) ?? 0);
    if (d !== 0) out.set(key, d);
  }
  return out;
}

const WRITE = /^(POST|PUT|PATCH|APPLY|DELETE|DELETECOLLECTION) /;

export function total(counts: RequestCounts): { all: number; writes: number } {
  let all = 0;
  let writes = 0;
  for (const [key, n] of counts) {
    all += n;
    if (WRITE.test(key)) writes += n;
  }
  return { all, writes };
}

/** `PATCH widgets/status 1.00, GET configmaps 0.02` per object, largest first. */
export function describePerObject(counts: RequestCounts, objects: number): string {
  return [...counts]
    .filter(([, n]) => n / objects >= 0.005)
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key} ${(n / objects).toFixed(2)}`)
    .join(', ');
}

/**
 * Counts a client's own requests the way the server labels them (verb, resource, subresource),
 * for `ClientOptions.onResponse`. Watches are left out: the server counts them when they end.
 */
export function ownRequestCounter(): {
  counts: RequestCounts;
  onResponse: (method: string, path: string, status: number) => void;
} {
  const counts: RequestCounts = new Map();
  return {
    counts,
    onResponse(method, path) {
      const [route = '', query = ''] = path.split('?');
      if (/(^|&)watch=(true|1)/.test(query)) return;
      const parts = route.split('/').filter(Boolean);
      // /api/v1/... or /apis/GROUP/VERSION/...; then namespaces/NS/, then resource[/name[/sub]].
      let rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
      if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
      const [resource, name, subresource] = rest;
      if (!resource || resource === 'leases') return;
      let verb = method;
      if (method === 'GET') verb = name ? 'GET' : 'LIST';
      const key = `${verb} ${resource}${subresource ? `/${subresource}` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
  };
}
