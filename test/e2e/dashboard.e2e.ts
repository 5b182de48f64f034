/**
 * The traffic dashboard in chromium: mail relayed and held as spam over SMTP, the minutes
 * rolled up in the store, then the admin's first page after sign-in shows those figures in
 * its totals, its charts (drawn on a canvas) and their tables, in English and Japanese, with
 * no axe violation and nothing the page's CSP refused. An agent keeps the cases as first page
 * and has no dashboard.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countByStatus, loadTrafficMinutes, MINUTE_MS, rollMinutes, sampleQueue } from '../../src/store/index.js';
import type { Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { eventually, type TestNode } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, startConsoleNode, worldHost, type AxeViolation, type Browsing, type ConsoleNode, type InPage } from './harness.js';

const ADMIN = 'admin@solarmora.com';
const AGENT = 'agent@solarmora.com';
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const RELAYED = 3;

const config = (sinkPort: number) => `domains: [solarmora.com]
${worldHost(sinkPort)}defaultRouting:
  - description: relay to a customer
    match: { single: relay@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: far@customer.example } }
`;

const floorMinute = (t: number) => Math.floor(t / MINUTE_MS) * MINUTE_MS;
const require = createRequire(import.meta.url);

/** Every axe violation, whatever its impact. */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    const w = globalThis as InPage;
    const r = await w.axe.run(w.document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

describe('the traffic dashboard in chromium', () => {
  let node: ConsoleNode;
  let gw: TestNode;
  let sink: Sink;
  let browsing: Browsing;
  let baseUrl: string;
  const refused: string[] = [];

  const open = async (locale = 'en-US') => {
    const { context, page } = await browsing.newPage({ locale });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    return { context, page };
  };
  /** The figure a total shows, as a number. */
  const total = async (page: Page, key: string) =>
    Number((await page.getByTestId('totals').locator(`[data-total="${key}"] dd`).textContent())?.replace(/[^\d]/g, ''));
  /** The chart drew: uPlot's canvas is there with a size. */
  const drawn = async (page: Page, id: string) => {
    const canvas = page.getByTestId(`${id}-chart`).locator('canvas');
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(100);
  };

  beforeAll(async () => {
    [node, browsing] = await Promise.all([startConsoleNode(config), launchBrowser()]);
    ({ gw, sink, baseUrl } = node);
    const from = floorMinute(Date.now());
    const send = (subject: string, body: string) =>
      swaks([
        '--server',
        `127.0.0.1:${gw.smtpPort}`,
        '--from',
        'ann@customer.example',
        '--to',
        'relay@solarmora.com',
        '--header',
        `Subject: ${subject}`,
        '--body',
        body,
      ]);
    for (let i = 1; i <= RELAYED; i++) expect((await send(`Relay ${i}`, 'Hello.')).lastReply).toMatch(/^250 /);
    expect((await send('Spam', GTUBE)).lastReply).toMatch(/^250 /);
    await sink.waitForCount(RELAYED, 30_000);
    await eventually(async () => (await countByStatus(gw.store.db)).held === 1, 10_000, 'the spam held');
    // What the rollup job does each minute, done now (the minute under way included).
    const now = Date.now();
    await rollMinutes(gw.store.db, { from, to: floorMinute(now) + MINUTE_MS, now });
    await sampleQueue(gw.store.db, { minute: floorMinute(now), now });
    expect((await loadTrafficMinutes(gw.store.db, { from, to: now + MINUTE_MS })).reduce((n, m) => n + m.accepted, 0)).toBe(RELAYED + 1);
  }, 120_000);
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
    expect(refused, 'requests the page CSP refused').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
  });

  it("is the admin's first page, with the figures of the mail sent in its totals, charts and tables", async () => {
    const { context, page } = await open();
    try {
      await logIn(page, baseUrl, ADMIN);
      await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/admin/dashboard');
      await page.getByTestId('totals').waitFor();
      expect(await total(page, 'accepted')).toBe(RELAYED + 1);
      expect(await total(page, 'delivered')).toBe(RELAYED);
      expect(await total(page, 'spamHeld')).toBe(1);
      expect(await total(page, 'bounced')).toBe(0);
      for (const id of ['mail', 'queue', 'cases']) await drawn(page, id);
      // The chart's own legend names its series; its sentence carries the figures.
      await page.getByTestId('mail-chart').getByText('Held as spam').waitFor();
      expect(await page.getByTestId('mail-chart').getAttribute('aria-label')).toContain(`${RELAYED + 1} accepted, ${RELAYED} delivered`);
      expect(await page.getByTestId('mail-summary').textContent()).toContain('1 held as spam');
      expect(await page.getByTestId('queue-summary').textContent()).toMatch(/At the last sample: \d+ deliveries waiting/);
      await page.getByRole('heading', { level: 2, name: 'Mail, per minute' }).waitFor();

      // The table alternative holds the same figures as the chart.
      const mail = page.getByRole('region', { name: 'Mail, per minute' });
      await mail.getByText('Show the figures as a table').click();
      const table = mail.getByRole('table', { name: 'Mail, per minute' });
      await table.waitFor();
      const accepted = await table
        .locator('tbody tr')
        .evaluateAll((rows) => rows.reduce((n, r) => n + (Number((r as unknown as { cells: { textContent: string }[] }).cells[1]!.textContent) || 0), 0));
      expect(accepted).toBe(RELAYED + 1);

      // The next hop of the relayed mail, with its last success.
      const hop = page
        .getByTestId('hops')
        .locator('tr[data-hop]')
        .filter({ hasText: /world|customer\.example/ });
      expect(await hop.count()).toBe(1);
      expect(await hop.locator('td').first().locator('time').count()).toBe(1);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'dashboard-01-hour');

      await page.getByLabel('Last week').check();
      await page.getByRole('heading', { level: 2, name: 'Mail, per hour' }).waitFor();
      expect(await total(page, 'accepted')).toBe(RELAYED + 1);
      await drawn(page, 'mail');
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'dashboard-02-week');
    } finally {
      await context.close();
    }
  });

  it('shows the dashboard in Japanese', async () => {
    const { context, page } = await open('ja-JP');
    try {
      await logIn(page, baseUrl, ADMIN);
      await page.getByRole('heading', { level: 1, name: 'ダッシュボード' }).waitFor();
      expect(await page.evaluate(() => (globalThis as InPage).document.documentElement.lang)).toBe('ja');
      await page.getByTestId('totals').waitFor();
      expect(await total(page, 'accepted')).toBe(RELAYED + 1);
      await page.getByTestId('totals').getByText('スパムとして保留').waitFor();
      await drawn(page, 'mail');
      expect(await page.getByTestId('mail-summary').textContent()).toContain(`受信 ${RELAYED + 1} 件、配信済み ${RELAYED} 件`);
      await page.getByRole('heading', { level: 2, name: 'ネクストホップ' }).waitFor();
      await page.getByLabel('直近 1 日').check();
      await page.getByRole('heading', { level: 2, name: 'メール（15 分ごと）' }).waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, 'dashboard-03-ja');
    } finally {
      await context.close();
    }
  });

  it("keeps the cases as an agent's first page, without the dashboard", async () => {
    const { context, page } = await open();
    try {
      await logIn(page, baseUrl, AGENT);
      await page.getByRole('heading', { level: 1, name: 'Cases' }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/cases');
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
      await page.goto(`${baseUrl}/admin/dashboard`);
      await page.getByText('There is no such page.').waitFor();
    } finally {
      await context.close();
    }
  });
});
