/**
 * Mail the desk set aside, in the agents' desk: an auto-reply with no case to attach to is
 * listed as suspended; recovering it from the page turns it into a case. The email log says
 * why mail was set aside, and a case shows a message that reused another's Message-ID.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCases, listSuspended } from '../../src/store/index.js';
import { eventually } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startDesk, type Browsing, type Desk } from './harness.js';

describe('suspended and failed mail in the desk', () => {
  let desk: Desk;
  let browsing: Browsing;
  let page: Page;

  beforeAll(async () => {
    [desk, browsing] = await Promise.all([startDesk(), launchBrowser()]);
    await desk.addUser('agent@solarmora.com', 'agent');
    await desk.addUser('admin@solarmora.com', 'admin');
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
  });

  it('lists a suspended auto-reply and recovers it into a case', async () => {
    await desk.mail({
      from: 'away@customer.example',
      subject: 'Out of office until Monday',
      body: 'I am away.',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    await eventually(async () => (await listSuspended(desk.gw.store.db)).find((s) => s.from === 'away@customer.example'), 10_000, 'suspended');
    ({ page } = await browsing.newPage());
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    await page.getByRole('link', { name: 'Suspended' }).click();
    const row = page.getByRole('row', { name: /away@customer\.example/ });
    await row.waitFor({ timeout: 10_000 });
    await expect(row.textContent()).resolves.toContain('automatic reply');
    await screenshot(page, '10-suspended');
    await row.getByRole('button', { name: /Recover/ }).click();
    await page.getByRole('status').filter({ hasText: /case/i }).waitFor({ timeout: 10_000 });
    const cases = await listCases(desk.gw.store.db, { limit: 50 });
    expect(cases.some((c) => c.requester.address === 'away@customer.example')).toBe(true);
    await page.getByRole('link', { name: 'Failed' }).click();
    await page
      .getByText(/nothing|no /i)
      .first()
      .waitFor({ timeout: 10_000 });
  });

  it('shows an admin the quarantine, and releasing a held message opens its case', async () => {
    await desk.mail({
      from: 'spam@customer.example',
      subject: 'Held for review',
      body: 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X',
    });
    const admin = (await browsing.newPage()).page;
    await logIn(admin, desk.baseUrl, 'admin@solarmora.com');
    await admin.getByRole('link', { name: 'Quarantine' }).click();
    const row = admin.getByRole('row', { name: /Held for review/ });
    await row.waitFor({ timeout: 10_000 });
    await expect(row.textContent()).resolves.toContain('gtube');
    await row.getByRole('button', { name: /Show the headers and verdicts/ }).click();
    const details = admin.getByRole('region', { name: /^Headers and verdicts of / });
    await details.waitFor();
    expect(await details.textContent()).toContain('Subject: Held for review');
    await screenshot(admin, '11-quarantine');
    await row.getByRole('button', { name: /Release/ }).click();
    await admin
      .getByRole('status')
      .filter({ hasText: /Released/ })
      .waitFor({ timeout: 10_000 });
    await eventually(
      async () => (await listCases(desk.gw.store.db, { limit: 50 })).some((c) => c.subject === 'Held for review'),
      10_000,
      'a case for the released mail',
    );
  });

  it('lets an admin find a message in the email log and read its trace', async () => {
    await desk.mail({ from: 'traced@customer.example', subject: 'Trace this one', body: 'Hello.' });
    await eventually(async () => (await listCases(desk.gw.store.db, { limit: 50 })).some((c) => c.subject === 'Trace this one'), 10_000, 'the case');
    const admin = (await browsing.newPage()).page;
    await logIn(admin, desk.baseUrl, 'admin@solarmora.com');
    await admin.getByRole('link', { name: 'Email log' }).click();
    await admin.getByLabel('Sender contains').fill('traced@');
    await admin.getByRole('button', { name: 'Search' }).click();
    const row = admin.getByRole('row', { name: /Trace this one/ });
    await row.waitFor({ timeout: 10_000 });
    await row.getByRole('button', { name: /trace/i }).click();
    const timeline = admin.getByRole('region', { name: /Trace of/ });
    await timeline.getByText('queue.delivered').waitFor({ timeout: 10_000 });
    await expect(timeline.textContent()).resolves.toContain('routing.rule_applied');
    // The trace leads on to the case the message opened.
    await timeline.getByRole('link', { name: /^Case #\d+ is open in the Support channel$/ }).waitFor();
    await screenshot(admin, '12-email-log-trace');

    // A time range that ends before the message was received finds nothing.
    await admin.getByLabel('Received until').fill('2020-01-01T00:00');
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.getByText('No message matches.').waitFor();
    await admin.getByLabel('Received until').fill('');
    await admin.getByLabel('Received from').fill('2020-01-01T00:00');
    await admin.getByRole('button', { name: 'Search' }).click();
    await admin.getByRole('row', { name: /Trace this one/ }).waitFor();
  });

  it('shows in the email log why the desk set a mail aside', async () => {
    // The auto-reply of the first test, recovered since.
    const admin = (await browsing.newPage()).page;
    await logIn(admin, desk.baseUrl, 'admin@solarmora.com');
    await admin.getByRole('link', { name: 'Email log' }).click();
    await admin.getByLabel('Outcome').selectOption({ label: 'set aside by the desk' });
    await admin.getByRole('button', { name: 'Search' }).click();
    const row = admin.getByRole('row', { name: /away@customer\.example/ });
    await row.waitFor({ timeout: 10_000 });
    await expect(row.textContent()).resolves.toMatch(/Set aside by the desk \(automatic reply\): .+ \(recovered since\)/);
    await row.getByRole('button', { name: /trace/i }).click();
    await admin
      .getByRole('region', { name: /Trace of/ })
      .getByText(/^Set aside by the desk \(automatic reply\)/)
      .waitFor({ timeout: 10_000 });
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await screenshot(admin, '13-email-log-set-aside');
    await admin.getByLabel('Language').selectOption('ja');
    await admin
      .getByRole('row', { name: /away@customer\.example/ })
      .getByText(/デスクが保留にしました（自動返信）: .+（その後復元済み）$/)
      .waitFor({ timeout: 10_000 });
  });

  it('shows on its case a message that came with a Message-ID another message used', async () => {
    const headers = { 'Message-Id': '<same-id@tickets.customer.example>' };
    await desk.mail({
      from: 'tickets@customer.example',
      subject: 'Ticket 1 opened',
      body: 'First ticket.',
      headers: { ...headers, Date: 'Tue, 14 Jan 2025 10:00:00 +0000' },
    });
    await desk.mail({
      from: 'tickets@customer.example',
      subject: 'Ticket 2 opened',
      body: 'Second ticket.',
      headers: { ...headers, Date: 'Tue, 14 Jan 2025 10:05:00 +0000' },
    });
    const c = await eventually(
      async () => (await listCases(desk.gw.store.db, { limit: 50 })).find((x) => x.subject === 'Ticket 2 opened'),
      10_000,
      'the second case',
    );
    ({ page } = await browsing.newPage());
    await logIn(page, desk.baseUrl, 'agent@solarmora.com');
    await page.goto(`${desk.baseUrl}/cases/${c.number}`);
    const note = page.getByRole('note').filter({ hasText: 'An earlier, different message came with the same Message-ID (<same-id@tickets.customer.example>)' });
    await note.waitFor({ timeout: 10_000 });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '14-case-reused-message-id');
  });
});
