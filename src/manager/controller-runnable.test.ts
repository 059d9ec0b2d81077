import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cache } from '../cache/cache.ts';
import type { EventHandlers } from '../cache/informer.ts';
import type { Client } from '../client/client.ts';
import type { KubernetesObject } from '../client/resource.ts';
import { ConfigMap } from '../client/types/core-v1.ts';
import { controller, prepareController } from '../controller/controller.ts';
import { createLogger } from '../log/logger.ts';
import { createFakeClock } from '../queue/clock.ts';
import { controllerRunnable } from './controller-runnable.ts';

/** A cache with one informer whose handlers a test calls by hand. */
function handCache() {
  const handlers = new Set<EventHandlers<KubernetesObject>>();
  const cache = {
    informerFor: () => ({
      addHandlers(h: EventHandlers<KubernetesObject>) {
        handlers.add(h);
        return () => handlers.delete(h);
      },
    }),
  } as unknown as Cache;
  const add = (name: string) => {
    for (const h of handlers) h.add?.({ metadata: { name, namespace: 'ns' } }, { initial: true });
  };
  return { cache, add };
}

describe('controllerRunnable', () => {
  for (const [label, reason] of [
    ['a stop', new Error('stopping')],
    ['a lost Lease', undefined],
  ] as const) {
    it(`starts no reconcile when its signal aborted before it started (${label})`, async () => {
      const { cache, add } = handCache();
      let reconciles = 0;
      const running = prepareController(
        controller({
          name: 'late',
          for: ConfigMap,
          reconcile: async () => {
            reconciles++;
          },
        }),
        {
          client: {} as Client,
          cache,
          clock: createFakeClock(),
          log: createLogger({ level: 'error', write: () => {} }),
        },
      );
      add('queued-while-syncing');
      const lost = new AbortController();
      const stop = new AbortController();
      if (reason) stop.abort(reason);
      else {
        lost.abort(new Error('lease taken'));
        stop.abort(lost.signal.reason);
      }
      await controllerRunnable(running, { graceMs: 0, lost: lost.signal }).start(stop.signal);
      await running.done;
      assert.equal(reconciles, 0, 'a reconcile ran after the stop');
    });
  }
});
