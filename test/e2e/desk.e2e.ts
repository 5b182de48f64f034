/**
 * The console in Debian's chromium: the first admin through the setup link, an agent's day
 * (a customer's mail appears without a reload, the agent answers, the answer leaves by SMTP
 * with its threading headers) and the same desk in Japanese with an ISO-2022-JP mail.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/relaydesk.js';
import { launchBrowser, logIn, PASSWORD, screenshot, seriousAxeViolations, startDesk, type Browsing, type Desk, type InPage } from './harness.js';

describe('the web console in chromium', () => {
  let desk: Desk;
  let browsing: Browsing;
  const pages: Page[] = [];
  const open = async (opts?: { locale?: string }) => {
    const { page } = await browsing.newPage(opts);
    pages.push(page);
    return page;
  };

  beforeAll(async () => {
    [desk, browsing] = await Promise.all([startDesk(), launchBrowser()]);
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.context().close();
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
  });

  it('creates the first admin through the one-time setup link; the admin sees the admin pages and the channels', async () => {
    const link = desk.gw.node.setupLink;
    expect(link).toMatch(/\/setup#token=/);
    const page = await open();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: desk.baseUrl });
    await page.goto(link!);
    await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByLabel('Admin email').fill('admin@solarmora.com');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin' }).click();
    await expect.poll(() => page.getByTestId('current-user').textContent()).toContain('admin@solarmora.com');
    expect(await page.getByTestId('current-user').textContent()).toContain('Admin');
    // The spent token left the address bar.
    expect(page.url()).not.toContain('token=');

    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of [
      'Cases',
      'Leads',
      'Suspended',
      'Failed',
      'Domains',
      'Organisational units',
      'Users',
      'Groups',
      'Default routing',
      'Quarantine',
      'Email log',
      'Channels',
      'Configuration',
    ]) {
      await expect.poll(() => nav.getByRole('link', { name, exact: true }).count(), { message: name }).toBe(1);
    }
    await nav.getByRole('link', { name: 'Channels' }).click();
    await page.getByTestId('inbound-address').waitFor();
    expect(await page.getByTestId('inbound-address').textContent()).toBe(desk.inboundAddress);
    expect(await page.locator('tr[data-channel="Support"]').textContent()).toContain('Unverified');
    await page.getByRole('button', { name: 'Copy the inbound address of Support' }).click();
    await page.getByText(`Copied ${desk.inboundAddress}`).waitFor();
    expect(await page.evaluate(() => (globalThis as InPage).navigator.clipboard.readText())).toBe(desk.inboundAddress);
    await screenshot(page, '01-admin-channels');

    await nav.getByRole('link', { name: 'Default routing' }).click();
    await page.locator('tr[data-rule="Forward help to the desk"]').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Relaydesk' }).waitFor();
    // The setup link works once.
    await page.goto(link!);
    await page.getByText('Setup is done already.', { exact: false }).waitFor();
  });

  it("shows an agent a customer's new mail without a reload; the agent's reply reaches the customer with threading headers", async () => {
    await desk.addUser('agent@solarmora.com', 'agent');
    const page = await open();
    await page.goto(`${desk.baseUrl}/`);
    await page.getByRole('heading', { name: 'Sign in to Relaydesk' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '02-login');
    await page.getByLabel('Password').fill('not the password');
    await page.getByLabel('Email').fill('agent@solarmora.com');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    expect(await page.getByTestId('current-user').textContent()).toContain('Agent');

    // Agents see the desk only.
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Cases', 'Breached', 'Leads', 'Suspended', 'Failed']);
    await page.getByText('No cases match this view.').waitFor();

    // Anything that reloads the page would drop this mark.
    await page.evaluate(() => {
      (globalThis as InPage).__sameDocument = true;
    });
    // The console listens to the server's desk events with its session cookie; this second
    // listener records what the stream says when the mail arrives.
    await page.evaluate(() => {
      const w = globalThis as InPage;
      w.__deskEvents = 0;
      new w.EventSource('/api/events').addEventListener('desk', () => {
        w.__deskEvents = (w.__deskEvents ?? 0) + 1;
      });
    });
    await desk.mail({
      from: 'carol@customer.example',
      subject: 'Printer on fire',
      body: 'It is smoking.\nPlease help.',
      headers: { From: 'Carol Customer <carol@customer.example>', 'Message-Id': '<e2e-first@customer.example>' },
    });
    const row = page.getByRole('link', { name: 'Printer on fire' });
    await row.waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => (globalThis as InPage).__sameDocument)).toBe(true);
    await expect
      .poll(() => page.evaluate(() => (globalThis as InPage).__deskEvents), { message: 'a desk event for the new mail', timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.getByText('1 new case(s) arrived.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '03-case-list');

    await row.click();
    await page.getByRole('heading', { level: 1, name: /Printer on fire/ }).waitFor();
    const caseNumber = Number(/\/cases\/(\d+)$/.exec(page.url())?.[1]);
    expect(caseNumber).toBeGreaterThan(1000);
    expect(await page.getByTestId('requester').textContent()).toBe('Carol Customer <carol@customer.example>');
    const incoming = page.locator('[data-direction="in"]');
    expect(await incoming.textContent()).toContain('It is smoking.');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Assign to me' }).click();
    await expect.poll(() => page.getByLabel('Assign to (email)').inputValue()).toBe('agent@solarmora.com');

    // Keyboard only: the answer box, the status after it and the send button.
    await page.getByLabel('Reply to carol@customer.example').focus();
    await page.keyboard.type('We are on our way.');
    await page.keyboard.press('Tab');
    await page.getByLabel('Status after reply').selectOption('pending');
    await page.getByLabel('Status after reply').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as InPage).document.activeElement?.textContent)).toBe('Send reply');
    await page.keyboard.press('Enter');
    await page.locator('[data-direction="out"]').waitFor();
    await expect.poll(() => page.getByLabel('Status', { exact: true }).inputValue()).toBe('pending');

    const sent = await desk.sink.waitFor((m) => m.rcptTo.includes('carol@customer.example') && m.raw.includes('We are on our way.'), 15_000);
    const text = sent.raw.toString().replace(/\r\n[ \t]+/g, ' ');
    expect(text).toMatch(/^In-Reply-To: <e2e-first@customer\.example>/m);
    expect(text).toMatch(/^References: .*<e2e-first@customer\.example>/m);
    expect(text).toMatch(new RegExp(`^Subject: .*\\[#${caseNumber}\\]`, 'm'));
    expect(sent.mailFrom).toBe('help@solarmora.com');

    await page.getByRole('radio', { name: 'Internal note' }).check();
    await page.getByLabel('Internal note (never mailed)').fill('Customer called, sending a technician.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('[data-direction="note"]').waitFor();
    expect(await page.locator('[data-direction="note"]').textContent()).toContain('sending a technician');
    await screenshot(page, '04-case-view');
    await new Promise((r) => setTimeout(r, 300));
    expect(desk.sink.messages.some((m) => m.raw.includes('sending a technician'))).toBe(false);

    // Views: mine, unassigned, status.
    await page.getByRole('link', { name: 'Back to cases' }).click();
    await page.getByLabel('Assignee').selectOption('none');
    await page.getByText('No cases match this view.').waitFor();
    await page.getByLabel('Assignee').selectOption('me');
    await page.getByRole('link', { name: 'Printer on fire' }).waitFor();
    await page.getByRole('group', { name: 'Status' }).getByRole('button', { name: 'Solved' }).click();
    await page.getByText('No cases match this view.').waitFor();
    await page.getByRole('group', { name: 'Status' }).getByRole('button', { name: 'Pending' }).click();
    await page.getByRole('link', { name: 'Printer on fire' }).waitFor();
    await page.getByLabel('Search subject, body or requester').fill('smoking');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('link', { name: 'Printer on fire' }).waitFor();
  });

  it('shows the console and an ISO-2022-JP mail in Japanese, without tofu', async () => {
    await desk.mailRaw('customer@example.com', await readFile('test/fixtures/eml/iso-2022-jp-subject-and-body.eml'));
    const page = await open();
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    await page.getByLabel('Language').selectOption('ja');
    const nav = page.getByRole('navigation', { name: 'メイン' });
    await nav.getByRole('link', { name: 'ケース' }).waitFor();
    expect(await page.evaluate(() => (globalThis as InPage).document.documentElement.lang)).toBe('ja');
    // The choice outlives a reload.
    await page.reload();
    await nav.getByRole('link', { name: 'ケース' }).waitFor();
    const subject = page.getByRole('link', { name: 'お問い合わせ：請求書について' });
    await subject.waitFor({ timeout: 20_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '05-ja-case-list');
    await subject.click();
    await page.getByText('お世話になっております。').waitFor();
    expect(await page.locator('[data-direction="in"]').textContent()).toContain('請求書の件でお問い合わせいたします。');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '06-ja-case-view');

    // A browser set to Japanese starts in Japanese.
    const ja = await open({ locale: 'ja-JP' });
    await ja.goto(`${desk.baseUrl}/`);
    await ja.getByRole('heading', { name: 'Relaydesk にログイン' }).waitFor();
    expect(await seriousAxeViolations(ja)).toEqual([]);
    await screenshot(ja, '07-ja-login');
  });

  it('pages through the case list with "Load more"', async () => {
    // One page is 50 cases; distinct senders stay under the per-sender flood limit.
    const senders = Array.from({ length: 52 }, (_, i) => i);
    for (let i = 0; i < senders.length; i += 8) {
      await Promise.all(senders.slice(i, i + 8).map((n) => desk.mail({ from: `many${n}@customer.example`, subject: `Many ${n}`, body: 'x' })));
    }
    const total = await eventually(
      async () => {
        const n = await fetchCaseCount(desk);
        return n >= 54 && n;
      },
      30_000,
      '54 cases',
    );
    const page = await open();
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    const rows = page.getByTestId('case-list').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBe(total);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    // The oldest case, from the agent's test, is on the second page.
    await page.getByRole('link', { name: 'Printer on fire' }).waitFor();
  });
});

async function fetchCaseCount(desk: Desk): Promise<number> {
  const { listCases } = await import('../../src/store/index.js');
  return (await listCases(desk.gw.store.db, { limit: 500 })).length;
}
