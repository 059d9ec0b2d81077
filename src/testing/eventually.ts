/**
 * Waiting in tests for a cluster to converge: `eventually(what, check)` polls `check` until it
 * returns a value (not undefined or false) and resolves to it, or fails naming `what` and the last error.
 */

import { ErrorCode, OperonError } from '../errors.ts';

export interface EventuallyOptions {
  /** Give up after this long; default 60 s. */
  timeoutMs?: number;
  /** Time between checks; default 100 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
}

export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: EventuallyOptions | number = {},
): Promise<T> {
  const o = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    o.signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new OperonError(
        ErrorCode.Timeout,
        `Timed out after ${o.timeoutMs ?? 60_000} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ''}.`,
        { cause: last },
      );
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
  }
}
