/**
 * A TCP proxy that injects network faults between a client and the API server:
 * `startFaultProxy()` forwards connections and can cut them all, cut them at random, or go
 * silent (forward nothing, close nothing) — for tests that no event is lost when the network fails.
 */

import { createConnection, createServer, type Socket } from 'node:net';

export interface FaultProxy extends AsyncDisposable {
  readonly port: number;
  /** `https://127.0.0.1:PORT`, to put in place of the API server's address. */
  readonly url: string;
  /** Resets every open connection; returns how many. */
  cutAll(): number;
  /** Stops forwarding in both directions without closing anything: a silently dead network. */
  pause(): void;
  resume(): void;
  /** Cuts each connection after a random lifetime in [minMs, maxMs]; `calm()` stops. */
  chaos(options: { minMs: number; maxMs: number }): void;
  calm(): void;
  /** Open connections now, and connections cut so far. */
  readonly stats: { open: number; accepted: number; cut: number };
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host?: string; port: number }): Promise<FaultProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket; timer?: NodeJS.Timeout }>();
  const stats = { open: 0, accepted: 0, cut: 0 };
  let paused = false;
  let chaos: { minMs: number; maxMs: number } | undefined;

  // A reset (RST) is what a cut network looks like; a socket still connecting or already half
  // closed is just destroyed (resetting those can leave a handle open).
  const reset = (socket: Socket) => {
    if (socket.destroyed) return;
    if (socket.readyState === 'open') socket.resetAndDestroy();
    else socket.destroy();
  };
  const cut = (pair: { client: Socket; upstream: Socket; timer?: NodeJS.Timeout }) => {
    clearTimeout(pair.timer);
    reset(pair.client);
    reset(pair.upstream);
    stats.cut++;
  };

  const schedule = (pair: { client: Socket; upstream: Socket; timer?: NodeJS.Timeout }) => {
    clearTimeout(pair.timer);
    if (!chaos) return;
    const ms = chaos.minMs + Math.random() * (chaos.maxMs - chaos.minMs);
    pair.timer = setTimeout(() => cut(pair), ms);
    pair.timer.unref();
  };

  const server = createServer((client) => {
    const upstream = createConnection({ host: target.host ?? '127.0.0.1', port: target.port });
    const pair: { client: Socket; upstream: Socket; timer?: NodeJS.Timeout } = { client, upstream };
    pairs.add(pair);
    stats.accepted++;
    stats.open++;
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (!paused) to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      if (!pairs.delete(pair)) return;
      stats.open--;
      clearTimeout(pair.timer);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    schedule(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const proxy: FaultProxy = {
    port,
    url: `https://127.0.0.1:${port}`,
    stats,
    cutAll() {
      const n = pairs.size;
      for (const p of [...pairs]) cut(p);
      return n;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    chaos(options) {
      chaos = options;
      for (const p of pairs) schedule(p);
    },
    calm() {
      chaos = undefined;
      for (const p of pairs) clearTimeout(p.timer);
    },
    async close() {
      chaos = undefined;
      for (const p of [...pairs]) {
        clearTimeout(p.timer);
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
  return proxy;
}
