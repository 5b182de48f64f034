/**
 * `desk.businessHours` as an admin writes it (a zone, opening hours per weekday, holidays)
 * and its checks: the zone must be one Intl knows, each range `HH:MM-HH:MM` with its end
 * after its start (24:00 closes at midnight), a day's ranges apart, each holiday a real date.
 */
import type { Problem } from '../routing/index.js';
import { problemText, type ProblemText } from '../base/problem-texts.js';

/** Weekday keys, Sunday first (as Date.getUTCDay counts). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface BusinessHoursConfig {
  readonly timeZone: string;
  readonly days: Readonly<Partial<Record<Weekday, readonly string[]>>>;
  readonly holidays: readonly string[];
}

/** Minutes after midnight [start, end) from `09:00-18:00`; undefined when malformed or empty. */
export function parseHoursRange(text: string): readonly [number, number] | undefined {
  const m = /^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))\s*$/.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = m[5] ? 1440 : Number(m[3]) * 60 + Number(m[4]);
  return end > start ? [start, end] : undefined;
}

export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const error = (path: string, message: string, text: ProblemText): Problem => ({ path, message, severity: 'error', ...text });

export function checkBusinessHours(hours: BusinessHoursConfig, at: string): Problem[] {
  const problems: Problem[] = [];
  if (!knownTimeZone(hours.timeZone)) {
    problems.push(
      error(
        `${at}.timeZone`,
        `"${hours.timeZone}" is not a time zone; write an IANA zone name such as Asia/Tokyo, Europe/Berlin or UTC`,
        problemText('business-hours-time-zone', { value: hours.timeZone }),
      ),
    );
  }
  let open = false;
  for (const day of WEEKDAYS) {
    const ranges: (readonly [number, number])[] = [];
    (hours.days[day] ?? []).forEach((text, i) => {
      const path = `${at}.days.${day}${(hours.days[day]?.length ?? 0) > 1 ? `[${i}]` : ''}`;
      const range = parseHoursRange(text);
      if (!range) {
        problems.push(
          error(
            path,
            `"${text}" is not a range of hours; write it like 09:00-18:00 (24-hour clock, the end after the start, 24:00 for midnight)`,
            problemText('business-hours-range', { value: text }),
          ),
        );
        return;
      }
      const clash = ranges.find(([s, e]) => range[0] < e && s < range[1]);
      if (clash)
        problems.push(
          error(
            path,
            `"${text}" overlaps another range of ${day}; make the ranges of one day apart, or join them into one`,
            problemText('business-hours-overlap', { value: text, day }),
          ),
        );
      ranges.push(range);
      open = true;
    });
  }
  if (!open) {
    problems.push(
      error(
        `${at}.days`,
        'no day has business hours, so no service clock could ever run; give at least one day, like mon: 09:00-18:00',
        problemText('business-hours-closed', {}),
      ),
    );
  }
  hours.holidays.forEach((h, i) => {
    if (!isCalendarDate(h))
      problems.push(
        error(`${at}.holidays[${i}]`, `"${h}" is not a date; write it as YYYY-MM-DD, like 2026-12-31`, problemText('business-hours-holiday', { value: h })),
      );
  });
  return problems;
}
