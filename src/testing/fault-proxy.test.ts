/**
 * Unit tests of the fault proxy against a local TCP echo server: forwarding, cuts, pause,
 * blackholes of the connections open now while new ones work, and latency that keeps order.
 */

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isOperonError } from '../errors.ts';
import { eventually } from './eventually.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';

let server: Server;
let port: number;
/** Server-side sockets, and what each received, in accept order. */
const accepted: Array<{ socket: Socket; received: string }> = [];

before(async () => {
  server = createServer((socket) => {
    const entry = { socket, received: '' };
    accepted.push(entry);
    socket.on('data', (chunk) => {
      entry.received += chunk.toString();
      socket.write(chunk);
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  for (const a of accepted) a.socket.destroy();
  server.close();
  await once(server, 'close');
});

/** A client connection through the proxy that records what it receives and whether it ended. */
async function connect(proxy: FaultProxy) {
  const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
  const state = { socket, received: '', ended: false };
  socket.on('data', (chunk) => {
    state.received += chunk.toString();
  });
  socket.on('end', () => {
    state.ended = true;
  });
  socket.on('close', () => {
    state.ended = true;
  });
  socket.on('error', () => {});
  await once(socket, 'connect');
  return state;
}

/** Sends `text` and waits for its echo. */
async function roundTrip(conn: Awaited<ReturnType<typeof connect>>, text: string) {
  const before = conn.received.length;
  conn.socket.write(text);
  await eventually(`the echo of ${text}`, () => conn.received.slice(before).includes(text), 5000);
}

describe('the fault proxy', () => {
  it('forwards bytes both ways', async () => {
    await using proxy = await startFaultProxy({ port });
    const conn = await connect(proxy);
    await roundTrip(conn, 'hello');
    assert.equal(proxy.stats.accepted, 1);
    assert.equal(proxy.stats.open, 1);
    conn.socket.destroy();
    await eventually('the proxy to see the close', () => proxy.stats.open === 0, 5000);
  });

  it('resets every open connection on cutAll()', async () => {
    await using proxy = await startFaultProxy({ port });
    const a = await connect(proxy);
    const b = await connect(proxy);
    await roundTrip(a, 'a');
    await roundTrip(b, 'b');
    const errors: string[] = [];
    a.socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? ''));
    assert.equal(proxy.cutAll(), 2);
    await eventually('both clients to see the cut', () => a.ended && b.ended, 5000);
    assert.deepEqual(errors, ['ECONNRESET']);
    assert.equal(proxy.stats.cut, 2);
  });

  it('blackholes the connections open now, while new connections work', async () => {
    await using proxy = await startFaultProxy({ port });
    const old = await connect(proxy);
    await roundTrip(old, 'before');
    const upstreamOfOld = accepted.at(-1)!;
    assert.equal(proxy.blackhole(), 1);
    assert.equal(proxy.stats.blackholed, 1);

    old.socket.write('lost');
    await eventually('the proxy to drop the bytes', () => proxy.stats.droppedBytes >= 4, 5000);
    // The server's side ends too: the client must not learn of it.
    upstreamOfOld.socket.end('server-bye');
    await eventually('the server to close its side', () => upstreamOfOld.socket.closed, 5000);

    const fresh = await connect(proxy);
    await roundTrip(fresh, 'after');
    assert.equal(upstreamOfOld.received, 'before', 'the server got nothing after the blackhole');
    assert.equal(old.received, 'before', 'the client got nothing after the blackhole');
    assert.equal(old.ended, false, 'no FIN or RST reached the client');
    assert.equal(proxy.stats.blackholed, 1);

    // The client gives up on the dead connection: counted, and the proxy lets it go.
    old.socket.destroy();
    await eventually('the abandoned connection to be counted', () => proxy.stats.abandoned === 1, 5000);
    assert.equal(proxy.stats.blackholed, 0);
    assert.equal(proxy.stats.open, 1);
    fresh.socket.destroy();
  });

  it('pause() silences every connection, new ones too, until resume()', async () => {
    await using proxy = await startFaultProxy({ port });
    const conn = await connect(proxy);
    proxy.pause();
    conn.socket.write('x');
    await eventually('the proxy to drop the byte', () => proxy.stats.droppedBytes === 1, 5000);
    proxy.resume();
    await roundTrip(conn, 'y');
    assert.equal(conn.received, 'y');
  });

  it('delays chunks without reordering them, even when the delay shrinks', async () => {
    await using proxy = await startFaultProxy({ port });
    const conn = await connect(proxy);
    proxy.latency(300);
    conn.socket.write('1');
    await eventually('the proxy to hold the chunk back', () => proxy.stats.delayed === 1, 5000);
    proxy.latency(0);
    // Sent after '1' with no delay: it must still arrive after '1'.
    conn.socket.write('2');
    proxy.latency(20);
    for (const c of '3456') conn.socket.write(c);
    await eventually('every chunk to arrive', () => conn.received.length === 6, 5000);
    assert.equal(conn.received, '123456');
    assert.equal(accepted.at(-1)!.received, '123456');
    assert.equal(proxy.stats.delayed, 0);
  });

  it('rejects a negative latency and a chaos range that is not one', async () => {
    await using proxy = await startFaultProxy({ port });
    assert.throws(
      () => proxy.latency(-1),
      (err) => isOperonError(err, 'OPERON_INVALID_ARGUMENT'),
    );
    assert.throws(
      () => proxy.chaos({ minMs: 10, maxMs: 5 }),
      (err) => isOperonError(err, 'OPERON_INVALID_ARGUMENT'),
    );
  });

  it('cuts connections at random under chaos() and stops on calm()', async () => {
    await using proxy = await startFaultProxy({ port });
    proxy.chaos({ minMs: 10, maxMs: 30 });
    const conn = await connect(proxy);
    await eventually('chaos to cut the connection', () => conn.ended, 5000);
    assert.equal(proxy.stats.cut, 1);
    proxy.calm();
    const calm = await connect(proxy);
    // A connection made after calm() carries traffic and is not scheduled for a cut.
    await roundTrip(calm, 'still here');
    assert.equal(proxy.stats.cut, 1);
    calm.socket.destroy();
  });
});
