import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/index.js';
import type { BusinessHours } from './business-time.js';
import type { CaseStatus } from './model.js';
import { advanceSlaClock, slaRemaining, slaSettingsOf, startSlaClock, type SlaEvent } from './sla.js';

const H = 3_600_000;
const M = 60_000;
const T0 = Date.parse('2026-12-07T00:00:00Z'); // Monday 09:00 in Tokyo
const targets = { firstResponse: 4 * H, resolution: 24 * H };
const tokyo: BusinessHours = {
  timeZone: 'Asia/Tokyo',
  week: [[], [[540, 1080]], [[540, 1080]], [[540, 1080]], [[540, 1080]], [[540, 1080]], []],
  holidays: new Set(),
};

describe('SLA clock', () => {
  it('sets both due times when a case opens, in business time', () => {
    const c = startSlaClock(targets, tokyo, T0, 'new');
    expect(c.firstResponseDue).toBe(T0 + 4 * H);
    // 24 business hours of 9 a day: Monday 9 h, Tuesday 9 h, Wednesday 6 h → Wednesday 15:00 JST.
    expect(new Date(c.resolutionDue!).toISOString()).toBe('2026-12-09T06:00:00.000Z');
  });

  it('meets the first-response target with the first answer and keeps the resolution target running', () => {
    const c = advanceSlaClock(startSlaClock(targets, null, T0, 'new'), null, { kind: 'first-response', at: T0 + H });
    expect(c.firstResponseAt).toBe(T0 + H);
    expect(c.firstResponseDue).toBeNull();
    expect(c.resolutionDue).toBe(T0 + 24 * H);
  });

  it('pauses while pending and moves the due times by the pause when the customer answers', () => {
    let c = startSlaClock(targets, null, T0, 'new');
    c = advanceSlaClock(c, null, { kind: 'status', at: T0 + H, status: 'pending' });
    expect(c).toMatchObject({ firstResponseDue: null, resolutionDue: null, runningSince: null, elapsed: H });
    expect(slaRemaining(c, 'firstResponse')).toBe(3 * H);
    expect(slaRemaining(c, 'resolution')).toBe(23 * H);
    c = advanceSlaClock(c, null, { kind: 'status', at: T0 + 11 * H, status: 'open' });
    expect(c.firstResponseDue).toBe(T0 + 14 * H);
    expect(c.resolutionDue).toBe(T0 + 34 * H);
  });

  it('stops when solved and resumes with what was left when reopened', () => {
    let c = startSlaClock(targets, null, T0, 'open');
    c = advanceSlaClock(c, null, { kind: 'first-response', at: T0 + H });
    c = advanceSlaClock(c, null, { kind: 'status', at: T0 + 2 * H, status: 'solved' });
    expect(c.resolutionDue).toBeNull();
    c = advanceSlaClock(c, null, { kind: 'status', at: T0 + 50 * H, status: 'open' });
    expect(c.resolutionDue).toBe(T0 + 50 * H + 22 * H);
  });

  it('keeps a due time that has passed, whatever happens next, so the breach stays on record', () => {
    let c = startSlaClock(targets, null, T0, 'new');
    c = advanceSlaClock(c, null, { kind: 'first-response', at: T0 + 5 * H });
    expect(c.firstResponseDue).toBe(T0 + 4 * H);
    c = advanceSlaClock(c, null, { kind: 'status', at: T0 + 30 * H, status: 'solved' });
    expect(c.resolutionDue).toBe(T0 + 24 * H);
    expect(c.firstResponseDue).toBe(T0 + 4 * H);
  });

  it('has no due times without targets', () => {
    const c = startSlaClock({ firstResponse: null, resolution: null }, tokyo, T0, 'new');
    expect(c.firstResponseDue).toBeNull();
    expect(c.resolutionDue).toBeNull();
  });

  // Random histories of a case: statuses and answers at increasing times.
  const history = fc.array(
    fc.record({
      gap: fc.integer({ min: 0, max: 120 }).map((quarters) => quarters * 15 * M),
      event: fc.oneof(
        fc.constantFrom<CaseStatus>('open', 'pending', 'solved').map((s) => ({ kind: 'status' as const, status: s })),
        fc.constant({ kind: 'first-response' as const }),
      ),
    }),
    { maxLength: 12 },
  );
  const toEvents = (h: { gap: number; event: { kind: 'status'; status: CaseStatus } | { kind: 'first-response' } }[]): SlaEvent[] => {
    let at = T0;
    return h.map(({ gap, event }) => {
      at += gap;
      return { ...event, at };
    });
  };

  it('counts exactly the time the case was new or open: elapsed equals the running time, pauses excluded', () => {
    fc.assert(
      fc.property(history, fc.constantFrom(tokyo, null), (h, hours) => {
        const events = toEvents(h);
        const clock = events.reduce((c, e) => advanceSlaClock(c, hours, e), startSlaClock(targets, hours, T0, 'new'));
        let running = true;
        let since = T0;
        let total = 0;
        for (const e of events) {
          if (running) total += hours ? businessBetween(hours, since, e.at) : e.at - since;
          if (e.kind === 'status') running = e.status === 'open';
          since = e.at;
        }
        expect(clock.elapsed).toBe(total);
        expect(clock.runningSince === null).toBe(!running);
      }),
      { numRuns: 100 },
    );
  });

  it('never moves a due time earlier than any it had, and a running due time is never before the last event', () => {
    fc.assert(
      fc.property(history, (h) => {
        const events = toEvents(h);
        let c = startSlaClock(targets, tokyo, T0, 'new');
        for (const e of events) {
          const before = c;
          c = advanceSlaClock(c, tokyo, e);
          for (const key of ['firstResponseDue', 'resolutionDue'] as const) {
            if (before[key] !== null && before[key] <= e.at) expect(c[key]).toBe(before[key]);
            if (c[key] !== null && c.runningSince !== null && c[key] !== before[key]) expect(c[key]).toBeGreaterThanOrEqual(e.at);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

// The reference sum, written the plain way: minute by minute inside the open hours.
function businessBetween(hours: BusinessHours, from: number, to: number): number {
  let total = 0;
  const f = new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone, hourCycle: 'h23', weekday: 'short', hour: 'numeric', minute: 'numeric' });
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const step = 15 * M;
  // Every instant in these tests is on a quarter hour, as T0 and the gaps are.
  for (let t = Math.ceil(from / step) * step; t < to; t += step) {
    const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    const minute = Number(p.hour) * 60 + Number(p.minute);
    const open = (hours.week[days.indexOf(String(p.weekday))] ?? []).some(([s, e]) => minute >= s && minute < e);
    if (open) total += Math.min(step, to - t);
  }
  return total;
}

describe('SLA settings from the configuration', () => {
  it('reads the targets by channel and the business hours', () => {
    const parsed = parseConfigText(`
desk:
  domain: case.example.test
  channels:
    - { name: Support, kind: support, sla: { firstResponse: 4h, resolution: 3d } }
    - { name: Sales, kind: sales }
  businessHours:
    timeZone: Asia/Tokyo
    days: { mon: "13:00-18:00", tue: ["13:00-18:00", "09:00-12:00"] }
    holidays: [2026-12-31]
`);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const s = slaSettingsOf(parsed.config.desk);
    expect(s.targets.get('Support')).toEqual({ firstResponse: 4 * H, resolution: 72 * H });
    expect(s.targets.has('Sales')).toBe(false);
    expect(s.hours?.week[1]).toEqual([[780, 1080]]);
    expect(s.hours?.week[2]).toEqual([
      [540, 720],
      [780, 1080],
    ]);
    expect(s.hours?.holidays.has('2026-12-31')).toBe(true);
  });
});
