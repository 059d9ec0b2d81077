import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../log/logger.ts';
import { createFakeClock, createQueue, type GetResult } from '../queue/index.ts';
import { createWorkerPool, STOP_MARGIN_MS } from './workers.ts';

/** Lets pending promise callbacks and immediates run; no time passes on any clock. */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ format: 'json', level: 'debug', write: (l) => lines.push(JSON.parse(l)) });
  return { log, lines };
}

describe('worker pool', () => {
  it('logs and restarts a worker loop that dies, with backoff, and goes on processing keys', async () => {
    const clock = createFakeClock();
    const real = createQueue<string>({ clock });
    let failures = 2;
    // A queue whose get() rejects twice: the loop around it dies, as a bug anywhere in it would.
    const queue = {
      get: (): Promise<GetResult<string>> =>
        failures-- > 0 ? Promise.reject(new Error('queue exploded')) : real.get(),
      done: (key: string) => real.done(key),
    };
    const processed: string[] = [];
    const { log, lines } = capture();
    const pool = createWorkerPool({
      concurrency: 1,
      queue,
      clock,
      log,
      process: async (key) => {
        processed.push(key);
      },
    });
    pool.start();
    real.add('a');
    await settle();
    assert.equal(processed.length, 0, 'the first loop died before taking a key');
    assert.equal(pool.alive, 1, 'the worker waits to restart: it is not gone');
    assert.equal(lines.filter((l) => l.msg === 'worker crashed; restarting it').length, 1);
    clock.advance(100);
    await settle();
    assert.equal(lines.filter((l) => l.msg === 'worker crashed; restarting it').length, 2);
    assert.equal(lines.at(-1)?.waitMs, 200, 'the restart backs off');
    clock.advance(200);
    await settle();
    assert.deepEqual(processed, ['a']);
    real.add('b');
    await settle();
    assert.deepEqual(processed, ['a', 'b']);
    real.shutDown();
    assert.deepEqual(await pool.stop(1000, () => {}), { clean: true, aborted: false, abandoned: 0 });
    assert.equal(pool.alive, 0);
  });

  it('survives a process() that rejects: the key is done, the loop restarts', async () => {
    const clock = createFakeClock();
    const queue = createQueue<string>({ clock });
    let calls = 0;
    const pool = createWorkerPool({
      concurrency: 1,
      queue,
      clock,
      log: capture().log,
      process: async () => {
        calls++;
        throw new Error('bug in process');
      },
    });
    pool.start();
    queue.add('a');
    await settle();
    assert.equal(queue.stats().processing, 0, 'the key was marked done');
    clock.advance(100);
    queue.add('a');
    await settle();
    assert.equal(calls, 2);
    queue.shutDown();
    assert.equal((await pool.stop(0, () => {})).clean, true);
  });

  it('stops within grace plus the margin when a reconcile ignores its signal, and says so', async () => {
    const clock = createFakeClock();
    const queue = createQueue<string>({ clock });
    const pool = createWorkerPool({
      concurrency: 2,
      queue,
      clock,
      log: capture().log,
      process: () => new Promise<void>(() => {}), // never ends
    });
    pool.start();
    queue.add('hung');
    await settle();
    queue.shutDown();
    let graceOver = 0;
    let result: unknown;
    void pool
      .stop(5000, () => graceOver++)
      .then((r) => {
        result = r;
      });
    clock.advance(4999);
    await settle();
    assert.equal(graceOver, 0);
    assert.equal(result, undefined);
    clock.advance(1);
    await settle();
    assert.equal(graceOver, 1, 'in-flight work is aborted when the grace runs out');
    assert.equal(result, undefined);
    clock.advance(STOP_MARGIN_MS);
    await settle();
    assert.deepEqual(result, { clean: false, aborted: true, abandoned: 1 });
  });

  it('reports a clean stop when in-flight work ends after its abort, and at once when idle', async () => {
    const clock = createFakeClock();
    const queue = createQueue<string>({ clock });
    let release = () => {};
    const pool = createWorkerPool({
      concurrency: 1,
      queue,
      clock,
      log: capture().log,
      process: () =>
        new Promise<void>((r) => {
          release = r;
        }),
    });
    pool.start();
    queue.add('a');
    await settle();
    queue.shutDown();
    let result: unknown;
    void pool
      .stop(100, () => release())
      .then((r) => {
        result = r;
      });
    clock.advance(100);
    await settle();
    assert.deepEqual(result, { clean: true, aborted: true, abandoned: 0 });

    const idle = createWorkerPool({
      concurrency: 3,
      queue: createQueue({ clock }),
      clock,
      log: capture().log,
      process: async () => {},
    });
    assert.deepEqual(
      await idle.stop(1000, () => {}),
      { clean: true, aborted: false, abandoned: 0 },
      'never started',
    );
  });
});
