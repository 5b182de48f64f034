/**
 * The leads board in Debian's chromium: a customer's mail to sales@ goes through the gateway's
 * routing rule to the Sales channel, the lead appears in the New column without a reload, and
 * an agent qualifies it and converts it into a contact, an account and an opportunity. Also:
 * a move the server refuses (409) is shown as such, the board reads in Japanese, and a hostile
 * HTML sales mail shows in a sandboxed frame with its attachment as a download.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listLeads, setLeadStatus } from '../../src/store/index.js';
import { eventually, type TestNode } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startDesk, type Browsing, type Desk, type InPage } from './harness.js';

const AGENT = 'agent@solarmora.com';

const SALES = { name: 'Sales', kind: 'sales', publicAddress: 'sales@solarmora.com' } as const;

/** A header value as an RFC 2047 encoded word, so that Japanese survives any SMTP client. */
const encoded = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const PRICE_LIST = 'Item,Price\nLicence,300\n';

/** HTML mail to sales@ whose script would set `__pwned` if it ran, with a remote image and a CSV. */
const htmlSalesMail = (imagePort: number) => {
  const set = "window.__pwned='script';parent.__pwned='script';top.__pwned='script'";
  return [
    'From: Fay Prospect <fay@customer.example>',
    'To: sales@solarmora.com',
    'Subject: Our price list',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="part"',
    '',
    '--part',
    'Content-Type: text/html; charset=UTF-8',
    '',
    `<p>Our price list is attached.</p><script>${set}</script><img src="x" onerror="${set}">`,
    `<img src="http://127.0.0.1:${imagePort}/logo.png?tracker=1" alt="logo" width="20" height="20">`,
    '--part',
    'Content-Type: text/csv; name="price list.csv"',
    'Content-Disposition: attachment; filename="price list.csv"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(PRICE_LIST).toString('base64'),
    '--part--',
    '',
  ].join('\r\n');
};

