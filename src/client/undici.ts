/**
 * The parts of undici the transport uses, loaded without undici's index: `import 'undici'` loads
 * all of undici (fetch, WebSocket, EventSource, mocks, caches: 110 modules, 1.3 MB of source), which
 * cost a minimal operator 17 MiB of RSS and 70 ms of start-up CPU (bench/idle.ts). These are the
 * agent and the request API, from undici's own files (the package has no `exports` map, and
 * test/client.test.ts runs every request through them); the proxy agent, which needs the
 * Dispatcher API the index installs, loads the index, only when a proxy is configured.
 */

import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';

const require = createRequire(import.meta.url);

export type { Dispatcher } from 'undici';

/** undici's `Agent`: a pool of connections per origin. */
export const Agent: typeof Undici.Agent = require('undici/lib/dispatcher/agent.js');

const apiRequest: (
  this: Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData> = require('undici/lib/api/api-request.js');

/** `dispatcher.request(options)`, as undici's index would install it on every dispatcher. */
export function request(
  dispatcher: Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
): Promise<Undici.Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, options);
}

/** undici's `ProxyAgent`; loads all of undici on first use. */
export function proxyAgent(options: Undici.ProxyAgent.Options): Undici.ProxyAgent {
  const { ProxyAgent } = require('undici') as typeof Undici;
  return new ProxyAgent(options);
}
