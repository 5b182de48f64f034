import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse-config.js';
import { renderConfigYaml } from './render-config.js';

const desk = (extra: string, channel = '{ name: Support, kind: support, sla: { firstResponse: 4h, resolution: 3d } }') => `desk:
  domain: case.solarmora.test
  channels:
    - ${channel}
${extra}`;

function problems(text: string) {
  const r = parseConfigText(text);
  return r.ok ? [] : r.problems.map((p) => ({ path: p.path, code: p.code, message: p.message }));
}

describe('desk.businessHours and channel SLAs', () => {
  it('accepts a zone, days with one or two ranges, holidays, and round-trips', () => {
    const text = desk(`  businessHours:
    timeZone: Asia/Tokyo
    days: { mon: "09:00-18:00", tue: ["09:00-12:00", "13:00-18:00"], fri: "09:00-24:00" }
    holidays: [2026-12-31, "2027-01-01"]
`);
    const r = parseConfigText(text);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    expect(r.config.desk?.channels[0]?.sla).toEqual({ firstResponse: 4 * 3_600_000, resolution: 3 * 86_400_000 });
    expect(r.config.desk?.businessHours?.holidays).toEqual(['2026-12-31', '2027-01-01']);
    const yaml = renderConfigYaml(r.config);
    expect(yaml).toContain('sla: { firstResponse: 4h, resolution: 3d }');
    expect(yaml).toContain('mon: 09:00-18:00');
    const again = parseConfigText(yaml);
    expect(again.ok && again.config).toEqual(r.config);
  });

  it('names the path and the fix for an unknown zone, a bad range, overlapping ranges and a bad date', () => {
    const found = problems(
      desk(`  businessHours:
    timeZone: Asia/Tokio
    days: { mon: "18:00-09:00", tue: ["09:00-13:00", "12:00-18:00"], wed: "9-5" }
    holidays: [2026-02-30]
`),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'desk.businessHours.timeZone', code: 'business-hours-time-zone', message: expect.stringContaining('Asia/Tokyo') }),
        expect.objectContaining({ path: 'desk.businessHours.days.mon', code: 'business-hours-range', message: expect.stringContaining('09:00-18:00') }),
        expect.objectContaining({ path: 'desk.businessHours.days.tue[1]', code: 'business-hours-overlap' }),
        expect.objectContaining({ path: 'desk.businessHours.days.wed', code: 'business-hours-range' }),
        expect.objectContaining({ path: 'desk.businessHours.holidays[0]', code: 'business-hours-holiday', message: expect.stringContaining('YYYY-MM-DD') }),
      ]),
    );
    expect(found).toHaveLength(5);
  });

  it('refuses hours with no open day, an SLA on a sales channel, a target under a minute and an empty sla', () => {
    expect(problems(desk('  businessHours: { timeZone: UTC, days: {} }\n'))).toEqual([
      expect.objectContaining({ path: 'desk.businessHours.days', code: 'business-hours-closed' }),
    ]);
    expect(problems(desk('', '{ name: Sales, kind: sales, sla: { resolution: 1d } }'))).toEqual([
      expect.objectContaining({ path: 'desk.channels[0].sla', code: 'sla-sales-channel' }),
    ]);
    expect(problems(desk('', '{ name: S, kind: support, sla: { firstResponse: 30s } }'))[0]).toMatchObject({
      path: 'desk.channels[0].sla.firstResponse',
      message: expect.stringContaining('at least 1m'),
    });
    expect(problems(desk('', '{ name: S, kind: support, sla: {} }'))[0]).toMatchObject({ path: 'desk.channels[0].sla' });
  });
});
