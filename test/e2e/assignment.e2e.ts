/**
 * Automatic assignment in chromium, in English and in Japanese: an admin turns on
 * round-robin for the Support channel in its form; two agents get consecutive cases in
 * turn; an agent who sets themselves unavailable in the top bar is passed over; disabling
 * an agent on Console accounts hands their open cases to the other, each case saying why.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../web/ui/src/i18n/en.js';
import { ja } from '../../web/ui/src/i18n/ja.js';
import { listCases } from '../../src/store/index.js';
import { eventually } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startDesk, type Browsing, type Desk } from './harness.js';

const ADMIN = 'admin@solarmora.com';
const AMY = 'amy@solarmora.com';
const BEN = 'ben@solarmora.com';

type Key = keyof typeof en;

describe.each([
  ['en', 'en-US', en as Record<Key, string>],
  ['ja', 'ja-JP', ja as Record<Key, string>],
] as const)('automatic assignment in chromium (%s)', (lang, locale, dict) => {
  const t = (key: Key, values: Record<string, string | number> = {}) => dict[key].replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? `{${k}}`));
  let desk: Desk;
  let browsing: Browsing;
  const pages: Page[] = [];
  const open = async (email: string) => {
    const { page } = await browsing.newPage({ locale });
    pages.push(page);
    await logIn(page, desk.baseUrl, email);
    return page;
  };
  /** The assignee of the case the customer's mail with this subject opened, once it is open. */
  const assigneeOf = (subject: string) =>
    eventually(async () => {
      const c = (await listCases(desk.gw.store.db, { limit: 50 })).find((x) => x.subject === subject);
      return c ? { number: c.number, assignee: c.assignee } : undefined;
    });
  const caseFacts = async (page: Page, number: number) => {
    await page.goto(`${desk.baseUrl}/cases/${number}`);
    await page.getByTestId('assignment-reason').waitFor();
    return {
      assignee: await page.locator('#case-assignee').inputValue(),
      reason: await page.getByTestId('assignment-reason').textContent(),
      history: await page.getByTestId('case-history').locator('li').allTextContents(),
    };
  };

  beforeAll(async () => {
    [desk, browsing] = await Promise.all([startDesk(), launchBrowser()]);
    await desk.addUser(ADMIN, 'admin');
    await desk.addUser(AMY, 'agent');
    await desk.addUser(BEN, 'agent');
  });
  afterAll(async () => {
    for (const p of pages.splice(0)) await p.context().close();
    await browsing?.close();
    await desk?.stop();
  });

  it('gives consecutive cases to each agent in turn, skips an unavailable one, and hands over the cases of a disabled one', async () => {
    const admin = await open(ADMIN);
    // Round-robin on for Support, in the channel's form; the Channels page shows it.
    await admin.goto(`${desk.baseUrl}/admin/channels`);
    await admin.getByRole('button', { name: t('channels.editLabel', { name: 'Support' }) }).click();
    await admin.getByLabel(t('channels.field.autoAssign')).check();
    await admin.getByRole('button', { name: t('configEdit.save'), exact: true }).click();
    await admin.locator('tr[data-assignment-channel="Support"]').getByText(t('assignment.autoAssign.on')).waitFor();
    expect(await admin.locator('tr[data-assignment-channel="Support"]').textContent()).toContain(t('assignment.everyAgent'));
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await screenshot(admin, `assignment-01-channels-${lang}`);

    // Two cases: one each, in turn (agents by email: amy, then ben).
    await desk.mail({ from: 'kim@customer.example', subject: `${lang} first`, body: 'The printer is on fire.' });
    const first = await assigneeOf(`${lang} first`);
    await desk.mail({ from: 'lee@customer.example', subject: `${lang} second`, body: 'The printer is still on fire.' });
    const second = await assigneeOf(`${lang} second`);
    expect([first.assignee, second.assignee]).toEqual([AMY, BEN]);
    const seen = await caseFacts(admin, first.number);
    expect(seen.assignee).toBe(AMY);
    expect(seen.reason).toBe(t('case.event.assigned.autoAssign', { agent: AMY }));
    await screenshot(admin, `assignment-02-case-${lang}`);

    // amy, whose turn is next, sets herself unavailable in the top bar: the next case goes to ben.
    const amy = await open(AMY);
    const toggle = amy.getByRole('switch', { name: t('availability.label') });
    expect(await toggle.isChecked()).toBe(true);
    await toggle.click();
    await expect.poll(() => toggle.isChecked()).toBe(false);
    await expect.poll(() => amy.getByTestId('availability').isEnabled()).toBe(true);
    await screenshot(amy, `assignment-03-unavailable-${lang}`);
    await desk.mail({ from: 'max@customer.example', subject: `${lang} third`, body: 'Smoke everywhere.' });
    const third = await assigneeOf(`${lang} third`);
    expect(third.assignee).toBe(BEN);
    // Her case stays hers.
    expect((await assigneeOf(`${lang} first`)).assignee).toBe(AMY);

    // The admin sets amy available again on Console accounts, then disables ben: ben's open cases go to amy.
    await admin.goto(`${desk.baseUrl}/admin/people`);
    await admin.getByRole('button', { name: t('people.setAvailableLabel', { email: AMY }) }).click();
    await admin
      .getByTestId('people-notice')
      .getByText(t('people.done.available', { email: AMY }))
      .waitFor();
    await admin.getByRole('button', { name: t('people.disableLabel', { email: BEN }) }).click();
    await admin
      .getByTestId('people-notice')
      .getByText(t('people.done.disabled', { email: BEN }))
      .waitFor();
    for (const c of [second, third]) {
      const after = await caseFacts(admin, c.number);
      expect(after.assignee).toBe(AMY);
      expect(after.reason).toBe(t('case.event.reassigned.autoAssign', { from: BEN, agent: AMY }));
      expect(after.history.at(-1)).toContain(t('case.event.reassigned.autoAssign', { from: BEN, agent: AMY }));
    }
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await screenshot(admin, `assignment-04-reassigned-${lang}`);
    if (lang === 'ja') {
      // Written out once, so the test also reads what a Japanese team sees.
      expect(await admin.getByTestId('assignment-reason').textContent()).toBe(
        `${BEN} が無効になったため、チャネルの担当者のラウンドロビンにより ${AMY} に割り当て直しました。`,
      );
    }
    expect(browsing.foreign).toEqual([]);
  });
});
