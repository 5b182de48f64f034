/**
 * Service targets through the REST API: a case opened by mail on a channel with an SLA carries
 * its due times; once its first-response target has passed and the sweep recorded it, it is
 * in the breached view, counted, and says which target it missed; a pending case is paused
 * with the time it has left; the channel lists its targets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { exportConfigText } from '../../src/config/index.js';
import { sweepSlaBreaches } from '../../src/desk/index.js';
import { DIALECTS, eventually } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field */
describe.each(DIALECTS)('SLA in the API on %s', (dialect) => {
  let n: ApiNode;
  const opened = async (from: string): Promise<any> =>
    eventually(async () => (await n.call('GET', `/api/cases?search=${encodeURIComponent(from)}`)).body.items[0], 10_000, `the case from ${from}`);

  beforeAll(async () => {
    n = await startApiNode(dialect);
    const { yaml } = await exportConfigText(n.gw.store.db);
    const withSla = yaml.replace(
      '- name: Support\n      kind: support\n',
      '- name: Support\n      kind: support\n      sla: { firstResponse: 1h, resolution: 1d }\n',
    );
    expect(withSla).not.toBe(yaml);
    await n.gw.apply(withSla);
  });
  afterAll(async () => n?.stop());

  it('shows due times, the breached view, its count and a paused case', async () => {
    const before = Date.now();
    await n.mail('help@solarmora.com', 'late@customer.example', { From: 'late@customer.example', Subject: 'Late one' });
    await n.mail('help@solarmora.com', 'away@customer.example', { From: 'away@customer.example', Subject: 'Away one' });
    const late = await opened('late@customer.example');
    const away = await opened('away@customer.example');
    expect(late.sla).toMatchObject({ breached: [], paused: false, remaining: null, firstResponseAt: null });
    const due = Date.parse(late.sla.firstResponseDue);
    expect(due).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(due).toBeLessThanOrEqual(Date.now() + 3_600_000);

    expect((await n.call('GET', '/api/cases/counts')).body).toEqual({ breached: 0 });
    // Two hours on: the sweep records the first-response breach of both open cases.
    await n.call('PATCH', `/api/cases/${away.number}`, { body: { status: 'pending' } });
    await sweepSlaBreaches({ db: n.gw.store.db, clock: { now: () => Date.now() + 2 * 3_600_000 }, logger: silentLogger, wake: () => undefined });

    const breached = await n.call('GET', '/api/cases?sla=breached&sort=due', { token: n.agent });
    expect(breached.status).toBe(200);
    expect(breached.body.items.map((c: any) => c.number)).toEqual([late.number]);
    expect(breached.body.items[0].sla.breached).toEqual(['firstResponse']);
    expect(breached.body.nextCursor).toBeNull();
    expect((await n.call('GET', '/api/cases/counts', { token: n.agent })).body).toEqual({ breached: 1 });

    const paused = (await n.call('GET', `/api/cases/${away.number}`)).body;
    expect(paused.sla).toMatchObject({ paused: true, firstResponseDue: null, resolutionDue: null, breached: [] });
    expect(paused.sla.remaining.firstResponse).toBeGreaterThan(3_500_000);
    expect(paused.sla.remaining.resolution).toBeGreaterThan(86_300_000);

    const channels = (await n.call('GET', '/api/channels')).body.items;
    expect(channels.find((c: any) => c.name === 'Support').sla).toEqual({ firstResponse: 3_600_000, resolution: 86_400_000, timeZone: null });
    expect(channels.find((c: any) => c.name === 'Spare').sla).toBeNull();
    expect((await n.call('GET', '/api/cases?sla=late')).status).toBe(400);
  });
});