describe('the leads board in chromium', () => {
  let desk: Desk;
  let gw: TestNode;
  let baseUrl: string;
  let browsing: Browsing;
  const pages: Page[] = [];
  const open = async (opts?: { locale?: string }) => {
    const { page } = await browsing.newPage(opts);
    pages.push(page);
    return page;
  };

  /** A customer's mail to sales@, over SMTP through the gateway's routing rule. */
  const mailSales = async (from: string, { Subject: subject = '', ...headers }: Record<string, string>, body: string) => {
    await desk.mail({ from, subject, body, headers });
  };
  const leadOf = (email: string) =>
    eventually(async () => (await listLeads(gw.store.db, { limit: 500 })).find((l) => l.email === email), 20_000, `the lead of ${email}`);

  /** Stands in for a sender's image host; every request it sees is a remote load. */
  let imageServer: http.Server;
  const imageRequests: string[] = [];

  beforeAll(async () => {
    imageServer = http.createServer((req, res) => {
      imageRequests.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'image/gif', 'Cache-Control': 'no-store' }).end(GIF);
    });
    await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
    desk = await startDesk(SALES);
    ({ gw, baseUrl } = desk);
    await desk.addUser(AGENT, 'agent');
    browsing = await launchBrowser({ publicAddresses: [`127.0.0.1:${(imageServer.address() as AddressInfo).port}`] });
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.context().close();
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
    await new Promise((resolve) => imageServer?.close(resolve));
  });

  it('shows a new sales mail in the New column without a reload; the agent qualifies it and converts it', async () => {
    const page = await open();
    await logIn(page, baseUrl, AGENT);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads' }).click();
    await page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
    const board = page.getByRole('group', { name: 'Leads by status' });
    await board.waitFor();
    // One column per status, in the order of the lead's life.
    expect(await board.getByRole('heading', { level: 2 }).allTextContents()).toEqual([
      'New 0 lead(s)',
      'Working 0 lead(s)',
      'Qualified 0 lead(s)',
      'Converted 0 lead(s)',
      'Disqualified 0 lead(s)',
    ]);

    await page.evaluate(() => {
      (globalThis as InPage).__sameDocument = true;
    });
    await mailSales(
      'dana@customer.example',
      { From: '"Dana Buyer (Kumo Trading Ltd)" <dana@customer.example>', Subject: 'Quote for 40 licences' },
      'We would like a quote for 40 licences.\nBest, Dana',
    );
    const newColumn = page.getByRole('region', { name: /^New/ });
    const card = newColumn.getByRole('link', { name: 'Dana Buyer' });
    await card.waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (globalThis as InPage).__sameDocument)).toBe(true);
    await page.getByText('1 new lead(s) arrived.').waitFor();
    expect(await newColumn.getByRole('heading').textContent()).toBe('New 1 lead(s)');
    const cardText = await newColumn.locator('.lead-card').textContent();
    expect(cardText).toContain('Kumo Trading Ltd');
    expect(cardText).toContain('Quote for 40 licences');
    expect(cardText).toContain('Received');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '13-leads-board');

    // Keyboard: the card's link opens the lead.
    await card.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Lead: Dana Buyer' }).waitFor();
    const lead = await leadOf('dana@customer.example');
    expect(page.url()).toBe(`${baseUrl}/leads/${lead.id}`);
    expect(await page.getByTestId('lead-status').textContent()).toBe('New');
    expect(await page.locator('[data-direction="in"]').textContent()).toContain('We would like a quote for 40 licences.');
    const actions = page.getByRole('region', { name: 'Actions' });
    expect(await actions.getByRole('button').allTextContents()).toEqual(['Start working', 'Qualify', 'Disqualify']);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await actions.getByRole('button', { name: 'Qualify', exact: true }).click();
    await page.getByTestId('lead-notice').filter({ hasText: 'The lead is now Qualified.' }).waitFor();
    expect(await page.getByTestId('lead-status').textContent()).toBe('Qualified');
    expect(await actions.getByRole('button').allTextContents()).toEqual(['Disqualify']);

    const convert = page.getByRole('region', { name: 'Convert' });
    await convert.getByLabel('Amount (optional)').fill('twelve');
    await convert.getByRole('button', { name: 'Convert lead' }).click();
    await page.getByRole('alert').filter({ hasText: 'The amount must be a number of at least 0' }).waitFor();
    await convert.getByLabel('Amount (optional)').fill('12000');
    await convert.getByLabel('Stage').selectOption('proposal');
    await convert.getByRole('button', { name: 'Convert lead' }).click();

    const conversion = page.getByTestId('lead-conversion');
    await conversion.waitFor();
    expect(await page.getByTestId('lead-status').textContent()).toBe('Converted');
    const converted = await leadOf('dana@customer.example');
    expect(converted.status).toBe('converted');
    expect(await page.getByTestId('conversion-contact').textContent()).toBe(`#${converted.contactId} Dana Buyer <dana@customer.example>`);
    expect(await page.getByTestId('conversion-account').textContent()).toContain(`#${converted.accountId} Kumo Trading Ltd`);
    expect(await page.getByTestId('conversion-opportunity').textContent()).toBe(`#${converted.opportunityId} Kumo Trading Ltd — Quote for 40 licences`);
    expect(await page.getByTestId('conversion-amount').textContent()).toBe('12,000');
    expect(await conversion.textContent()).toContain('Proposal');
    expect(await page.getByText('A lead that is Converted has no further moves.').count()).toBe(1);
    expect(await page.getByRole('region', { name: 'Convert' }).count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '14-lead-converted');

    await page.getByRole('link', { name: 'Back to leads' }).click();
    await page
      .getByRole('region', { name: /^Converted/ })
      .getByRole('link', { name: 'Dana Buyer' })
      .waitFor();
    expect(await page.getByRole('region', { name: /^New/ }).getByText('None').count()).toBe(1);
  });

  it('says so when the server refuses a move (409), and shows the lead as it is now', async () => {
    await mailSales('erin@customer.example', { From: 'Erin Example <erin@customer.example>', Subject: 'Pricing question' }, 'How much is it?');
    const lead = await leadOf('erin@customer.example');
    const page = await open();
    await logIn(page, baseUrl, AGENT);
    await page.goto(`${baseUrl}/leads/${lead.id}`);
    await page.getByRole('heading', { level: 1, name: 'Lead: Erin Example' }).waitFor();

    // Hold the page's polls, so that it still offers Qualify after someone else disqualified the lead.
    const held: Route[] = [];
    let holding = true;
    await page.route(`${baseUrl}/api/leads/${lead.id}`, (route) => (holding ? void held.push(route) : route.continue()));
    await setLeadStatus(gw.store.db, { leadId: lead.id, status: 'disqualified', now: Date.now() });
    await page.getByRole('region', { name: 'Actions' }).getByRole('button', { name: 'Qualify', exact: true }).click();
    const notice = page.getByTestId('lead-notice');
    await notice.filter({ hasText: 'This move is not allowed now' }).waitFor();
    expect(await notice.textContent()).toContain('a disqualified lead cannot be qualified');
    expect(await notice.getAttribute('class')).toBe('error');

    holding = false;
    for (const route of held.splice(0)) await route.continue();
    await expect.poll(() => page.getByTestId('lead-status').textContent()).toBe('Disqualified');
    await page.getByText('A lead that is Disqualified has no further moves.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('shows the board and a lead in Japanese, without tofu', async () => {
    await mailSales(
      'taro@example.com',
      { From: `${encoded('株式会社ソラモラ 山田 太郎')} <taro@example.com>`, Subject: encoded('見積もりのお願い') },
      'Mitsumori onegai shimasu.',
    );
    const lead = await leadOf('taro@example.com');
    const page = await open({ locale: 'ja-JP' });
    await logIn(page, baseUrl, AGENT);
    await page.getByRole('navigation', { name: 'メイン' }).getByRole('link', { name: 'リード' }).click();
    const newColumn = page.getByRole('region', { name: /^新規/ });
    await newColumn.getByRole('link', { name: lead.name }).waitFor({ timeout: 20_000 });
    expect(await newColumn.locator('.lead-card').first().textContent()).toContain('見積もりのお願い');
    expect(await page.getByRole('group', { name: 'ステータス別のリード' }).getByRole('heading', { level: 2 }).allTextContents()).toEqual([
      '新規 1 件',
      '対応中 0 件',
      '見込みあり 0 件',
      '商談化済み 1 件',
      '対象外 1 件',
    ]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '15-ja-leads-board');

    await newColumn.getByRole('link', { name: lead.name }).click();
    await page.getByRole('heading', { level: 1, name: `リード: ${lead.name}` }).waitFor();
    await page.getByRole('region', { name: '商談化' }).getByRole('button', { name: 'リードを商談化' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '16-ja-lead-view');
  });

  it('shows an HTML sales mail in a sandboxed frame: no script runs, no remote image until allowed, the attachment downloads', async () => {
    await desk.mailRaw('fay@customer.example', htmlSalesMail((imageServer.address() as AddressInfo).port));
    const lead = await leadOf('fay@customer.example');
    const page = await open();
    const pwned = (f: Frame) => f.evaluate(() => (globalThis as InPage).__pwned ?? null);
    await logIn(page, baseUrl, AGENT);
    await page.goto(`${baseUrl}/leads/${lead.id}`);
    await page.getByRole('heading', { level: 1, name: 'Lead: Fay Prospect' }).waitFor();

    const frameElement = page.locator('iframe[title^="Mail content"]');
    await frameElement.waitFor();
    expect(await frameElement.getAttribute('sandbox')).toBe('');
    expect(await frameElement.getAttribute('src')).toMatch(new RegExp(`^/api/leads/${lead.id}/messages/\\d+/frame$`));
    const mailFrame = () => eventually(async () => (await frameElement.elementHandle())?.contentFrame() ?? null, 10_000, 'the mail frame');
    const frame = await mailFrame();
    await frame.getByText('Our price list is attached.').waitFor();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await pwned(page.mainFrame())).toBeNull();
    expect(await pwned(frame)).toBeNull();
    expect(imageRequests, 'requests to the remote image server before "Allow remote images"').toEqual([]);
    expect(await page.getByText('This mail also has an HTML version').count()).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'leads-html-mail');

    await page.getByRole('button', { name: 'Allow remote images' }).click();
    await page.getByText('Remote images are shown.').waitFor();
    await eventually(async () => imageRequests.some((u) => u.startsWith('/logo.png')), 10_000, 'the remote image to be fetched');
    await (await mailFrame()).getByText('Our price list is attached.').waitFor();
    expect(await pwned(page.mainFrame())).toBeNull();
    expect(await pwned(await mailFrame())).toBeNull();

    const link = page.locator('.attachments').getByRole('link', { name: 'price list.csv' });
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^/api/leads/${lead.id}/messages/\\d+/attachments/\\d+$`));
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('price list.csv');
    expect(await readFile(await download.path(), 'utf8')).toBe(PRICE_LIST);
    expect(page.url()).toBe(`${baseUrl}/leads/${lead.id}`);
  });
});
