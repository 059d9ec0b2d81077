/**
 * Structured logs: `createLogger()` writes one JSON object per line (time, level, msg and fields),
 * or readable lines when a terminal is attached; `log.child({ controller })` adds fields.
 *
 * A logger is total: no value handed to it makes it throw, in either format. Cycles, BigInts,
 * Symbols, functions, getters or `toJSON` methods that throw, Proxies that throw on every trap and
 * huge strings are all turned into something printable (see {@link toLoggable}); a `write` that
 * throws or rejects is swallowed, since a logger has nowhere left to report its own failure.
 */

export type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  enabled(level: Level): boolean;
}

export interface LoggerOptions {
  /** Lowest level written; default `info`, or `OPERON_LOG_LEVEL`. */
  level?: Level;
  /** `json` (one object per line), `pretty` (for people), or `auto`: pretty on a terminal. Default `auto`. */
  format?: 'json' | 'pretty' | 'auto';
  /** Where lines go; default process.stderr. A `write` that throws or rejects loses that line, nothing more. */
  write?: (line: string) => void;
  /** Whether the destination is a terminal, for `auto`; default process.stderr.isTTY. */
  tty?: boolean;
}

/** Longest string kept in a log line (per string); the rest is cut and counted. 16 KiB keeps one line readable. */
export const MAX_STRING = 16 * 1024;
/** Deepest nesting kept; deeper values print as `[Object]` or `[Array]`. */
const MAX_DEPTH = 8;
/** Most keys or items kept per object, array, map or set. */
const MAX_ENTRIES = 100;

/** Runs `fn`, returning `fallback(err)` if it throws. */
function attempt<T>(fn: () => T, fallback: (err: unknown) => T): T {
  try {
    return fn();
  } catch (err) {
    return fallback(err);
  }
}

function truncate(s: string): string {
  return s.length <= MAX_STRING ? s : `${s.slice(0, MAX_STRING)}…(${s.length - MAX_STRING} more chars)`;
}

/** The message of a thrown value, as a string, without any chance of throwing. */
export function messageOf(err: unknown): string {
  return attempt(
    () => {
      if (typeof err === 'string') return truncate(err);
      const m = (err as { message?: unknown } | null)?.message;
      return typeof m === 'string' ? truncate(m) : describePrimitive(err);
    },
    () => 'unprintable',
  );
}

/** A short description of a value that cannot be printed as JSON. Never throws. */
function describePrimitive(value: unknown): string {
  return attempt(
    () => {
      switch (typeof value) {
        case 'string':
          return truncate(value);
        case 'bigint':
          return `${value.toString()}n`;
        case 'symbol':
          return value.toString();
        case 'function':
          return `[Function ${
            attempt(
              () => value.name,
              () => '',
            ) || 'anonymous'
          }]`;
        case 'undefined':
          return 'undefined';
        case 'object':
          return value === null ? 'null' : '[Object]';
        default:
          return String(value);
      }
    },
    () => `[${typeof value}]`,
  );
}

/**
 * Turns any value into one that `JSON.stringify` prints faithfully and without throwing: plain
 * objects, arrays, strings, finite numbers, booleans and null. Errors become `{ name, message,
 * code?, cause?, ...own enumerable fields }`; a cycle becomes `[Circular]`; a BigInt `"12n"`; a
 * Symbol `"Symbol(x)"`; a function `"[Function f]"`; NaN and Infinity their names; Maps and Sets
 * objects and arrays; anything whose inspection throws `"[Unserializable: <why>]"`.
 */
export function toLoggable(value: unknown): unknown {
  return walk(value, 0, new Set());
}

