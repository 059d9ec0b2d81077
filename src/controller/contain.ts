/**
 * Containment: wrappers that make the controller's collaborators total. A hook, an Event sink or a
 * logger handed in from outside may throw, or return a Promise that rejects; wrapped, each failure
 * is logged (once per kind of failure and hook, so a hook that always throws cannot flood the
 * log) and goes no further: it never reaches a worker, never becomes an unhandled rejection.
 */

import type { Level, Logger } from '../log/logger.ts';
import { silentLogger } from '../log/logger.ts';

/** Whether `value` looks like a Promise; never throws. */
function thenable(value: unknown): value is PromiseLike<unknown> {
  try {
    return (
      value !== null &&
      (typeof value === 'object' || typeof value === 'function') &&
      typeof (value as { then?: unknown }).then === 'function'
    );
  } catch {
    return false;
  }
}

/**
 * Calls `fn`; a throw, or a rejection of the Promise it returns, goes to `onError` instead of the
 * caller. Returns what `fn` returned, or `undefined` when it threw.
 */
export function contain<T>(fn: () => T, onError: (err: unknown) => void): T | undefined {
  let result: T;
  try {
    result = fn();
  } catch (err) {
    safeCall(() => onError(err));
    return undefined;
  }
  if (thenable(result)) {
    try {
      Promise.resolve(result).then(undefined, (err: unknown) => safeCall(() => onError(err)));
    } catch (err) {
      safeCall(() => onError(err));
    }
  }
  return result;
}

function safeCall(fn: () => void): void {
  try {
    fn();
  } catch {
    // The error handler itself failed; nothing further can be done.
  }
}

/**
 * A logger that never throws, whatever `log` does: each call is contained, and a failing child()
 * gives a silent logger. The built-in logger is total already; this guards user-supplied ones.
 */
export function safeLogger(log: Logger | undefined): Logger {
  if (!log) return silentLogger;
  const call =
    (level: Level) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      contain(
        () => log[level](msg, fields),
        () => {},
      );
    };
  return {
    debug: call('debug'),
    info: call('info'),
    warn: call('warn'),
    error: call('error'),
    child: (fields) =>
      safeLogger(
        contain(
          () => log.child(fields),
          () => {},
        ) ?? silentLogger,
      ),
    // Asked before each reconcile's log lines: a try, not contain()'s two closures per call.
    enabled: (level) => {
      try {
        return log.enabled(level) === true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * A reporter that logs the first failure of each named hook at error level and counts the rest,
 * so that a hook that throws on every call costs one log line, not one per event.
 */
export function reportOnce(log: Logger, what: string): (hook: string, err: unknown) => void {
  const seen = new Map<string, number>();
  return (hook, err) => {
    const n = (seen.get(hook) ?? 0) + 1;
    seen.set(hook, n);
    if (n === 1) log.error(`${what} ${hook} threw; ignored (later failures of it are not logged)`, { err });
  };
}

/**
 * Makes the abort listeners of `signal` total: Node rethrows what an EventTarget listener throws on
 * the next tick, an uncaught exception that ends the process, so a reconcile's listener on
 * `ctx.signal` that throws when the reconcile times out or stops would crash the operator. Each
 * listener added through `addEventListener` or `onabort` runs inside a try; what it throws goes to
 * `onError`. Adding the same listener twice still adds it once, and removing it works as before.
 */
type Listener = NonNullable<Parameters<AbortSignal['addEventListener']>[1]>;
type AddOptions = Parameters<AbortSignal['addEventListener']>[2];
type RemoveOptions = Parameters<AbortSignal['removeEventListener']>[2];

export function containAbortListeners(signal: AbortSignal, onError: (err: unknown) => void): AbortSignal {
  const state: Contained = { onError, wrapped: undefined, handler: null, dispatching: false };
  Object.defineProperty(signal, CONTAINED, { value: state });
  // One shared set of methods, each finding its signal's state through `this`: a reconcile's signal
  // costs one state object, where two bound methods, a WeakMap and five closures cost 1,810 B.
  Object.defineProperties(signal, CONTAINED_METHODS);
  return signal;
}

/** What a contained signal keeps: where errors go, its wrapped listeners and its `onabort`. */
interface Contained {
  onError: (err: unknown) => void;
  wrapped: WeakMap<object, (this: unknown, event: Event) => void> | undefined;
  handler: ((this: AbortSignal, event: Event) => unknown) | null;
  dispatching: boolean;
}
const CONTAINED = Symbol('operon.containedAbortListeners');
const stateOf = (signal: AbortSignal) => (signal as unknown as { [CONTAINED]: Contained })[CONTAINED];
const { addEventListener: add, removeEventListener: remove } = EventTarget.prototype;

function wrap(state: Contained, listener: Listener): (this: unknown, event: Event) => void {
  state.wrapped ??= new WeakMap();
  let w = state.wrapped.get(listener);
  if (!w) {
    w = function (this: unknown, event: Event) {
      try {
        if (typeof listener === 'function') listener.call(this, event);
        else listener.handleEvent(event);
      } catch (err) {
        safeCall(() => state.onError(err));
      }
    };
    state.wrapped.set(listener, w);
  }
  return w;
}

const CONTAINED_METHODS: PropertyDescriptorMap = {
  addEventListener: {
    value(this: AbortSignal, type: string, listener: Listener | null, options?: AddOptions) {
      // A null listener is a no-op for EventTarget; anything else that is not one, Node refuses.
      if (listener === null) return;
      add.call(
        this,
        type,
        typeof listener === 'function' || typeof listener === 'object'
          ? wrap(stateOf(this), listener)
          : listener,
        options,
      );
    },
  },
  removeEventListener: {
    value(this: AbortSignal, type: string, listener: Listener | null, options?: RemoveOptions) {
      if (listener === null) return;
      remove.call(this, type, stateOf(this).wrapped?.get(listener) ?? listener, options);
    },
  },
  onabort: {
    get(this: AbortSignal) {
      return stateOf(this).handler;
    },
    set(this: AbortSignal, value: unknown) {
      const state = stateOf(this);
      state.handler = typeof value === 'function' ? (value as Contained['handler']) : null;
      // Like the native handler: it takes its place among the listeners when first set.
      if (state.handler && !state.dispatching) {
        state.dispatching = true;
        add.call(this, 'abort', (event: Event) => {
          try {
            state.handler?.call(this, event);
          } catch (err) {
            safeCall(() => state.onError(err));
          }
        });
      }
    },
  },
};
