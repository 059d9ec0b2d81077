import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CronSchedule, matchesWall, mostRecent, nextAfter, parseCron, toWall } from './cron.ts';

const MINUTE = 60_000;

function parse(text: string, zone?: string): CronSchedule {
  const r = parseCron(text, zone);
  if (!r.ok) throw new Error(r.error);
  return r.schedule;
}

/** The reference model: walk minute by minute and ask whether each one matches. */
function bruteNext(s: CronSchedule, after: number, limit: number): number | undefined {
  for (let t = Math.floor(after / MINUTE) * MINUTE + MINUTE; t <= limit; t += MINUTE) {
    if (matchesWall(s, new Date(toWall(t, s.timeZone)))) return t;
  }
  return undefined;
}

const fieldValue = (min: number, max: number) =>
  fc.oneof(
    fc.constant('*'),
    fc.integer({ min, max }).map(String),
    fc
      .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
      .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: Math.max(1, max - min) }).map((n) => `*/${n}`),
    fc.array(fc.integer({ min, max }), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(',')),
  );

// Dense schedules (every hour or more often on matching days), so the brute force stays short.
const schedule = fc
  .tuple(
    fieldValue(0, 59),
    fc.oneof(fc.constant('*'), fc.constant('*/2'), fieldValue(0, 23)),
    fieldValue(1, 31),
    fc.constant('*'),
    fieldValue(0, 7),
  )
  .map((f) => f.join(' '));

const instant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) });

describe('parseCron', () => {
  it('reads values, ranges, steps, lists, names and macros', () => {
    const s = parse('*/15 9-17 1,15 jan-mar mon-fri');
    assert.deepEqual([...s.minutes], [0, 15, 30, 45]);
    assert.deepEqual([...s.hours], [9, 10, 11, 12, 13, 14, 15, 16, 17]);
    assert.deepEqual([...s.daysOfMonth], [1, 15]);
    assert.deepEqual([...s.months], [1, 2, 3]);
    assert.deepEqual([...s.daysOfWeek], [1, 2, 3, 4, 5]);
    assert.equal(s.eitherDay, true);
    assert.deepEqual([...parse('0 0 * * 7').daysOfWeek], [0], '7 is Sunday');
    assert.deepEqual([...parse('5/20 * * * *').minutes], [5, 25, 45]);
    assert.equal(parse('@daily').minutes.size, 1);
    assert.equal(parse('0 0 1 * *').eitherDay, false);
  });

  it('gives a clear error for each kind of bad schedule, never throwing', () => {
    const cases: Array<[string, RegExp]> = [
      ['* * * *', /has 4 fields; a schedule has 5/],
      ['61 * * * *', /minute: 61 is outside 0-59/],
      ['* 24 * * *', /hour: 24 is outside 0-23/],
      ['* * 0 * *', /day of month: 0 is outside 1-31/],
      ['* * * 13 *', /month: 13 is outside 1-12/],
      ['* * * * 8', /day of week: 8 is outside 0-7/],
      ['*/0 * * * *', /step "0" must be a whole number of at least 1/],
      ['5-1 * * * *', /runs backwards/],
      ['a * * * *', /minute: "a" is not a number/],
      ['TZ=UTC 0 * * * *', /TZ= prefix is not supported/],
      ['', /has 1 field;/],
    ];
    for (const [text, error] of cases) {
      const r = parseCron(text);
      assert.equal(r.ok, false, text);
      assert.match(r.ok ? '' : r.error, error, text);
    }
    const zone = parseCron('0 * * * *', 'Mars/Olympus');
    assert.match(zone.ok ? '' : zone.error, /unknown time zone "Mars\/Olympus"/);
  });

  it('never throws on arbitrary text', () => {
    // Counterexamples found so far, kept as regressions (seed -977074407 found `__proto__`).
    for (const text of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = parseCron(text);
      assert.equal(r.ok, false, text);
      assert.match(r.ok ? '' : r.error, /\S/, text);
    }
    fc.assert(
      fc.property(fc.string(), (text) => {
        const r = parseCron(text);
        assert.equal(typeof r.ok, 'boolean');
      }),
    );
  });
});

describe('nextAfter and mostRecent', () => {
  it('agree with a minute-by-minute walk (UTC)', () => {
    fc.assert(
      fc.property(schedule, instant, (text, after) => {
        const s = parse(text);
        const limit = after + 70 * 24 * 60 * MINUTE;
        const expected = bruteNext(s, after, limit);
        const got = nextAfter(s, after);
        if (expected === undefined) assert.ok(got === undefined || got > limit, text);
        else assert.equal(got, expected, text);
      }),
      { numRuns: 150 },
    );
  });

  it('agree with a minute-by-minute walk in a zone with DST', () => {
    fc.assert(
      fc.property(schedule, instant, (text, after) => {
        const s = parse(text, 'Europe/Berlin');
        const limit = after + 8 * 24 * 60 * MINUTE;
        const expected = bruteNext(s, after, limit);
        const got = nextAfter(s, after);
        // The walk may see a repeated local hour twice; we run it once, so compare only when the
        // walk's answer is not a second occurrence.
        if (expected === undefined) assert.ok(got === undefined || got > limit, text);
        else if (toWall(expected - 3_600_000, s.timeZone) !== toWall(expected, s.timeZone))
          assert.equal(got, expected, text);
      }),
      { numRuns: 25 },
    );
  });

  it('mostRecent is the last brute-force match in (since, now]', () => {
    fc.assert(
      fc.property(schedule, instant, fc.integer({ min: 0, max: 3 * 24 * 60 }), (text, since, minutes) => {
        const s = parse(text);
        const now = since + minutes * MINUTE + 17_000;
        let last: number | undefined;
        for (let t = Math.floor(since / MINUTE) * MINUTE + MINUTE; t <= now; t += MINUTE) {
          if (matchesWall(s, new Date(t))) last = t;
        }
        assert.equal(mostRecent(s, since, now), last, text);
      }),
      { numRuns: 150 },
    );
  });

  it('finds runs far apart and reports a schedule that never fires', () => {
    const yearly = parse('@yearly');
    assert.equal(nextAfter(yearly, Date.UTC(2025, 5, 1)), Date.UTC(2026, 0, 1));
    assert.equal(mostRecent(yearly, Date.UTC(2020, 5, 1), Date.UTC(2025, 5, 1)), Date.UTC(2025, 0, 1));
    assert.equal(nextAfter(parse('0 0 30 2 *'), Date.UTC(2025, 0, 1)), undefined);
    // 02:30 does not exist in Berlin on 2025-03-30 (spring forward): that day is skipped.
    const night = parse('30 2 * * *', 'Europe/Berlin');
    assert.equal(nextAfter(night, Date.UTC(2025, 2, 29, 2)), Date.UTC(2025, 2, 31, 0, 30));
    // 02:30 happens twice on 2025-10-26 (fall back): it runs once, at the first.
    assert.equal(nextAfter(night, Date.UTC(2025, 9, 25, 12)), Date.UTC(2025, 9, 26, 0, 30));
    assert.equal(nextAfter(night, Date.UTC(2025, 9, 26, 0, 30)), Date.UTC(2025, 9, 27, 1, 30));
  });
});