function walk(value: unknown, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return truncate(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'undefined':
      return undefined;
    case 'bigint':
    case 'symbol':
    case 'function':
      return describePrimitive(value);
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return '[Circular]';
  seen.add(object);
  try {
    return walkObject(object, depth, seen);
  } catch (err) {
    return `[Unserializable: ${messageOf(err)}]`;
  } finally {
    seen.delete(object);
  }
}

function walkObject(object: object, depth: number, seen: Set<object>): unknown {
  if (object instanceof Error) return walkError(object, depth, seen);
  if (ArrayBuffer.isView(object)) return `[${object.constructor.name} ${object.byteLength} bytes]`;
  if (object instanceof Date) {
    return attempt(
      () => object.toISOString(),
      () => 'Invalid Date',
    );
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    let json: unknown;
    try {
      json = toJSON.call(object);
    } catch (err) {
      return `[toJSON threw: ${messageOf(err)}]`;
    }
    if (json !== object) return walk(json, depth + 1, seen);
  }
  if (depth >= MAX_DEPTH) return Array.isArray(object) ? '[Array]' : '[Object]';
  if (Array.isArray(object)) return walkItems(object, object.length, depth, seen);
  if (object instanceof Map) {
    const out: Array<[string, unknown]> = [];
    for (const [k, v] of object) {
      if (out.length >= MAX_ENTRIES) break;
      out.push([typeof k === 'string' ? k : printable(walk(k, depth + 1, seen)), v]);
    }
    return Object.fromEntries(out.map(([k, v]) => [k, walk(v, depth + 1, seen)]));
  }
  if (object instanceof Set) return walkItems([...object].slice(0, MAX_ENTRIES), object.size, depth, seen);
  return walkFields(object, depth, seen, new Set());
}

function walkItems(items: ArrayLike<unknown>, total: number, depth: number, seen: Set<object>): unknown[] {
  const out: unknown[] = [];
  const n = Math.min(items.length, MAX_ENTRIES);
  for (let i = 0; i < n; i++) {
    const item = attempt(
      () => walk(items[i], depth + 1, seen),
      (err) => `[Unserializable: ${messageOf(err)}]`,
    );
    out.push(item === undefined ? null : item);
  }
  if (total > n) out.push(`…(${total - n} more)`);
  return out;
}

/** Own enumerable string-keyed fields, each read on its own so that one throwing getter spoils only itself. */
function walkFields(
  object: object,
  depth: number,
  seen: Set<object>,
  skip: ReadonlySet<string>,
): Record<string, unknown> {
  const entries: Array<[string, unknown]> = [];
  const keys = Object.keys(object);
  for (const key of keys) {
    if (skip.has(key)) continue;
    if (entries.length >= MAX_ENTRIES) {
      entries.push(['…', `${keys.length - MAX_ENTRIES} more keys`]);
      break;
    }
    const v = attempt(
      () => walk((object as Record<string, unknown>)[key], depth + 1, seen),
      (err) => `[getter threw: ${messageOf(err)}]`,
    );
    if (v !== undefined) entries.push([truncate(key), v]);
  }
  // fromEntries defines properties, so a key named "__proto__" stays a plain key.
  return Object.fromEntries(entries);
}

const ERROR_OWN = new Set(['name', 'message', 'stack', 'cause', 'code']);

function walkError(err: Error, depth: number, seen: Set<object>): Record<string, unknown> {
  const field = (name: string): unknown =>
    attempt(
      () => (err as unknown as Record<string, unknown>)[name],
      (e) => `[getter threw: ${messageOf(e)}]`,
    );
  const name = field('name');
  const message = field('message');
  const out: Record<string, unknown> = {
    name: typeof name === 'string' ? truncate(name) : describePrimitive(name),
    message: typeof message === 'string' ? truncate(message) : describePrimitive(message),
  };
  const code = field('code');
  if (code !== undefined) out.code = walk(code, depth + 1, seen);
  if (depth < MAX_DEPTH) {
    const extra = attempt(
      () => walkFields(err, depth, seen, ERROR_OWN),
      (e) => ({ fields: `[Unserializable: ${messageOf(e)}]` }),
    );
    for (const [k, v] of Object.entries(extra))
      if (!(k in out)) Object.defineProperty(out, k, { value: v, enumerable: true });
    if (err instanceof AggregateError) out.errors = walk(field('errors'), depth + 1, seen);
    const cause = field('cause');
    if (cause !== undefined) out.cause = walk(cause, depth + 1, seen);
  }
  return out;
}

/** A loggable value (from {@link toLoggable}) as one string. */
function printable(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
}

/**
 * Replaces control characters (C0, DEL, C1) and bidirectional overrides with visible escapes, so
 * that an object name or message cannot move the cursor, recolour the terminal or reorder text.
 */
export function escapeControl(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}

const COLORS: Record<Level, string> = {
  debug: '\x1b[90m',
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
};

/** The built-in fields of a JSON line; a field of the same name is written as `field.<name>` instead. */
const RESERVED = new Set(['time', 'level', 'msg']);

/** A logger that writes nothing, for tests and libraries. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
  enabled: () => false,
};

/** Copies the own enumerable fields of `fields` without invoking anything that could throw twice. */
function ownFields(fields: unknown): Array<[string, unknown]> {
  if (fields === undefined || fields === null) return [];
  return attempt(
    () => {
      if (typeof fields !== 'object') return [['fields', fields]];
      const out: Array<[string, unknown]> = [];
      for (const key of Object.keys(fields)) {
        out.push([
          key,
          attempt(
            () => (fields as Record<string, unknown>)[key],
            (err) => `[getter threw: ${messageOf(err)}]`,
          ),
        ]);
      }
      return out;
    },
    (err) => [['fields', `[Unserializable: ${messageOf(err)}]`]],
  );
}

/** Calls `write`, swallowing a throw or a rejection: losing one line is better than crashing the caller. */
function safeWrite(write: (line: string) => void, line: string): void {
  try {
    const r: unknown = write(line);
    if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
      (r as Promise<unknown>).then(undefined, () => {});
    }
  } catch {
    // Nowhere left to report it.
  }
}

