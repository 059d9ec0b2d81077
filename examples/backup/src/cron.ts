/**
 * Five-field cron schedules (`minute hour day-of-month month day-of-week`, as Kubernetes CronJobs
 * take them): `parseCron()` checks one and `nextAfter()` / `mostRecent()` find its times, in UTC or
 * an IANA time zone. Pure: every function takes the time it works from.
 */

/** A parsed schedule: the allowed values of each field, and whether day fields were restricted. */
export interface CronSchedule {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday (7 is read as 0). */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Day-of-month and day-of-week both restricted: a day matches if either does (as cron does). */
  readonly eitherDay: boolean;
  /** IANA zone the fields are read in; undefined for UTC. */
  readonly timeZone: string | undefined;
}

export type ParseResult = { ok: true; schedule: CronSchedule } | { ok: false; error: string };

// A Map, not an object literal: a schedule of `__proto__` or `constructor` must not find
// Object.prototype's members (fast-check found `__proto__`).
const MACROS: ReadonlyMap<string, string> = new Map([
  ['@yearly', '0 0 1 1 *'],
  ['@annually', '0 0 1 1 *'],
  ['@monthly', '0 0 1 * *'],
  ['@weekly', '0 0 * * 0'],
  ['@daily', '0 0 * * *'],
  ['@midnight', '0 0 * * *'],
  ['@hourly', '0 * * * *'],
]);

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Value of the first name (1 for months, 0 for days). */
  nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

function parseValue(text: string, f: FieldSpec): number {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (f.nameBase ?? 0);
  if (!/^\d+$/.test(text)) throw new Error(`${f.name}: "${text}" is not a number`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new Error(`${f.name}: ${n} is outside ${f.min}-${f.max}`);
  return n;
}

function parseField(text: string, f: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (range === undefined || range === '' || extra !== undefined) {
      throw new Error(`${f.name}: "${part}" is not a value, range or step`);
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
        throw new Error(`${f.name}: step "${stepText}" must be a whole number of at least 1`);
      }
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = f.min;
      hi = f.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (a === undefined || b === undefined || more !== undefined) {
        throw new Error(`${f.name}: "${range}" is not a range`);
      }
      lo = parseValue(a, f);
      hi = parseValue(b, f);
      if (lo > hi) throw new Error(`${f.name}: range ${range} runs backwards`);
    } else {
      lo = parseValue(range, f);
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return values;
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses a five-field schedule or a macro (`@daily`, `@hourly`, …); never throws. */
export function parseCron(text: string, timeZone?: string): ParseResult {
  const trimmed = text.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) {
    return { ok: false, error: 'a TZ= prefix is not supported; set spec.timeZone instead' };
  }
  if (timeZone !== undefined && !validTimeZone(timeZone)) {
    return { ok: false, error: `unknown time zone "${timeZone}" (use an IANA name such as Europe/Berlin)` };
  }
  const expanded = MACROS.get(trimmed.toLowerCase()) ?? trimmed;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    return {
      ok: false,
      error: `"${text}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; a schedule has 5: minute hour day-of-month month day-of-week`,
    };
  }
  try {
    const sets = parts.map((p, i) => parseField(p, FIELDS[i]!));
    const dow = sets[4]!;
    if (dow.delete(7)) dow.add(0);
    const restricted = (p: string) => !p.startsWith('*') && !p.startsWith('?');
    return {
      ok: true,
      schedule: {
        source: text,
        minutes: sets[0]!,
        hours: sets[1]!,
        daysOfMonth: sets[2]!,
        months: sets[3]!,
        daysOfWeek: dow,
        eitherDay: restricted(parts[2]!) && restricted(parts[4]!),
        timeZone,
      },
    };
  } catch (err) {
    return { ok: false, error: `"${text}": ${err instanceof Error ? err.message : String(err)}` };
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Whether the wall-clock fields of `wall` (a UTC Date holding local fields) match the schedule. */
function dayMatches(s: CronSchedule, wall: Date): boolean {
  const dom = s.daysOfMonth.has(wall.getUTCDate());
  const dow = s.daysOfWeek.has(wall.getUTCDay());
  return s.eitherDay ? dom || dow : dom && dow;
}

/** Whether the schedule fires at the minute holding `wall` (local fields in a UTC Date). */
export function matchesWall(s: CronSchedule, wall: Date): boolean {
  return (
    s.months.has(wall.getUTCMonth() + 1) &&
    dayMatches(s, wall) &&
    s.hours.has(wall.getUTCHours()) &&
    s.minutes.has(wall.getUTCMinutes())
  );
}

/** The first matching wall minute at or after `wall` (a UTC-encoded local time), within 5 years. */
function nextWall(s: CronSchedule, from: number): number | undefined {
  const limit = from + 5 * 366 * DAY;
  let t = from;
  while (t <= limit) {
    const d = new Date(t);
    if (!s.months.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else if (!dayMatches(s, d)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    } else if (!s.hours.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
    } else if (!s.minutes.has(d.getUTCMinutes())) {
      t += MINUTE;
    } else {
      return t;
    }
  }
  return undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local wall time of `instant` in `zone`, as a UTC-encoded epoch (seconds dropped). */
export function toWall(instant: number, zone: string | undefined): number {
  const floored = Math.floor(instant / MINUTE) * MINUTE;
  if (zone === undefined) return floored;
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(floored).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!);
}

/**
 * The instants whose wall time in `zone` is `wall`, earliest first: none in a spring-forward gap,
 * two in a fall-back hour.
 */
function fromWall(wall: number, zone: string | undefined): number[] {
  if (zone === undefined) return [wall];
  const found = new Set<number>();
  // Offsets are within ±14 h; try the offsets in force around the guess.
  for (const probe of [wall - DAY, wall, wall + DAY]) {
    const offset = toWall(probe, zone) - Math.floor(probe / MINUTE) * MINUTE;
    const candidate = wall - offset;
    if (toWall(candidate, zone) === wall) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The first time the schedule fires strictly after `after` (epoch ms), or undefined if it never
 * does within five years (such as `0 0 30 2 *`). Local times skipped by a DST change do not run;
 * a repeated local hour runs once, at its first occurrence.
 */
export function nextAfter(s: CronSchedule, after: number): number | undefined {
  let wall = toWall(after, s.timeZone) + MINUTE;
  for (let i = 0; i < 10_000; i++) {
    const w = nextWall(s, wall);
    if (w === undefined) return undefined;
    const first = fromWall(w, s.timeZone)[0];
    if (first !== undefined && first > after) return first;
    wall = w + MINUTE;
  }
  return undefined;
}

/**
 * The latest time the schedule fired in `(since, now]`, or undefined: the run a controller owes
 * after being away (CronJob's "most recent missed schedule"). Runs before it are not made up.
 */
export function mostRecent(s: CronSchedule, since: number, now: number): number | undefined {
  if (now <= since) return undefined;
  // Search back in widening windows so a long absence costs a few steps, not one per run.
  for (const window of [HOUR, DAY, 32 * DAY, 367 * DAY, 6 * 366 * DAY]) {
    const start = Math.max(since, now - window);
    let t = nextAfter(s, start);
    if (t === undefined || t > now) {
      if (start === since) return undefined;
      continue;
    }
    for (;;) {
      const n = nextAfter(s, t);
      if (n === undefined || n > now) return t;
      t = n;
    }
  }
  return undefined;
}
