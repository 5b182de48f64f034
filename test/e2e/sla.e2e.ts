/**
 * Service targets in chromium, in English and in Japanese: a channel with an SLA, a case whose
 * first-response target has passed (its due time moved back through the store, then the
 * sweep) shows as breached in the list, on its page, in the Breached view and in the badge;
 * a case an agent sets to pending shows its clock paused; the channel shows its targets.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/base/clock.js';
import { silentLogger } from '../../src/base/log.js';
import { sweepSlaBreaches } from '../../src/desk/index.js';
import { listCases, loadCurrentConfig } from '../../src/store/index.js';
import { eventually } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startDesk, worldHost, type Browsing, type Desk } from './harness.js';

const configWithSla = (sinkPort: number, inbound: string) => `
domains: [solarmora.com]
${worldHost(sinkPort)}desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false, sla: { firstResponse: 1h, resolution: 3d } }
  businessHours:
    timeZone: Asia/Tokyo
    days: { mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00" }
defaultRouting:
  - description: Forward help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`;

describe('service targets in the console', () => {
  let desk: Desk;
  let browsing: Browsing;
  let late: number;
  let waiting: number;
  const pages: Page[] = [];
  const open = async (opts?: { locale?: string }) => {
    const { page } = await browsing.newPage(opts);
    pages.push(page);
    return page;
  };

  async function caseOf(subject: string): Promise<number> {
    return eventually(async () => (await listCases(desk.gw.store.db, { search: subject })).find((c) => c.subject === subject)?.number, 15_000, subject);
  }

  beforeAll(async () => {
    [desk, browsing] = await Promise.all([startDesk(), launchBrowser()]);
    await desk.gw.apply(configWithSla(desk.sink.port, desk.inboundAddress));
    await desk.addUser('agent@solarmora.com', 'agent');
    await desk.addUser('admin@solarmora.com', 'admin');
    await desk.mail({ from: 'aiko@customer.example', subject: 'Invoice missing', body: 'Where is my invoice?' });
    await desk.mail({ from: 'ben@customer.example', subject: 'New address', body: 'Please change my address.' });
    late = await caseOf('Invoice missing');
    waiting = await caseOf('New address');
    // The first answer was due half an hour ago: the case's due time moves back in the store,
    // and the sweep (which the node also runs every 15 s) records the breach.
    await desk.gw.store.db
      .updateTable('desk_cases')
      .set({ sla_first_response_due: Date.now() - 30 * 60_000 })
      .where('number', '=', late)
      .execute();
    await sweepSlaBreaches({ db: desk.gw.store.db, clock: systemClock, logger: silentLogger, wake: () => undefined });
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.context().close();
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
  });

  it('shows due times, the breach, the Breached view and its badge, and a paused case, in English', async () => {
    const page = await open();
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect.poll(() => nav.getByTestId('breached-count').textContent()).toContain('1');

    await nav.getByRole('link', { name: /^Cases/ }).click();
    const lateRow = page.locator(`tr[data-case="${late}"]`);
    await expect.poll(() => lateRow.getByTestId('case-due').textContent()).toMatch(/^breached 30 min\.? ago$/);
    expect(await page.locator(`tr[data-case="${waiting}"]`).getByTestId('case-due').textContent()).toMatch(/^due in (59|60) min\.?$/);

    await page
      .locator(`tr[data-case="${waiting}"]`)
      .getByRole('link', { name: `#${waiting}` })
      .click();
    await page.getByLabel('Status', { exact: true }).selectOption('pending');
    const sla = page.getByTestId('case-sla');
    await expect.poll(() => sla.textContent()).toContain('paused');
    expect(await sla.textContent()).toContain('Waiting on the customer');
    expect(await sla.locator('[data-sla-target="firstResponse"]').textContent()).toMatch(/paused\s*(59|60) (min|hr)/);
    await screenshot(page, 'sla-01-paused');

    await nav.getByRole('link', { name: /^Breached/ }).click();
    await page.getByRole('heading', { name: 'Breached cases' }).waitFor();
    const rows = page.getByTestId('case-list').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-case')).toBe(String(late));
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'sla-02-breached-view');

    await rows
      .first()
      .getByRole('link', { name: `#${late}` })
      .click();
    await expect.poll(() => page.getByTestId('case-sla').locator('[data-sla-target="firstResponse"]').textContent()).toMatch(/breached 30 min\.? ago/);

    await nav.getByRole('link', { name: /^Cases/ }).click();
    await expect.poll(() => page.locator(`tr[data-case="${waiting}"]`).getByTestId('case-due').textContent()).toBe('paused');
  });

  it('shows the same in Japanese, and the channel its targets', async () => {
    const page = await open({ locale: 'ja-JP' });
    await logIn(page, desk.baseUrl, 'admin@solarmora.com');
    const nav = page.getByRole('navigation', { name: 'メイン' });
    await expect.poll(() => nav.getByTestId('breached-count').textContent()).toContain('1');
    await nav.getByRole('link', { name: /^期限超過/ }).click();
    await page.getByRole('heading', { name: '期限超過のケース' }).waitFor();
    const row = page.locator(`tr[data-case="${late}"]`);
    await expect.poll(() => row.getByTestId('case-due').textContent()).toMatch(/^期限超過 30 分前$/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'sla-03-breached-view-ja');

    await page.goto(`${desk.baseUrl}/cases/${waiting}`);
    const sla = page.getByTestId('case-sla');
    await expect.poll(() => sla.textContent()).toContain('一時停止中');
    expect(await sla.textContent()).toContain('お客様からの返信待ちです');

    await page.goto(`${desk.baseUrl}/admin/channels`);
    await expect.poll(() => page.getByTestId('channel-sla').textContent()).toMatch(/^初回応答 1\s?時間・解決 72\s?時間営業時間（Asia\/Tokyo）$/);
    await screenshot(page, 'sla-04-channel-ja');
  });

  it('starts the paused clock again when the customer answers', async () => {
    await desk.mail({ from: 'ben@customer.example', subject: `Re: New address [#${waiting}]`, body: 'The new address is 1-2-3 Chiyoda.' });
    const page = await open();
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    await page.goto(`${desk.baseUrl}/cases/${waiting}`);
    const firstResponse = page.getByTestId('case-sla').locator('[data-sla-target="firstResponse"] dd');
    await expect.poll(() => firstResponse.textContent(), { timeout: 15_000 }).toMatch(/^due in (59|60) min/);
    expect(await page.getByLabel('Status', { exact: true }).inputValue()).toBe('open');
  });

  it('keeps the business hours and the targets when an admin edits the channel', async () => {
    const page = await open();
    await logIn(page, desk.baseUrl, 'admin@solarmora.com');
    await page.goto(`${desk.baseUrl}/admin/channels`);
    await page.getByRole('button', { name: 'Edit the channel Support' }).click();
    await page.getByLabel('Acknowledge each new case by email').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/^Saved as version/).waitFor();
    const yaml = (await loadCurrentConfig(desk.gw.store.db))?.yaml ?? '';
    expect(yaml).not.toContain('autoAcknowledge: false');
    expect(yaml).toContain('timeZone: Asia/Tokyo');
    expect(yaml).toContain('sla: { firstResponse: 1h, resolution: 3d }');
  });
});