export function createLogger(options: LoggerOptions = {}, bound: Record<string, unknown> = {}): Logger {
  // Options and the environment are read once here; children share what they resolved to.
  const envLevel = process.env.OPERON_LOG_LEVEL as Level | undefined;
  const tty = options.tty ?? Boolean(process.stderr.isTTY);
  const sink: Sink = {
    min: LEVELS[options.level ?? (envLevel && envLevel in LEVELS ? envLevel : 'info')] ?? LEVELS.info,
    write: options.write ?? ((line: string) => process.stderr.write(line)),
    pretty: options.format === 'pretty' || ((options.format ?? 'auto') === 'auto' && tty),
  };
  return makeLogger(sink, ownFields(bound));
}

/** What a logger and its children resolved their options to. */
interface Sink {
  /** The lowest level written, as a LEVELS number. */
  min: number;
  write: (line: string) => void;
  pretty: boolean;
}

function makeLogger(sink: Sink, bound: ReadonlyArray<[string, unknown]>): Logger {
  const { min, write, pretty } = sink;

  const render = (level: Level, msg: unknown, fields: unknown): string => {
    const text = typeof msg === 'string' ? truncate(msg) : printable(toLoggable(msg));
    // Later fields win, as with object spread; each value is made printable once.
    const all = new Map<string, unknown>();
    for (const [k, v] of [...bound, ...ownFields(fields)]) all.set(k, v);
    const entries: Array<[string, unknown]> = [];
    for (const [k, v] of all) {
      const value = toLoggable(v);
      if (value !== undefined) entries.push([k, value]);
    }
    const time = new Date().toISOString();
    if (pretty) {
      const rest = entries.map(([k, v]) => `${escapeControl(k)}=${escapeControl(printable(v))}`).join(' ');
      return `${time.slice(11, 23)} ${COLORS[level]}${level.toUpperCase().padEnd(5)}\x1b[0m ${escapeControl(text)}${
        rest ? ` \x1b[90m${rest}\x1b[0m` : ''
      }\n`;
    }
    const line: Array<[string, unknown]> = [
      ['time', time],
      ['level', level],
      ['msg', text],
    ];
    for (const [k, v] of entries) line.push([RESERVED.has(k) ? `field.${k}` : k, v]);
    return `${JSON.stringify(Object.fromEntries(line))}\n`;
  };

  const emit = (level: Level, msg: unknown, fields: unknown): void => {
    if (LEVELS[level] < min) return;
    let line: string;
    try {
      line = render(level, msg, fields);
    } catch (err) {
      // Not reachable by design (render is total); a last line of defence all the same.
      line = `${JSON.stringify({
        time: new Date().toISOString(),
        level,
        msg: typeof msg === 'string' ? truncate(msg) : 'unprintable message',
        logError: messageOf(err),
      })}\n`;
    }
    safeWrite(write, line);
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => makeLogger(sink, [...bound, ...ownFields(fields)]),
    enabled: (level) => (LEVELS[level] ?? 0) >= min,
  };
}
