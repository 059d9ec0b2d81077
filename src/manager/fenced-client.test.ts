import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Client } from '../client/client.ts';
import { ConfigMap } from '../client/types/core-v1.ts';
import { LeadershipLostError } from '../leader/leader-elector.ts';
import { fenceClient } from './fenced-client.ts';

interface Sent {
  method: string;
  signal: AbortSignal | undefined;
}

/** A client whose every request is recorded and stays in flight until its signal aborts. */
function recordingClient(): { client: Client; sent: Sent[] } {
  const sent: Sent[] = [];
  const request =
    (method: string, optionsAt: number) =>
    (...args: unknown[]) => {
      const signal = (args[optionsAt] as { signal?: AbortSignal } | undefined)?.signal;
      sent.push({ method, signal });
      return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason)));
    };
  const client = {
    config: {},
    fieldManager: 'test',
    get: request('get', 2),
    list: request('list', 1),
    create: request('create', 2),
    replace: request('replace', 2),
    patch: request('patch', 3),
    apply: request('apply', 2),
    delete: request('delete', 2),
    deleteCollection: request('deleteCollection', 1),
    listAll: (_type: unknown, o?: { signal?: AbortSignal }) => {
      sent.push({ method: 'listAll', signal: o?.signal });
      return {
        [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true, value: undefined }) }),
      };
    },
    status: {
      get: request('status.get', 2),
      replace: request('status.replace', 2),
      patch: request('status.patch', 3),
      apply: request('status.apply', 2),
    },
    scale: {
      get: request('scale.get', 2),
      replace: request('scale.replace', 2),
      patch: request('scale.patch', 3),
    },
    transport: {
      config: {},
      stats: { requests: 0, byMethod: {}, throttled: 0 },
      send: request('transport.send', 0),
      json: request('transport.json', 0),
      close: () => {
        sent.push({ method: 'transport.close', signal: undefined });
        return Promise.resolve();
      },
    },
    onWrite: () => () => {},
    path: () => '/api/v1/configmaps',
    close: () => {
      sent.push({ method: 'close', signal: undefined });
      return Promise.resolve();
    },
  } as unknown as Client;
  return { client, sent };
}

/** Every request method of a client, called once. */
function everyRequest(c: Client): Array<[string, () => Promise<unknown>]> {
  const cm = { metadata: { name: 'x', namespace: 'ns' } };
  const o = { namespace: 'ns' };
  return [
    ['get', () => c.get(ConfigMap, 'x', o)],
    ['list', () => c.list(ConfigMap, o)],
    ['create', () => c.create(ConfigMap, cm, o)],
    ['replace', () => c.replace(ConfigMap, cm, o)],
    ['patch', () => c.patch(ConfigMap, 'x', {}, o)],
    ['apply', () => c.apply(ConfigMap, cm, o)],
    ['delete', () => c.delete(ConfigMap, 'x', o)],
    ['deleteCollection', () => c.deleteCollection(ConfigMap, o)],
    ['status.get', () => c.status.get(ConfigMap, 'x', o)],
    ['status.replace', () => c.status.replace(ConfigMap, cm, o)],
    ['status.patch', () => c.status.patch(ConfigMap, 'x', {}, o)],
    ['status.apply', () => c.status.apply(ConfigMap, cm, o)],
    ['scale.get', () => c.scale.get(ConfigMap, 'x', o)],
    ['scale.replace', () => c.scale.replace(ConfigMap, {}, o)],
    ['scale.patch', () => c.scale.patch(ConfigMap, 'x', {}, o)],
  ];
}

