/**
 * Mail past retention in the console: the email log still finds it and says when its body was
 * purged; its trace says the body and the trace are gone and shows how each delivery ended;
 * the case it opened is whole. In English and Japanese.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countByStatus, listCases, purgeFinished } from '../../src/store/index.js';
import { eventually } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startDesk, type Browsing, type Desk } from './harness.js';

describe('purged mail in the email log', () => {
  let desk: Desk;
  let browsing: Browsing;
  let page: Page;

  beforeAll(async () => {
    [desk, browsing] = await Promise.all([startDesk(), launchBrowser()]);
    await desk.addUser('admin@solarmora.com', 'admin');
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
  });

  it('finds a purged message, says when it was purged, and shows how its deliveries ended', async () => {
    await desk.mail({ from: 'old@customer.example', subject: 'An old question', body: 'Long ago.' });
    await eventually(async () => (await listCases(desk.gw.store.db, { limit: 50 })).some((c) => c.subject === 'An old question'), 10_000, 'the case');
    await eventually(
      async () => {
        const c = await countByStatus(desk.gw.store.db);
        return !c.queued && !c.active && !c.deferred;
      },
      10_000,
      'every delivery final',
    );
    // What the retention job does once retention.messages has passed.
    const now = Date.now();
    expect((await purgeFinished(desk.gw.store.db, { before: now + 1, now, limit: 100 })).messages).toBeGreaterThan(0);

    ({ page } = await browsing.newPage());
    await logIn(page, desk.baseUrl, 'admin@solarmora.com');
    await page.getByRole('link', { name: 'Email log' }).click();
    await page.getByLabel('Sender contains').fill('old@customer');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.getByRole('row', { name: /An old question/ });
    await row.waitFor({ timeout: 10_000 });
    await row.getByText(/^Body purged on /).waitFor();
    await expect(row.textContent()).resolves.toMatch(/delivered/);
    await row.getByRole('button', { name: /trace/i }).click();
    const timeline = page.getByRole('region', { name: /Trace of/ });
    await timeline.getByText(/^The body and the trace were purged on .+ \(retention\)\. How each delivery ended is kept:$/).waitFor({ timeout: 10_000 });
    await expect(
      timeline
        .getByRole('listitem')
        .filter({ hasText: /: delivered$/ })
        .count(),
    ).resolves.toBeGreaterThan(0);
    // The case it opened is whole, and the trace still leads to it.
    await timeline.getByRole('link', { name: /^Case #\d+ is open in the Support channel$/ }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, '15-email-log-purged');

    await page.getByLabel('Language').selectOption('ja');
    await page
      .getByRole('row', { name: /An old question/ })
      .getByText(/^本文は .+ に削除済み$/)
      .waitFor({ timeout: 10_000 });
    await page.getByText(/^本文と追跡は保存期間に従い .+ に削除されました。各配信の結果は残っています:$/).waitFor({ timeout: 10_000 });
  });
});
