/**
 * Structured logs: `createLogger()` writes one JSON object per line (time, level, msg and fields),
 * or readable lines when a terminal is attached; `log.child({ controller })` adds fields.
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
  /** Where lines go; default process.stderr. */
  write?: (line: string) => void;
  /** Whether the destination is a terminal, for `auto`; default process.stderr.isTTY. */
  tty?: boolean;
}

/** Turns an Error (and its cause chain) into plain fields. */
function serialize(value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.cause !== undefined) out.cause = serialize(value.cause);
    return out;
  }
  return value;
}

const COLORS: Record<Level, string> = {
  debug: '\x1b[90m',
  info: '\x1b[36m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
};

/** A logger that writes nothing, for tests and libraries. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
  enabled: () => false,
};

export function createLogger(options: LoggerOptions = {}, bound: Record<string, unknown> = {}): Logger {
  const envLevel = process.env.OPERON_LOG_LEVEL as Level | undefined;
  const min = LEVELS[options.level ?? (envLevel && envLevel in LEVELS ? envLevel : 'info')];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const tty = options.tty ?? Boolean(process.stderr.isTTY);
  const pretty = options.format === 'pretty' || ((options.format ?? 'auto') === 'auto' && tty);

  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    const all: Record<string, unknown> = { ...bound, ...fields };
    for (const k of Object.keys(all)) all[k] = serialize(all[k]);
    if (pretty) {
      const time = new Date().toISOString().slice(11, 23);
      const rest = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      write(
        `${time} ${COLORS[level]}${level.toUpperCase().padEnd(5)}\x1b[0m ${msg}${rest ? ` \x1b[90m${rest}\x1b[0m` : ''}\n`,
      );
    } else {
      write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...all })}\n`);
    }
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...options, write, tty }, { ...bound, ...fields }),
    enabled: (level) => LEVELS[level] >= min,
  };
}
