/**
 * Default routing in the console: the rule of the gateway issue built with the editor's
 * sections and exported equal to that issue's YAML; problems named at their fields as the
 * admin types; save puts the rule in force at once; disable, reorder, delete; an address
 * explained rule by rule (English and Japanese); a draft previewed against the stored mail; a
 * trace explained with the version that routed it; and the page closed to agents.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportConfigText } from '../../src/config/io/apply.js';
import { parseConfigText } from '../../src/config/index.js';
import { ISSUE_EXAMPLE } from '../../src/config/testing.js';
import { loadMessage } from '../../src/store/index.js';
import type { Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { eventually, type TestNode } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startConsoleNode, type Browsing, type ConsoleNode } from './harness.js';

/** The gateway issue's example with the port of this run's sink (the issue's CRM listens on 2526). */
const issueYaml = (port: number) => ISSUE_EXAMPLE.replace('port: 2526', `port: ${port}`);

/** Everything but the rules: the console builds those. */
const withoutRules = (yaml: string) => yaml.replace(/defaultRouting:[\s\S]*?(?=\nsmtp:)/, '');

describe('default routing in chromium', () => {
  let node: ConsoleNode;
  let gw: TestNode;
  let sink: Sink;
  let browsing: Browsing;
  let page: Page;
  let baseUrl: string;

  beforeAll(async () => {
    [node, browsing] = await Promise.all([startConsoleNode((port) => withoutRules(issueYaml(port))), launchBrowser()]);
    ({ gw, sink, baseUrl } = node);
    ({ page } = await browsing.newPage());
    await logIn(page, baseUrl, 'admin@solarmora.com');
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
  });

  const editor = () => page.getByRole('region', { name: /^(Add setting|Edit setting)/ });
  const save = async () => {
    const button = editor().getByRole('button', { name: 'Save', exact: true });
    await expect.poll(() => button.isEnabled(), { message: 'Save is enabled once the check passes' }).toBe(true);
    await button.click();
  };

  it("builds the gateway issue's rule section by section; the export equals that issue's YAML", async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Default routing' }).click();
    await page.getByRole('heading', { name: 'Default routing', level: 1 }).waitFor();
    await page.getByText('No rules yet').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Configure' }).click();
    const ed = editor();
    await ed.getByLabel('Description').fill('Forward help to the CRM');
    await ed.getByLabel('Single recipient').check();
    await ed.getByLabel('Email address').fill('help@solarmora.com');
    await ed.getByLabel('Change envelope recipient').check();
    await ed.getByLabel('Replace recipient', { exact: true }).check();
    await ed.getByLabel('New recipient').fill('support@crm.test');
    await ed.getByLabel('Add more recipients').check();
    await ed.getByLabel('Recipient 1', { exact: true }).fill('sales-team@solarmora.com');
    await ed.getByLabel('Add X-Original-To header').check();
    await ed.getByRole('button', { name: 'Add custom header' }).click();
    await ed.getByLabel('Header 1 name').fill('X-Relaydesk-Rule');
    await ed.getByLabel('Header 1 value').fill('help');
    await ed.getByLabel('Prepend custom subject').check();
    await ed.getByLabel('Text before the subject').fill('[help] ');
    await ed.getByLabel('Change route').check();
    await ed.getByLabel('Host').selectOption('crm');
    expect(await ed.getByLabel('Perform this action on non-recognized addresses', { exact: true }).isChecked()).toBe(true);
    await ed.getByText('Saving will make').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'routing-01-rule-editor');
    await save();

    const row = page.locator('tr[data-rule="Forward help to the CRM"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('help@solarmora.com');
    expect(await row.textContent()).toContain('recipient → support@crm.test');
    expect(await row.textContent()).toContain('admin@solarmora.com (console)');
    expect(await row.textContent()).not.toContain('web:');
    expect(await page.getByTestId('routing-version').textContent()).toMatch(/Version \d+ is in force/);
    await screenshot(page, 'routing-02-rule-table');

    const exported = parseConfigText((await exportConfigText(gw.store.db)).yaml);
    const issue = parseConfigText(issueYaml(sink.port));
    expect(exported.ok && issue.ok).toBe(true);
    if (exported.ok && issue.ok) expect(exported.config).toEqual(issue.config);
  });

  it('puts a saved rule in force at once: the next mail follows it', async () => {
    const r = await swaks([
      '--server',
      `127.0.0.1:${gw.smtpPort}`,
      '--from',
      'customer@example.net',
      '--to',
      'help@solarmora.com',
      '--header',
      'Subject: Printer on fire',
      '--body',
      'Please help.',
    ]);
    expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    const m = await eventually(async () => sink.messages.find((x) => x.rcptTo.includes('support@crm.test')), 10_000, 'the mail at the CRM');
    const text = m.raw.toString();
    expect(text).toMatch(/^Subject: \[help\] Printer on fire$/m);
    expect(text).toMatch(/^X-Relaydesk-Rule: help$/m);
    expect(text).toMatch(/^X-Original-To: help@solarmora.com$/m);
  });

  it('names problems at their fields as the admin types, and will not save them', async () => {
    await page.getByRole('button', { name: 'Add another rule' }).click();
    const ed = editor();
    const save = ed.getByRole('button', { name: 'Save', exact: true });
    await ed.getByLabel('Description').fill('Catch support addresses');
    await ed.getByLabel('Pattern match').check();
    await ed.getByLabel('Regular expression').fill('^(support');
    await ed.getByText(/"\^\(support" is not a valid regular expression/).waitFor();
    expect(await ed.getByLabel('Regular expression').getAttribute('aria-invalid')).toBe('true');
    expect(await save.isDisabled()).toBe(true);
    await ed.getByLabel('Regular expression').fill('^support-.*@solarmora\\.com$');
    await expect.poll(() => ed.getByText(/is not a valid regular expression/).count()).toBe(0);

    // The seed's warning: the address belongs to a user, named.
    await ed.getByLabel('Single recipient').check();
    await ed.getByLabel('Email address').fill('a.smith@solarmora.com');
    await ed.getByText(/"a.smith@solarmora.com" is an alias of user alice@solarmora.com/).waitFor();
    // Two rules changing the recipient of the same address.
    await ed.getByLabel('Email address').fill('help@solarmora.com');
    await ed.getByLabel('Change envelope recipient').check();
    await ed.getByLabel('New recipient').fill('elsewhere@crm.test');
    await ed.getByText(/both change the recipient of help@solarmora.com/).waitFor();
    // A missing description is an error, not a silent default.
    await ed.getByLabel('Description').fill('');
    await ed.getByText(/a rule needs a description/).waitFor();
    expect(await save.isDisabled()).toBe(true);
    await screenshot(page, 'routing-03-problems-as-you-type');
    await ed.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('tr[data-rule]').count()).toBe(1);
  });

  it('disables, reorders and deletes rules, asking before a delete', async () => {
    await page.getByRole('button', { name: 'Add another rule' }).click();
    await editor().getByLabel('Description').fill('Reject old address');
    await editor().getByLabel('Email address').fill('old@solarmora.com');
    await editor().getByLabel('Action', { exact: true }).selectOption('reject');
    await editor().getByLabel('Rejection notice').fill('This address is no longer in use; write to help@solarmora.com');
    await save();
    await page.locator('tr[data-rule="Reject old address"]').waitFor();
    const order = () => page.locator('tr[data-rule]').evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { rule: string } }).dataset.rule));
    expect(await order()).toEqual(['Forward help to the CRM', 'Reject old address']);

    const refused = await swaks(['--server', `127.0.0.1:${gw.smtpPort}`, '--from', 'customer@example.net', '--to', 'old@solarmora.com', '--body', 'x']);
    expect(refused.stdout + refused.stderr).toContain('no longer in use');

    await page.getByRole('button', { name: 'Move the rule Reject old address up' }).click();
    await expect.poll(order).toEqual(['Reject old address', 'Forward help to the CRM']);
    await page.getByRole('button', { name: 'Disable the rule Reject old address' }).click();
    await expect.poll(() => page.locator('tr[data-rule="Reject old address"]').textContent()).toContain('Disabled');
    const doc = parseConfigText((await exportConfigText(gw.store.db)).yaml);
    expect(doc.ok && doc.config.defaultRouting.map((r) => [r.description, r.enabled])).toEqual([
      ['Reject old address', false],
      ['Forward help to the CRM', true],
    ]);

    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await page.getByRole('button', { name: 'Delete the rule Reject old address' }).click();
    await expect.poll(() => asked).toContain('Delete the rule "Reject old address"?');
    expect(await page.locator('tr[data-rule]').count()).toBe(2);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete the rule Reject old address' }).click();
    await expect.poll(order).toEqual(['Forward help to the CRM']);
    await screenshot(page, 'routing-04-after-delete');
  });

  it('explains an address rule by rule in English, and in Japanese in its own words', async () => {
    const panel = page.getByRole('region', { name: 'Why does mail go there?' });
    await panel.getByLabel('Recipient').fill('help@solarmora.com');
    await panel.getByLabel('Sender (optional)').fill('customer@example.net');
    await panel.getByRole('button', { name: 'Explain' }).click();
    const result = panel.getByTestId('explain-result');
    await result.waitFor();
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('Rule 1: Forward help to the CRM Applied.');
    expect(text).toContain('support@crm.test: by SMTP through host crm');
    expect(text).toContain('alice@solarmora.com: to its mailbox (added copy)');
    expect(text).toContain('customer@example.net is on neither spam list');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'routing-05-explain');

    const { page: ja, context } = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(ja, baseUrl, 'admin@solarmora.com');
      await ja.goto(`${baseUrl}/admin/routing`);
      const jaPanel = ja.getByRole('region', { name: 'なぜそこに配信されるのか' });
      await jaPanel.getByLabel('受信者').fill('help@solarmora.com');
      await jaPanel.getByRole('button', { name: '説明する' }).click();
      const jaResult = jaPanel.getByTestId('explain-result');
      await jaResult.waitFor();
      const jaText = (await jaResult.textContent()) ?? '';
      expect(jaText).toContain('ルール 1: Forward help to the CRM 適用されました。');
      expect(jaText).toContain('support@crm.test: ホスト crm 経由の SMTP で');
      // Only data is in English: the addresses, the host and the rule's own description.
      const rest = ['Forward help to the CRM', 'crm', 'SMTP', 'TLS'].reduce((acc, d) => acc.split(d).join(''), jaText.replace(/[\w.+-]+@[\w.-]+/g, ''));
      expect(rest).not.toMatch(/[A-Za-z]{2,}/);
      await screenshot(ja, 'routing-06-explain-ja');
    } finally {
      await context.close();
    }
  });

  it('previews a draft against the stored mail, and a trace explains with the version that routed it', async () => {
    const before = (await exportConfigText(gw.store.db)).version;
    await page.getByRole('button', { name: 'Edit the rule Forward help to the CRM' }).click();
    const ed = editor();
    await ed.getByLabel('New recipient').fill('helpdesk@crm.test');
    expect(await ed.getByLabel('Period').inputValue()).toBe('7d');
    const preview = ed.getByRole('button', { name: 'Preview against recent mail' });
    await expect.poll(() => preview.isEnabled(), { message: 'Preview is enabled once the check passes' }).toBe(true);
    await preview.click();
    const row = ed.getByTestId('replay-changes').locator('tr[data-recipient="help@solarmora.com"]');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toContain('support@crm.test by SMTP through crm');
    expect(cells[2]).toContain('helpdesk@crm.test by SMTP through crm');
    expect(Number(cells[3])).toBeGreaterThanOrEqual(1);
    const example = row.getByRole('link').first();
    const href = (await example.getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/admin\/email-log\?trace=[0-9A-Z]+$/);
    expect(await ed.getByTestId('replay-rejected').textContent()).toContain('Messages that would now be rejected: 0');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'routing-07-preview');
    await save();
    await expect.poll(async () => (await exportConfigText(gw.store.db)).version).toBe(before + 1);

    // The message was routed by an older version than this save's: its trace explains with that one.
    const routedBy = (await loadMessage(gw.store.db, href.replace(/^.*trace=/, '')))?.configVersion;
    expect(routedBy).toBeLessThan(before + 1);
    await page.goto(`${baseUrl}${href}`);
    await page.getByRole('button', { name: 'Explain the routing of help@solarmora.com' }).click();
    const why = page.getByTestId('trace-explanation');
    await why.waitFor();
    const text = (await why.textContent()) ?? '';
    expect(text).toContain(`Explained with version ${routedBy}, the configuration in force when this message arrived.`);
    expect(text).toContain('support@crm.test: by SMTP through host crm');
    expect(text).not.toContain('helpdesk@crm.test');
    await screenshot(page, 'routing-08-trace-why');
    await page.goto(`${baseUrl}/admin/routing`);
  });

  it('is closed to agents, in the navigation and by address', async () => {
    const { page: agentPage, context } = await browsing.newPage();
    try {
      await logIn(agentPage, baseUrl, 'agent@solarmora.com');
      expect(await agentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Default routing' }).count()).toBe(0);
      await agentPage.goto(`${baseUrl}/admin/routing`);
      await agentPage.getByText('There is no such page.').waitFor();
      const status = await agentPage.evaluate(async () => (await fetch('/api/config/document')).status);
      expect(status).toBe(403);
    } finally {
      await context.close();
    }
  });
});
