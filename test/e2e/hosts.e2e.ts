/**
 * The hosts page in chromium: a host added with its problems named at the fields as the
 * admin types, made the smarthost, proven by mail that reaches the sink through it, and a
 * delete the check refuses while the smarthost still names the host. Every save is read
 * back from the store.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportConfigText } from '../../src/config/io/apply.js';
import { parseConfigText } from '../../src/config/index.js';
import type { Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { eventually, type TestNode } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startConsoleNode, type Browsing, type ConsoleNode } from './harness.js';

const ADMIN = 'admin@solarmora.com';

describe('the hosts page in chromium', () => {
  let node: ConsoleNode;
  let gw: TestNode;
  let sink: Sink;
  let browsing: Browsing;
  let page: Page;
  let baseUrl: string;

  const stored = async () => {
    const parsed = parseConfigText((await exportConfigText(gw.store.db)).yaml);
    if (!parsed.ok) throw new Error(`the stored configuration does not parse: ${JSON.stringify(parsed.problems)}`);
    return parsed.config;
  };
  const enabled = (button: Locator) => expect.poll(() => button.isEnabled(), { timeout: 10_000 }).toBe(true);
  const noSeriousAxe = async (p: Page = page) => expect(await seriousAxeViolations(p)).toEqual([]);
  const save = () => page.getByRole('button', { name: 'Save', exact: true });
  const saveSmarthost = () => page.getByRole('button', { name: 'Save smarthost' });

  beforeAll(async () => {
    [node, browsing] = await Promise.all([startConsoleNode(() => 'domains: [solarmora.com]\n'), launchBrowser()]);
    ({ gw, sink, baseUrl } = node);
    ({ page } = await browsing.newPage());
    page.on('dialog', (d) => void d.accept());
    await logIn(page, baseUrl, ADMIN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Hosts', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Hosts' }).waitFor();
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
  });

  it('adds a host, refusing a bad domain at its field until it is fixed', async () => {
    await page.getByText('No hosts yet', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Add host' }).click();
    await page.getByLabel('Name', { exact: true }).fill('crm');
    await page.getByLabel('Host name or IP address').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(sink.port));
    await page.getByLabel('TLS', { exact: true }).selectOption('none');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const domain = page.getByLabel('Domain 1', { exact: true });
    await domain.fill('crm..test');
    await page.locator('#host-domains-0-problems').getByText('"crm..test" is not a domain name', { exact: false }).waitFor();
    expect(await domain.getAttribute('aria-invalid')).toBe('true');
    expect(await save().isDisabled()).toBe(true);
    await noSeriousAxe();
    await screenshot(page, 'hosts-01-bad-domain');

    await domain.fill('crm.test');
    await enabled(save());
    await save().click();
    const row = page.locator('tr[data-host="crm"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('crm.test');
    expect(await row.textContent()).toContain('None');
    expect((await stored()).hosts).toEqual([{ name: 'crm', host: '127.0.0.1', port: sink.port, tls: 'none', domains: ['crm.test'] }]);
  });

  it('refuses a second host with the same name at the name field', async () => {
    await page.getByRole('button', { name: 'Add host' }).click();
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('crm');
    await page.getByLabel('Host name or IP address').fill('127.0.0.2');
    await page.locator('#host-name-problems').getByText('a host named "crm" is already defined', { exact: false }).waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toBe('host-name-hint host-name-problems');
    expect(await save().isDisabled()).toBe(true);
    await screenshot(page, 'hosts-02-duplicate-name');
    await page.getByRole('button', { name: 'Close the form' }).click();
    await expect.poll(() => page.locator('#host-name').count()).toBe(0);
    expect((await stored()).hosts.map((h) => h.name)).toEqual(['crm']);
  });

  it('makes the host the smarthost', async () => {
    await page.getByRole('combobox', { name: 'Smarthost', exact: true }).selectOption('crm');
    await enabled(saveSmarthost());
    await saveSmarthost().click();
    await page.getByTestId('smarthost-current').getByText('In force: crm').waitFor();
    await page.locator('tr[data-host="crm"] .badge').getByText('Smarthost').waitFor();
    expect((await stored()).outbound.smarthost).toBe('crm');
    await noSeriousAxe();
    await screenshot(page, 'hosts-03-smarthost');
  });

  it('delivers through the host: a rule sends help@ to crm.test and the sink receives it', async () => {
    const { yaml } = await exportConfigText(gw.store.db);
    await gw.apply(
      `${yaml}defaultRouting:\n  - description: Forward help to the CRM\n    match: { single: help@solarmora.com }\n    modify:\n      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }\n`,
    );
    const r = await swaks([
      '--server',
      `127.0.0.1:${gw.smtpPort}`,
      '--from',
      'customer@example.net',
      '--to',
      'help@solarmora.com',
      '--header',
      'Subject: Through the host',
      '--body',
      'Hello.',
    ]);
    expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    const m = await eventually(async () => sink.messages.find((x) => x.rcptTo.includes('support@crm.test')), 15_000, 'the mail at the sink');
    expect(m.raw.toString()).toMatch(/^Subject: Through the host$/m);
  });

  it('shows the page in Japanese', async () => {
    const { context, page: ja } = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(ja, baseUrl, ADMIN);
      await ja.goto(`${baseUrl}/admin/hosts`);
      await ja.getByRole('heading', { level: 1, name: 'ホスト' }).waitFor();
      await ja.locator('tr[data-host="crm"]').getByText('なし', { exact: true }).waitFor();
      await ja.getByRole('heading', { level: 2, name: 'スマートホスト' }).waitFor();
      await noSeriousAxe(ja);
      await screenshot(ja, 'hosts-04-ja');
    } finally {
      await context.close();
    }
  });

  it("refuses to delete the smarthost with the check's reason, and deletes it once the smarthost is cleared", async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Delete the host crm' }).click();
    await page.getByRole('alert').getByText('no host is named "crm"', { exact: false }).waitFor();
    await page.getByRole('alert').getByText('outbound.smarthost').waitFor();
    expect((await stored()).hosts.map((h) => h.name)).toEqual(['crm']);
    await screenshot(page, 'hosts-05-delete-refused');

    await page.getByRole('combobox', { name: 'Smarthost', exact: true }).selectOption('');
    await enabled(saveSmarthost());
    await saveSmarthost().click();
    await page.getByTestId('smarthost-current').getByText('In force: none', { exact: false }).waitFor();
    expect((await stored()).outbound.smarthost).toBeUndefined();
    expect((await exportConfigText(gw.store.db)).yaml).not.toContain('smarthost');

    await page.getByRole('button', { name: 'Delete the host crm' }).click();
    await expect.poll(() => page.locator('tr[data-host="crm"]').count()).toBe(0);
    expect((await stored()).hosts).toEqual([]);
    await page.getByText('No hosts yet', { exact: false }).waitFor();
  });
});
