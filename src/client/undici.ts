/**
 * The parts of undici the transport uses, imported without undici's index: `import 'undici'` loads
 * all of undici (fetch, WebSocket, EventSource, mocks, caches: 110 modules, 1.3 MB of source), which
 * cost a minimal operator 17 MiB of RSS and 70 ms of start-up CPU (bench/idle.ts). These are the
 * agent and the request API, from undici's own files (the package has no `exports` map, and
 * test/client.test.ts runs every request through them), imported statically so that `operon build`
 * bundles them; the proxy agent, which needs the Dispatcher API the index installs, loads the index
 * from node_modules, only when a proxy is configured.
 */

import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import apiRequest from 'undici/lib/api/api-request.js';
import agent from 'undici/lib/dispatcher/agent.js';

export type { Dispatcher } from 'undici';

/** undici's `Agent`: a pool of connections per origin. */
export const Agent: typeof Undici.Agent = agent;

/** `dispatcher.request(options)`, as undici's index would install it on every dispatcher. */
export function request(
  dispatcher: Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
): Promise<Undici.Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, options);
}

/** undici's `ProxyAgent`; loads all of undici on first use. */
export function proxyAgent(options: Undici.ProxyAgent.Options): Undici.ProxyAgent {
  const { ProxyAgent } = createRequire(import.meta.url)('undici') as typeof Undici;
  return new ProxyAgent(options);
}
