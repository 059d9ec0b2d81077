/**
 * Authentication and authorization of scrapes, delegated to the API server as controller-runtime's
 * `filters.WithAuthenticationAndAuthorization` does: `createDelegatingAuth(client)` checks a bearer
 * token with a TokenReview and the right to `get` the path with a SubjectAccessReview.
 */

import { createHash } from 'node:crypto';
import type { Client } from '../client/client.ts';
import { SubjectAccessReview, TokenReview, type UserInfo } from '../client/types/index.ts';

/** What a request may do: `unauthenticated` (401), `forbidden` (403) or `allowed`. */
export type AuthDecision =
  | { outcome: 'allowed'; user: string }
  | { outcome: 'unauthenticated'; reason: string }
  | { outcome: 'forbidden'; user: string; reason: string };

/** Decides whether the bearer of `authorization` (the header, if any) may `verb` the non-resource `path`. */
export type EndpointAuth = (
  authorization: string | undefined,
  attributes: { verb: string; path: string },
  signal?: AbortSignal,
) => Promise<AuthDecision>;

export interface DelegatingAuthOptions {
  /**
   * How long an authenticated token and an allowed (user, verb, path) are remembered; default
   * 60 s, 0 asks the API server on every request. Denials are never remembered, so a grant works at
   * once. Trade-off: a Prometheus scraping every 15 s costs the API server two reviews per scrape
   * without it, and a revoked token or RoleBinding keeps working for up to this long with it.
   * (controller-runtime remembers tokens for 1 min, allowed reviews for 5 min and denied ones for 30 s.)
   */
  cacheTtlMs?: number;
  /** Entries remembered at most (oldest dropped first); default 256. */
  maxEntries?: number;
  /** The clock, for tests; default `Date.now`. */
  now?: () => number;
  /** Per review; default 10 s, as controller-runtime. */
  timeoutMs?: number;
}

/** A TokenReview and SubjectAccessReview per request, through `client` (which needs `create` on both). */
export function createDelegatingAuth(client: Client, options: DelegatingAuthOptions = {}): EndpointAuth {
  const ttl = options.cacheTtlMs ?? 60_000;
  const max = options.maxEntries ?? 256;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const tokens = new Map<string, { user: UserInfo; until: number }>();
  const allowed = new Map<string, number>();

  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    if (ttl <= 0) return;
    map.delete(key);
    map.set(key, value);
    while (map.size > max) map.delete(map.keys().next().value!);
  };
  const signalFor = (signal: AbortSignal | undefined) =>
    signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);

  async function authenticate(token: string, signal?: AbortSignal): Promise<UserInfo | string> {
    // Keyed by a hash: the cache never holds the token itself.
    const key = createHash('sha256').update(token).digest('hex');
    const hit = tokens.get(key);
    if (hit && now() < hit.until) return hit.user;
    tokens.delete(key);
    const review = await client.create(
      TokenReview,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      { signal: signalFor(signal) },
    );
    const user = review.status?.user;
    if (!review.status?.authenticated || !user?.username) return review.status?.error || 'token not accepted';
    remember(tokens, key, { user, until: now() + ttl });
    return user;
  }

  return async (authorization, { verb, path }, signal) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return { outcome: 'unauthenticated', reason: 'no bearer token' };
    const user = await authenticate(match[1]!, signal);
    if (typeof user === 'string') return { outcome: 'unauthenticated', reason: user };
    const username = user.username!;
    const key = JSON.stringify([username, user.uid ?? '', user.groups ?? [], user.extra ?? {}, verb, path]);
    const until = allowed.get(key);
    if (until !== undefined && now() < until) return { outcome: 'allowed', user: username };
    allowed.delete(key);
    const review = await client.create(
      SubjectAccessReview,
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: username,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.groups ? { groups: user.groups } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          nonResourceAttributes: { verb, path },
        },
      },
      { signal: signalFor(signal) },
    );
    if (!review.status?.allowed) {
      return { outcome: 'forbidden', user: username, reason: review.status?.reason ?? '' };
    }
    remember(allowed, key, now() + ttl);
    return { outcome: 'allowed', user: username };
  };
}
