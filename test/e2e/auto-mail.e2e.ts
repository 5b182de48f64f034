/**
 * A channel's automatic mail in the console, in English and Japanese: the acknowledgement's
 * template edited with the server's preview beside it; a channel added from a Japanese console
 * speaks Japanese, and its acknowledgement reaches the customer's server in Japanese, properly
 * MIME-encoded; the configuration's history names people, not raw actor ids.
 */
import { simpleParser } from 'mailparser';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportConfigText } from '../../src/config/index.js';
import { listCases, listDeskChannels } from '../../src/store/index.js';
import { eventually } from '../support/relaydesk.js';
import { swaks } from '../support/swaks.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startConsoleNode, worldHost, type Browsing, type ConsoleNode } from './harness.js';

const desk = (sinkPort: number) => `domains: [solarmora.com]
${worldHost(sinkPort)}desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com }
`;

interface ChannelYaml {
  name: string;
  language?: string;
  templates?: Record<string, { subject?: string; body?: string }>;
}
const channelsInForce = async (node: ConsoleNode) =>
  (parse((await exportConfigText(node.gw.store.db)).yaml) as { desk: { channels: ChannelYaml[] } }).desk.channels;

describe("a channel's automatic mail, in chromium", () => {
  let node: ConsoleNode;
  let browsing: Browsing;

  beforeAll(async () => {
    [node, browsing] = await Promise.all([startConsoleNode(desk), launchBrowser()]);
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
  });

  const ack = (page: Page) => page.locator('[data-template="acknowledgement"]');

  it('edits the acknowledgement with the preview in English; the history names the person who saved it', async () => {
    const { page } = await browsing.newPage();
    await logIn(page, node.baseUrl, 'admin@solarmora.com');
    await page.goto(`${node.baseUrl}/admin/channels`);
    await page.getByRole('button', { name: 'Edit the channel Support' }).click();
    const form = page.getByRole('region', { name: 'Edit the channel Support' });
    expect(await form.getByLabel('Language of its automatic mail').inputValue()).toBe('en');
    const subject = ack(page).getByLabel('Subject');
    await expect.poll(() => subject.inputValue()).toBe('Re: {{case.subject}}');
    const preview = ack(page).getByTestId('mail-preview-acknowledgement');
    await expect.poll(() => preview.getByTestId('preview-subject').textContent()).toBe('[#1001] Re: Printer does not print');
    expect(await preview.getByTestId('preview-from').textContent()).toBe('Support <help@solarmora.com>');
    expect(await preview.getByTestId('preview-text').textContent()).toContain('Hello Jane Doe,');

    await subject.fill('We received: {{case.subject}}');
    await ack(page).getByLabel('Body').fill('Dear {{customer.name}},\ncase {{case.numbr}} is open.');
    await ack(page).getByText('"{{case.numbr}}" is not a placeholder here', { exact: false }).first().waitFor();
    await ack(page).getByLabel('Body').fill('Dear {{customer.name}},\ncase {{case.number}} is open.');
    await expect.poll(() => preview.getByTestId('preview-subject').textContent()).toBe('[#1001] We received: Printer does not print');
    await expect.poll(() => preview.getByTestId('preview-text').textContent()).toBe('Dear Jane Doe,\ncase 1001 is open.\n');
    await ack(page).getByText('{{customer.name}}', { exact: true }).waitFor({ state: 'attached' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'auto-mail-01-editor-en');

    const save = form.getByRole('button', { name: 'Save', exact: true });
    await expect.poll(() => save.isEnabled()).toBe(true);
    await save.click();
    await page.getByText('Saved as version', { exact: false }).waitFor();
    const [support] = await channelsInForce(node);
    expect(support!.templates).toEqual({
      acknowledgement: { subject: 'We received: {{case.subject}}', body: 'Dear {{customer.name}},\ncase {{case.number}} is open.' },
    });

    await page.goto(`${node.baseUrl}/admin/configuration`);
    const latest = page.locator(`tr[data-version="${(await exportConfigText(node.gw.store.db)).version}"]`);
    await latest.getByText('admin@solarmora.com (console)').waitFor();
    expect(await page.locator('table').first().textContent()).not.toContain('web:');
    await screenshot(page, 'auto-mail-02-history-en');
  });

  it('adds a channel from the Japanese console: it speaks Japanese, and its acknowledgement arrives in Japanese, MIME-encoded', async () => {
    const { page, context } = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(page, node.baseUrl, 'admin@solarmora.com');
      await page.goto(`${node.baseUrl}/admin/channels`);
      await page.getByRole('button', { name: 'チャネルを追加' }).click();
      const form = page.getByRole('region', { name: 'チャネルの追加' });
      await form.getByLabel('チャネル名').fill('お客様窓口');
      await form.getByLabel('公開アドレス（任意）').fill('support@solarmora.com');
      expect(await form.getByLabel('自動送信メールの言語').inputValue()).toBe('ja');
      const preview = ack(page).getByTestId('mail-preview-acknowledgement');
      // The preview of the form before the name was typed has the salutation too: wait for the one with the name.
      await expect
        .poll(() => preview.getByTestId('preview-text').textContent())
        .toContain('このたびはお客様窓口へお問い合わせいただき、誠にありがとうございます。');
      expect(await preview.getByTestId('preview-text').textContent()).toContain('山田 太郎 様');
      expect(await preview.getByTestId('preview-subject').textContent()).toBe('[#1001] Re: プリンターが印刷できません');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, 'auto-mail-03-editor-ja');
      const add = form.getByRole('button', { name: 'チャネルを追加' });
      await expect.poll(() => add.isEnabled()).toBe(true);
      await add.click();
      await page.locator('tr[data-channel="お客様窓口"]').waitFor();
      expect((await channelsInForce(node)).find((c) => c.name === 'お客様窓口')?.language).toBe('ja');

      await page.goto(`${node.baseUrl}/admin/configuration`);
      await page.getByText('admin@solarmora.com（コンソール）').first().waitFor();
      await screenshot(page, 'auto-mail-04-history-ja');
    } finally {
      await context.close();
    }

    // The new channel behind a rule; a customer writes in Japanese.
    const inbound = (await listDeskChannels(node.gw.store.db)).find((c) => c.name === 'お客様窓口')!.inboundAddresses[0]!.address;
    const current = await exportConfigText(node.gw.store.db);
    await node.gw.apply(
      `${current.yaml}defaultRouting:\n  - description: support to the desk\n    match: { single: support@solarmora.com }\n    modify: { changeEnvelopeRecipient: { replaceRecipient: ${inbound} } }\n`,
    );
    const r = await swaks([
      '--server',
      `127.0.0.1:${node.gw.smtpPort}`,
      '--from',
      'hanako@customer.example',
      '--to',
      'support@solarmora.com',
      '--header',
      'From: =?UTF-8?B?6Yi05pyoIOiKseWtkA==?= <hanako@customer.example>',
      '--header',
      'Subject: =?UTF-8?B?6KuL5rGC5pu444Gr44Gk44GE44Gm?=',
      '--body',
      'Hello',
    ]);
    expect(r.lastReply).toMatch(/^250 /);
    const c = await eventually(async () => (await listCases(node.gw.store.db, { limit: 50 })).find((x) => x.requester.address === 'hanako@customer.example'));
    const mail = await node.sink.waitFor((m) => m.rcptTo.includes('hanako@customer.example'), 10_000);
    const head = mail.raw.subarray(0, mail.raw.indexOf('\r\n\r\n'));
    expect([...head].filter((b) => b >= 0x80)).toEqual([]);
    expect([...mail.raw].filter((b) => b >= 0x80)).toEqual([]);
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toBe(`[#${c.number}] Re: 請求書について`);
    expect(parsed.text).toContain('鈴木 花子 様');
    expect(parsed.text).toContain('このたびはお客様窓口へお問い合わせいただき、誠にありがとうございます。');
    expect(parsed.from?.value[0]).toEqual({ name: 'お客様窓口', address: 'support@solarmora.com' });
  });
});
