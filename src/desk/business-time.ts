/**
 * Business time: the hours a desk works, in its time zone, less its holidays. Service
 * targets count only these hours. Instants are milliseconds since the epoch; the zone's
 * rules (daylight saving included) come from Intl, so a 09:00 opening is 09:00 on the wall
 * clock in winter and in summer. Without business hours the clock runs around the clock.
 */

/** Minutes after local midnight, [start, end); end may be 1440 (24:00). */
export type MinuteRange = readonly [start: number, end: number];

export interface BusinessHours {
  /** An IANA zone such as Asia/Tokyo. */
  readonly timeZone: string;
  /** By weekday, Sunday first (as Date.getUTCDay counts): the open ranges, sorted, not overlapping. */
  readonly week: readonly (readonly MinuteRange[])[];
  /** Local dates (YYYY-MM-DD) with no business hours at all. */
  readonly holidays: ReadonlySet<string>;
}

const DAY_MS = 86_400_000;
/** Past this many days without enough open hours the calendar is taken for one that never opens. */
const MAX_DAYS = 366 * 20;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock in `timeZone` at instant `t`, as if it were UTC (ms). */
function wallClock(timeZone: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** The zone's offset from UTC at instant `t`, in ms (Tokyo: +9 h). */
function offsetAt(timeZone: string, t: number): number {
  const whole = Math.floor(t / 1000) * 1000;
  return wallClock(timeZone, whole) - whole;
}

/**
 * The instant of a local wall-clock time (`wall`: ms as if UTC). A time the clocks skip
 * (spring forward) moves forward by the gap; a time that happens twice (fall back) is
 * the first of the two. Real zones change offset at most once within a day either side.
 */
export function localToInstant(timeZone: string, wall: number): number {
  const candidates = [offsetAt(timeZone, wall - DAY_MS), offsetAt(timeZone, wall + DAY_MS)].map((o) => ({ o, t: wall - o }));
  const valid = candidates.filter((c) => offsetAt(timeZone, c.t) === c.o).map((c) => c.t);
  return valid.length > 0 ? Math.min(...valid) : Math.max(...candidates.map((c) => c.t));
}

/** The local date (as UTC midnight ms) that instant `t` falls on. */
function localDate(timeZone: string, t: number): number {
  const wall = wallClock(timeZone, t);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

const isoDate = (day: number): string => new Date(day).toISOString().slice(0, 10);

/** The open intervals (instants) of each local day, from the day `from` falls on, in order. */
function* openIntervals(hours: BusinessHours, from: number): Generator<readonly [number, number]> {
  let day = localDate(hours.timeZone, from);
  for (let i = 0; i < MAX_DAYS; i += 1, day += DAY_MS) {
    if (hours.holidays.has(isoDate(day))) continue;
    for (const [start, end] of hours.week[new Date(day).getUTCDay()] ?? []) {
      yield [localToInstant(hours.timeZone, day + start * 60_000), localToInstant(hours.timeZone, day + end * 60_000)];
    }
  }
  throw new Error(`the business hours in ${hours.timeZone} have no open hours in ${MAX_DAYS} days`);
}

/** The instant `amount` ms of business time after `start` (null hours: around the clock). */
export function addBusinessTime(hours: BusinessHours | null, start: number, amount: number): number {
  if (amount <= 0) return start;
  if (!hours) return start + amount;
  let remaining = amount;
  for (const [open, close] of openIntervals(hours, start)) {
    if (close <= start) continue;
    const from = Math.max(open, start);
    if (remaining <= close - from) return from + remaining;
    remaining -= close - from;
  }
  throw new Error('business hours ran out'); // openIntervals throws first; the compiler cannot know
}

/** Business time (ms) from `from` to `to`; 0 when `to` is not after `from`. */
export function businessTimeBetween(hours: BusinessHours | null, from: number, to: number): number {
  if (to <= from) return 0;
  if (!hours) return to - from;
  let total = 0;
  for (const [open, close] of openIntervals(hours, from)) {
    if (open >= to) break;
    total += Math.max(0, Math.min(close, to) - Math.max(open, from));
  }
  return total;
}
