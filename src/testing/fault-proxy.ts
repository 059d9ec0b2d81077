/**
 * A TCP proxy that injects network faults between a client and the API server:
 * `startFaultProxy()` forwards connections and can cut them all, cut them at random, go silent
 * everywhere, blackhole only the connections open now while new ones work (a NAT or load
 * balancer that forgot the flows), or delay every byte — for tests that no event is lost and
 * that a client notices when the network fails.
 */

import { createConnection, createServer, type Socket } from 'node:net';
import { ErrorCode, OperonError } from '../errors.ts';

export interface FaultProxyStats {
  /** Connections open now (a blackholed one counts until the client closes it). */
  open: number;
  /** Connections accepted so far. */
  accepted: number;
  /** Connections reset by `cutAll()` or `chaos()`. */
  cut: number;
  /** Blackholed connections the client has not closed yet. */
  blackholed: number;
  /** Blackholed connections the client closed: it noticed they were dead and gave up on them. */
  abandoned: number;
  /** Bytes dropped by `pause()` or a blackhole, in either direction. */
  droppedBytes: number;
  /** Chunks held back by `latency()` right now. */
  delayed: number;
}

export interface FaultProxy extends AsyncDisposable {
  readonly port: number;
  /** `https://127.0.0.1:PORT`, to put in place of the API server's address. */
  readonly url: string;
  /** Resets every open connection (RST, as a cut network); returns how many. */
  cutAll(): number;
  /** Stops forwarding on every connection, open or new, without closing anything: a silently dead network. */
  pause(): void;
  /** Undoes `pause()` (not a blackhole: a blackholed connection stays dead). */
  resume(): void;
  /**
   * Blackholes the connections open now: from here on their bytes are dropped in both directions
   * and nothing closes them (no FIN, no RST — not even when the server closes its side), until the
   * client gives up on them. New connections are forwarded as usual. Returns how many.
   */
  blackhole(): number;
  /**
   * Delays every chunk by `ms` in each direction (a round trip gains 2 × `ms`), keeping order;
   * applies to chunks that arrive from now on. 0 removes the delay.
   */
  latency(ms: number): void;
  /** Cuts each connection after a random lifetime in [minMs, maxMs]; `calm()` stops. */
  chaos(options: { minMs: number; maxMs: number }): void;
  calm(): void;
  readonly stats: FaultProxyStats;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  timer?: NodeJS.Timeout;
  blackholed: boolean;
  /** Chunks waiting out the latency, per direction. */
  delayed: Array<{ to: Socket; chunk: Buffer; at: number }>;
  flush?: NodeJS.Timeout | undefined;
}

export async function startFaultProxy(target: { host?: string; port: number }): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  const stats: FaultProxyStats = {
    open: 0,
    accepted: 0,
    cut: 0,
    blackholed: 0,
    abandoned: 0,
    droppedBytes: 0,
    delayed: 0,
  };
  let paused = false;
  let delayMs = 0;
  let chaos: { minMs: number; maxMs: number } | undefined;
  let closing = false;

  // A reset (RST) is what a cut network looks like; a socket still connecting or already half
  // closed is just destroyed (resetting those can leave a handle open).
  const reset = (socket: Socket) => {
    if (socket.destroyed) return;
    if (socket.readyState === 'open') socket.resetAndDestroy();
    else socket.destroy();
  };
  const cut = (pair: Pair) => {
    clearTimeout(pair.timer);
    reset(pair.client);
    reset(pair.upstream);
    stats.cut++;
  };

  const schedule = (pair: Pair) => {
    clearTimeout(pair.timer);
    if (!chaos || pair.blackholed) return;
    const ms = chaos.minMs + Math.random() * (chaos.maxMs - chaos.minMs);
    pair.timer = setTimeout(() => cut(pair), ms);
    pair.timer.unref();
  };

  // Delayed chunks leave in arrival order, each no sooner than its own time.
  const flush = (pair: Pair) => {
    pair.flush = undefined;
    const now = performance.now();
    while (pair.delayed.length > 0 && pair.delayed[0]!.at <= now) {
      const { to, chunk } = pair.delayed.shift()!;
      stats.delayed--;
      if (!to.destroyed) to.write(chunk);
    }
    if (pair.delayed.length > 0) {
      pair.flush = setTimeout(() => flush(pair), pair.delayed[0]!.at - now);
      pair.flush.unref();
    }
  };

  const server = createServer((client) => {
    const upstream = createConnection({ host: target.host ?? '127.0.0.1', port: target.port });
    const pair: Pair = { client, upstream, blackholed: false, delayed: [] };
    pairs.add(pair);
    stats.accepted++;
    stats.open++;
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk: Buffer) => {
        if (paused || pair.blackholed) {
          stats.droppedBytes += chunk.length;
          return;
        }
        if (delayMs === 0 && pair.delayed.length === 0) {
          to.write(chunk);
          return;
        }
        pair.delayed.push({ to, chunk, at: performance.now() + delayMs });
        stats.delayed++;
        if (!pair.flush) flush(pair);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      if (!pairs.delete(pair)) return;
      stats.open--;
      if (pair.blackholed) {
        stats.blackholed--;
        if (!closing) stats.abandoned++;
      }
      clearTimeout(pair.timer);
      clearTimeout(pair.flush);
      stats.delayed -= pair.delayed.splice(0).length;
      client.destroy();
      upstream.destroy();
    };
    // A blackholed connection hides the server's close from the client: only the client ends it.
    client.on('error', end);
    client.on('close', end);
    upstream.on('error', () => {
      if (!pair.blackholed) end();
    });
    upstream.on('close', () => {
      if (!pair.blackholed) end();
    });
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
    blackhole() {
      let n = 0;
      for (const p of pairs) {
        if (p.blackholed) continue;
        p.blackholed = true;
        clearTimeout(p.timer);
        clearTimeout(p.flush);
        p.flush = undefined;
        for (const d of p.delayed.splice(0)) {
          stats.droppedBytes += d.chunk.length;
          stats.delayed--;
        }
        stats.blackholed++;
        n++;
      }
      return n;
    },
    latency(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new OperonError(ErrorCode.InvalidArgument, `latency(${ms}): pass a finite number of ms >= 0.`);
      }
      delayMs = ms;
    },
    chaos(options) {
      if (!(options.minMs >= 0) || !(options.maxMs >= options.minMs)) {
        throw new OperonError(
          ErrorCode.InvalidArgument,
          `chaos({ minMs: ${options.minMs}, maxMs: ${options.maxMs} }): pass 0 <= minMs <= maxMs.`,
        );
      }
      chaos = options;
      for (const p of pairs) schedule(p);
    },
    calm() {
      chaos = undefined;
      for (const p of pairs) clearTimeout(p.timer);
    },
    async close() {
      closing = true;
      chaos = undefined;
      for (const p of [...pairs]) {
        clearTimeout(p.timer);
        clearTimeout(p.flush);
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
