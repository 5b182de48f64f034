/**
 * A channel's rotation in the console: the dialog lists the routing rules that send mail to
 * the channel and updates them with the rotation (checked by default); left unchecked, the
 * routing table flags the rule that now points at a retired address. English and Japanese.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportConfigText } from '../../src/config/index.js';
import { listDeskChannels } from '../../src/store/index.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startConsoleNode, type Browsing, type ConsoleNode } from './harness.js';

const desk = `domains: [solarmora.com]
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com }
`;
const withRule = (address: string) => `${desk}defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: ${address} } }
`;

const current = async (node: ConsoleNode) => (await listDeskChannels(node.gw.store.db))[0]!.inboundAddresses.find((a) => !a.retired)!.address;

describe('rotating a channel with its routing rules, in chromium', () => {
  let node: ConsoleNode;
  let browsing: Browsing;

  beforeAll(async () => {
    [node, browsing] = await Promise.all([startConsoleNode(() => desk), launchBrowser()]);
    await node.gw.apply(withRule(await current(node)));
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
  });

  const rotateIn = async (page: Page, labels: { button: string; dialog: string; confirm: string; update: string }, update: boolean) => {
    await page.goto(`${node.baseUrl}/admin/channels`);
    await page.getByRole('button', { name: labels.button }).click();
    const dialog = page.getByRole('dialog', { name: labels.dialog });
    await dialog.getByTestId('rotate-rules').getByText('help to the desk').waitFor();
    const box = dialog.getByLabel(labels.update);
    expect(await box.isChecked()).toBe(true);
    if (!update) await box.uncheck();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: labels.confirm, exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
  };

  it('updates the rule with the rotation in English, and flags it in the routing table when left behind', async () => {
    const { page } = await browsing.newPage();
    await logIn(page, node.baseUrl, 'admin@solarmora.com');
    const labels = {
      button: 'Rotate address of Support',
      dialog: 'Rotate the inbound address of Support',
      confirm: 'Rotate address',
      update: 'Point these rules at the new address in the same change',
    };
    const before = await exportConfigText(node.gw.store.db);
    await rotateIn(page, labels, true);
    await page.getByTestId('channels-notice').getByText('now send mail to the new address', { exact: false }).waitFor();
    const after = await exportConfigText(node.gw.store.db);
    expect(after.version).toBe(before.version + 1);
    expect(after.yaml).toContain(await current(node));
    await screenshot(page, 'rotate-01-rules-updated');

    await page.goto(`${node.baseUrl}/admin/routing`);
    await page.locator('tr[data-rule="help to the desk"]').waitFor();
    expect(await page.getByTestId('rule-desk-flag').count()).toBe(0);

    await rotateIn(page, labels, false);
    await page.getByTestId('channels-notice').getByText('still send mail to the old address', { exact: false }).waitFor();
    expect((await exportConfigText(node.gw.store.db)).version).toBe(after.version);
    await page.goto(`${node.baseUrl}/admin/routing`);
    const flag = page.locator('tr[data-rule="help to the desk"]').getByTestId('rule-desk-flag');
    await flag.waitFor();
    expect(await flag.textContent()).toBe('Retired desk address');
    expect(await flag.getAttribute('title')).toContain('is a retired address of channel "Support"');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'rotate-02-routing-flag');
  });

  it('does the same in Japanese', async () => {
    const { page, context } = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(page, node.baseUrl, 'admin@solarmora.com');
      await page.goto(`${node.baseUrl}/admin/routing`);
      const flag = page.locator('tr[data-rule="help to the desk"]').getByTestId('rule-desk-flag');
      await flag.waitFor();
      expect(await flag.textContent()).toBe('廃止された受信用アドレス');
      const labels = {
        button: 'Support の受信用アドレスを変更',
        dialog: 'Support の受信用アドレスを変更',
        confirm: 'アドレスを変更',
        update: '同じ変更でこれらのルールを新しいアドレスに向ける',
      };
      await rotateIn(page, labels, true);
      await page.getByTestId('channels-notice').getByText('件のルーティング ルールが新しいアドレスへ送るようになりました', { exact: false }).waitFor();
      expect((await exportConfigText(node.gw.store.db)).yaml).toContain(await current(node));
      await page.goto(`${node.baseUrl}/admin/routing`);
      await page.locator('tr[data-rule="help to the desk"]').waitFor();
      await expect.poll(() => page.getByTestId('rule-desk-flag').count()).toBe(0);
      await screenshot(page, 'rotate-03-ja');
    } finally {
      await context.close();
    }
  });
});