describe('fenceClient', () => {
  it('cancels every request in flight the moment the fence aborts, with its reason', async () => {
    const { client, sent } = recordingClient();
    const fence = new AbortController();
    const fenced = fenceClient(client, fence.signal);
    const inFlight = everyRequest(fenced).map(([name, call]) => ({ name, result: call() }));
    assert.equal(sent.length, inFlight.length, 'before the fence, everything is sent');
    const lost = new LeadershipLostError('lease-taken', 'taken by op-b');
    fence.abort(lost);
    for (const { name, result } of inFlight) await assert.rejects(result, (err) => err === lost, name);
  });

  it('sends nothing once the fence aborted, whichever method, and says why', async () => {
    const { client, sent } = recordingClient();
    const fence = new AbortController();
    const fenced = fenceClient(client, fence.signal);
    const lost = new LeadershipLostError('lease-taken', 'taken by op-b');
    fence.abort(lost);
    for (const [name, call] of everyRequest(fenced)) {
      // The call itself does not throw synchronously: it returns a rejected promise.
      const result = call();
      await assert.rejects(result, (err) => err === lost, name);
    }
    await assert.rejects(
      async () => {
        for await (const _ of fenced.listAll(ConfigMap)) break;
      },
      (err) => err === lost,
    );
    assert.deepEqual(sent, [], 'not one request reached the client');
  });

  it('fences the transport too: a raw HTTP request is cancelled in flight and refused once the fence aborted', async () => {
    const { client, sent } = recordingClient();
    const fence = new AbortController();
    const fenced = fenceClient(client, fence.signal);
    const path = '/api/v1/namespaces/ns/configmaps/x';
    const mine = new AbortController();
    const inFlight = [
      fenced.transport.send({ method: 'PUT', path, body: '{}' }),
      fenced.transport.json({ method: 'PATCH', path, body: '{}', signal: mine.signal }),
    ];
    assert.deepEqual(
      sent.map((s) => s.method),
      ['transport.send', 'transport.json'],
    );
    const lost = new LeadershipLostError('lease-taken', 'taken by op-b');
    fence.abort(lost);
    assert.deepEqual(
      sent.map((s) => s.signal?.aborted),
      [true, true],
      'the requests in flight were cancelled',
    );
    for (const result of inFlight) await assert.rejects(result, (err) => err === lost);
    sent.length = 0;
    await assert.rejects(fenced.transport.send({ method: 'DELETE', path }), (err) => err === lost);
    await assert.rejects(fenced.transport.json({ method: 'POST', path, body: '{}' }), (err) => err === lost);
    assert.deepEqual(sent, [], 'not one request reached the transport');
    assert.equal(fenced.transport.config, client.transport.config);
  });

  it("refuses close(), on the client and its transport, leaving the manager's client open", async () => {
    const { client, sent } = recordingClient();
    const fenced = fenceClient(client, new AbortController().signal);
    await assert.rejects(fenced.close(), {
      code: 'OPERON_INVALID_ARGUMENT',
      message: /Stop the manager instead/,
    });
    await assert.rejects(fenced.transport.close(), { code: 'OPERON_INVALID_ARGUMENT' });
    assert.deepEqual(sent, [], 'the shared client was not closed');
  });

  it("joins a caller's signal with the fence once, and every request made with it is cancelled by either", async () => {
    const { client, sent } = recordingClient();
    const fence = new AbortController();
    const fenced = fenceClient(client, fence.signal);
    const reconcile = new AbortController();
    const o = { namespace: 'ns', signal: reconcile.signal };
    const cm = { metadata: { name: 'x', namespace: 'ns' } };
    const writes = [fenced.apply(ConfigMap, cm, o), fenced.status.replace(ConfigMap, cm, o)];
    const other = new AbortController();
    const elsewhere = fenced.get(ConfigMap, 'y', { namespace: 'ns', signal: other.signal });
    assert.equal(sent[0]!.signal, sent[1]!.signal, 'one joined signal for the reconcile');
    assert.notEqual(sent[2]!.signal, sent[0]!.signal);
    const lost = new LeadershipLostError('lease-taken', 'taken by op-b');
    fence.abort(lost);
    for (const write of [...writes, elsewhere]) await assert.rejects(write, (err) => err === lost);
    await assert.rejects(fenced.apply(ConfigMap, cm, o), (err) => err === lost);
    assert.equal(sent.length, 3, 'nothing sent after the fence aborted');

    const { client: second, sent: sentToo } = recordingClient();
    const open = fenceClient(second, new AbortController().signal);
    const mine = new AbortController();
    const both = [
      open.apply(ConfigMap, cm, { signal: mine.signal }),
      open.delete(ConfigMap, 'x', { signal: mine.signal }),
    ];
    mine.abort(new Error('reconcile timed out'));
    for (const request of both) await assert.rejects(request, /reconcile timed out/);
    assert.equal(sentToo.length, 2);
  });

  it("keeps the caller's own signal: aborting it cancels just that request", async () => {
    const { client, sent } = recordingClient();
    const fenced = fenceClient(client, new AbortController().signal);
    const mine = new AbortController();
    const result = fenced.get(ConfigMap, 'x', { namespace: 'ns', signal: mine.signal });
    const other = fenced.get(ConfigMap, 'y', { namespace: 'ns' });
    mine.abort(new Error('my timeout'));
    await assert.rejects(result, /my timeout/);
    assert.equal(sent[1]?.signal?.aborted, false, 'the other request goes on');
    void other.catch(() => {});
  });
});
