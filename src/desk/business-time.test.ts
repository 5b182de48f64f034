import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addBusinessTime, businessTimeBetween, localToInstant, type BusinessHours } from './business-time.js';

const H = 3_600_000;
const nineToSix = [[540, 1080]] as const;
const weekdays = (ranges: readonly (readonly [number, number])[]) => [[], ranges, ranges, ranges, ranges, ranges, []];

const tokyo: BusinessHours = { timeZone: 'Asia/Tokyo', week: weekdays(nineToSix), holidays: new Set(['2026-12-31']) };
const berlin: BusinessHours = { timeZone: 'Europe/Berlin', week: weekdays(nineToSix), holidays: new Set() };
// Open around the clock on weekdays, so the night of a clock change is business time.
const berlinAllDay: BusinessHours = { timeZone: 'Europe/Berlin', week: weekdays([[0, 1440]]), holidays: new Set() };
// A lunch break, a short Saturday and two holidays.
const withBreak: BusinessHours = {
  timeZone: 'America/New_York',
  week: [
    [],
    [
      [540, 720],
      [780, 1020],
    ],
    [[540, 1020]],
    [[540, 1020]],
    [[540, 1020]],
    [[540, 1020]],
    [[600, 780]],
  ],
  holidays: new Set(['2026-11-26', '2026-12-25']),
};

const at = (iso: string): number => Date.parse(iso);

