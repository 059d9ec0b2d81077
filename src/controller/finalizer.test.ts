import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '../client/client.ts';
import { type ConfigMap, ConfigMap as ConfigMapType } from '../client/types/core-v1.ts';
import { finalize } from './finalizer.ts';

const FINALIZER = 'example.operon.dev/cleanup';

/** A client that records each patch, with the signal it was given, and answers with the patched object. */
function patchingClient() {
  const patches: Array<{ finalizers: unknown; signal: AbortSignal | undefined }> = [];
  const client = {
    patch: async (
      _type: unknown,
      _name: string,
      patch: { metadata: { finalizers: unknown } },
      o: { signal?: AbortSignal },
    ) => {
      o.signal?.throwIfAborted();
      patches.push({ finalizers: patch.metadata.finalizers, signal: o.signal });
      return { metadata: { name: 'cm', namespace: 'ns', finalizers: patch.metadata.finalizers } };
    },
  } as unknown as Client;
  return { client, patches };
}

const live: ConfigMap = { metadata: { name: 'cm', namespace: 'ns', resourceVersion: '7' } };
const deleting: ConfigMap = {
  metadata: {
    name: 'cm',
    namespace: 'ns',
    resourceVersion: '8',
    finalizers: [FINALIZER],
    deletionTimestamp: '2026-12-02T15:00:00Z',
  },
};

describe('finalize() and the reconcile signal', () => {
  it('writes nothing when the signal has already aborted', async () => {
    const { client, patches } = patchingClient();
    const lost = new Error('leadership lost');
    await assert.rejects(
      finalize({
        client,
        type: ConfigMapType,
        object: live,
        finalizer: FINALIZER,
        signal: AbortSignal.abort(lost),
        cleanup: async () => {},
      }),
      (err) => err === lost,
    );
    assert.deepEqual(patches, []);
  });

  it('passes the signal to its patch and to cleanup', async () => {
    const { client, patches } = patchingClient();
    const signal = new AbortController().signal;
    let cleanupSignal: AbortSignal | undefined;
    const added = await finalize({
      client,
      type: ConfigMapType,
      object: live,
      finalizer: FINALIZER,
      signal,
      cleanup: async () => {},
    });
    assert.equal(added.state, 'added');
    const done = await finalize({
      client,
      type: ConfigMapType,
      object: deleting,
      finalizer: FINALIZER,
      signal,
      cleanup: async (_o, ctx) => {
        cleanupSignal = ctx.signal;
      },
    });
    assert.equal(done.state, 'finalized');
    assert.equal(cleanupSignal, signal);
    assert.deepEqual(
      patches.map((p) => p.signal),
      [signal, signal],
    );
  });

  it('keeps the finalizer when the signal aborts during a cleanup that ignores it', async () => {
    const { client, patches } = patchingClient();
    const controller = new AbortController();
    await assert.rejects(
      finalize({
        client,
        type: ConfigMapType,
        object: deleting,
        finalizer: FINALIZER,
        signal: controller.signal,
        cleanup: async () => {
          // Lost leadership mid-cleanup; this cleanup does not look and returns as if done.
          controller.abort(new Error('leadership lost'));
        },
      }),
      /leadership lost/,
    );
    assert.deepEqual(patches, [], 'the finalizer was not removed');
  });
});