describe('business time', () => {
  it('counts only open hours in the zone: a Friday evening in Tokyo is due Monday morning', () => {
    // Friday 2026-12-04 17:00 JST is 08:00Z; 4 h of business time: 1 h on Friday, 3 h on Monday.
    expect(new Date(addBusinessTime(tokyo, at('2026-12-04T08:00:00Z'), 4 * H)).toISOString()).toBe('2026-12-07T03:00:00.000Z');
  });

  it('starts at the next opening when asked outside the hours', () => {
    // Saturday: the first hour is Monday 09:00–10:00 JST.
    expect(new Date(addBusinessTime(tokyo, at('2026-12-05T03:00:00Z'), H)).toISOString()).toBe('2026-12-07T01:00:00.000Z');
  });

  it('skips holidays', () => {
    // Wednesday 2026-12-30 17:00 JST + 2 h: 1 h on Wednesday, Thursday 31st is a holiday, 1 h on Friday.
    expect(new Date(addBusinessTime(tokyo, at('2026-12-30T08:00:00Z'), 2 * H)).toISOString()).toBe('2027-01-01T01:00:00.000Z');
  });

  it('ends exactly at closing when the amount fills the day', () => {
    expect(new Date(addBusinessTime(tokyo, at('2026-12-07T00:00:00Z'), 9 * H)).toISOString()).toBe('2026-12-07T09:00:00.000Z');
  });

  it('runs around the clock without business hours', () => {
    expect(addBusinessTime(null, 1000, 5 * H)).toBe(1000 + 5 * H);
    expect(businessTimeBetween(null, 1000, 1000 + 5 * H)).toBe(5 * H);
  });

  it('keeps 09:00 on the wall clock across daylight saving in Berlin', () => {
    // Friday 27 March 2026, 17:00 CET (16:00Z) + 2 h: Monday 30 March opens 09:00 CEST = 07:00Z.
    expect(new Date(addBusinessTime(berlin, at('2026-03-27T16:00:00Z'), 2 * H)).toISOString()).toBe('2026-03-30T08:00:00.000Z');
    // Friday 23 October 2026, 17:00 CEST (15:00Z) + 2 h: Monday 26 October opens 09:00 CET = 08:00Z.
    expect(new Date(addBusinessTime(berlin, at('2026-10-23T15:00:00Z'), 2 * H)).toISOString()).toBe('2026-10-26T09:00:00.000Z');
  });

  it('counts the real length of a day whose clocks change: 23 h in spring, 25 h in autumn', () => {
    const everyDay: BusinessHours = { timeZone: 'Europe/Berlin', week: Array.from({ length: 7 }, () => [[0, 1440] as const]), holidays: new Set() };
    // Sunday 29 March 2026 from 00:00 CET (23:00Z the day before) to 24:00 CEST (22:00Z).
    expect(businessTimeBetween(everyDay, at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'))).toBe(23 * H);
    // Sunday 25 October 2026 from 00:00 CEST (22:00Z the day before) to 24:00 CET (23:00Z).
    expect(businessTimeBetween(everyDay, at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'))).toBe(25 * H);
    // Night hours around the change count what the wall clock skipped or repeated.
    expect(businessTimeBetween(berlinAllDay, at('2026-03-30T00:00:00Z'), at('2026-03-30T06:00:00Z'))).toBe(6 * H);
  });

  it('turns a local time the clocks skip into the one after the gap, and a repeated one into the first', () => {
    // 29 March 2026, 02:30 in Berlin does not exist: 03:30 CEST (01:30Z).
    expect(new Date(localToInstant('Europe/Berlin', Date.UTC(2026, 2, 29, 2, 30))).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 25 October 2026, 02:30 in Berlin happens twice: the first is CEST (00:30Z).
    expect(new Date(localToInstant('Europe/Berlin', Date.UTC(2026, 9, 25, 2, 30))).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(localToInstant('Asia/Tokyo', Date.UTC(2026, 0, 1, 9, 0))).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  const calendars = fc.constantFrom(tokyo, berlin, berlinAllDay, withBreak, null);
  // 2025–2028: several clock changes each way.
  const instant = fc.integer({ min: at('2025-01-01T00:00:00Z'), max: at('2028-12-31T00:00:00Z') });
  const amount = fc.integer({ min: 0, max: 30 * 24 * H });

  it('gives back the amount: the business time from start to start + n is n', () => {
    fc.assert(
      fc.property(calendars, instant, amount, (cal, start, n) => {
        expect(businessTimeBetween(cal, start, addBusinessTime(cal, start, n))).toBe(n);
      }),
      { numRuns: 150 },
    );
  });

  it('is monotonic: more time is never due earlier, and never before the start', () => {
    fc.assert(
      fc.property(calendars, instant, amount, amount, (cal, start, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const dueLo = addBusinessTime(cal, start, lo);
        expect(dueLo).toBeGreaterThanOrEqual(start);
        expect(addBusinessTime(cal, start, hi)).toBeGreaterThanOrEqual(dueLo);
      }),
      { numRuns: 150 },
    );
  });

  it('adds up: the time from a to c is the time from a to b plus b to c', () => {
    fc.assert(
      fc.property(calendars, instant, fc.integer({ min: 0, max: 20 * 24 * H }), fc.integer({ min: 0, max: 20 * 24 * H }), (cal, a, x, y) => {
        expect(businessTimeBetween(cal, a, a + x + y)).toBe(businessTimeBetween(cal, a, a + x) + businessTimeBetween(cal, a + x, a + x + y));
      }),
      { numRuns: 100 },
    );
  });

  it('never ends inside a weekend, a holiday or outside the hours', () => {
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', hourCycle: 'h23', weekday: 'short', hour: 'numeric', minute: 'numeric' });
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 30 * 24 * H }), (start, n) => {
        // The last millisecond counted lies inside open hours.
        const last = addBusinessTime(tokyo, start, n) - 1;
        const p = Object.fromEntries(local.formatToParts(new Date(last)).map((x) => [x.type, x.value]));
        const minutes = Number(p.hour) * 60 + Number(p.minute);
        expect(['Sat', 'Sun']).not.toContain(p.weekday);
        expect(minutes).toBeGreaterThanOrEqual(540);
        expect(minutes).toBeLessThan(1080);
        expect(new Date(last + 9 * H).toISOString().slice(0, 10)).not.toBe('2026-12-31');
      }),
      { numRuns: 150 },
    );
  });

  it('counts no time over a weekend or a holiday', () => {
    expect(businessTimeBetween(tokyo, at('2026-12-04T09:00:00Z'), at('2026-12-06T23:59:00Z'))).toBe(0);
    expect(businessTimeBetween(tokyo, at('2026-12-30T15:00:00Z'), at('2026-12-31T15:00:00Z'))).toBe(0);
    expect(businessTimeBetween(withBreak, at('2026-11-26T00:00:00Z'), at('2026-11-27T05:00:00Z'))).toBe(0);
  });
});
