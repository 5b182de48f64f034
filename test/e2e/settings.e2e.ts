/**
 * The Mail settings page in chromium: limits, spam lists and retries saved as one version and
 * read back from the store, the check's errors shown at their fields, the new message size
 * advertised by the SMTP server, and the SRS secret and the DKIM and ARC private keys never put on the page.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { exportConfigText } from '../../src/config/io/apply.js';
import { rawSmtp } from '../support/smtp-raw.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startConsoleNode, type Browsing, type ConsoleNode } from './harness.js';

const ADMIN = 'admin@solarmora.com';
const SRS_SECRET = 'srs-secret-7f3a9c1e';

describe('the mail settings page in chromium', () => {
  let node: ConsoleNode;
  let browsing: Browsing;
  let page: Page;

  const stored = async () => {
    const parsed = parseConfigText((await exportConfigText(node.gw.store.db)).yaml);
    if (!parsed.ok) throw new Error('the stored configuration does not parse');
    return parsed.config;
  };
  const enabled = (button: Locator) => expect.poll(() => button.isEnabled(), { timeout: 10_000 }).toBe(true);
  const save = () => page.getByRole('button', { name: 'Save', exact: true });
  const saveAndWait = async (version: number) => {
    await enabled(save());
    await save().click();
    await page.getByText(`Saved as version ${version}`, { exact: false }).waitFor();
  };
  const open = async () => {
    await page.goto(`${node.baseUrl}/admin/settings`);
    await page.getByRole('heading', { level: 1, name: 'Mail settings' }).waitFor();
  };

  beforeAll(async () => {
    [node, browsing] = await Promise.all([startConsoleNode(() => 'domains: [solarmora.com]\n'), launchBrowser()]);
    ({ page } = await browsing.newPage());
    await logIn(page, node.baseUrl, ADMIN);
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
  });

  it('shows the check’s errors at a bad size and a bad duration, and keeps Save disabled', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mail settings', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Mail settings' }).waitFor();
    // Absent keys show the defaults, not empty guesses.
    await page.getByText('Default: 35MB.', { exact: false }).waitFor();
    expect(await page.getByLabel('Maximum message size').getAttribute('placeholder')).toBe('35MB');

    await page.getByLabel('Maximum message size').fill('ten');
    await page.getByLabel('First retry after').fill('soon');
    await page.locator('#smtp-max-size-problems').getByText('"ten" is not a size', { exact: false }).waitFor();
    await page.locator('#retry-first-problems').getByText('"soon" is not a duration', { exact: false }).waitFor();
    expect(await save().isDisabled()).toBe(true);
    expect(await page.getByLabel('Maximum message size').getAttribute('aria-invalid')).toBe('true');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'settings-invalid');
  });

  it('saves limits, a denied sender and a retry as one version, and the SMTP server advertises the new size', async () => {
    const before = (await exportConfigText(node.gw.store.db)).version;
    await page.getByLabel('Maximum message size').fill('10MB');
    await page.getByLabel('Maximum recipients per message').fill('50');
    await page.getByRole('button', { name: 'Add denied sender' }).click();
    await page.getByLabel('Denied sender 1', { exact: true }).fill('@spammer.example');
    await page.getByLabel('First retry after').fill('2m');
    await saveAndWait(before + 1);

    const config = await stored();
    expect(config.smtp.maxMessageSize).toBe(10 * 1024 * 1024);
    expect(config.smtp.maxRecipients).toBe(50);
    expect(config.spam.denySenders).toEqual(['@spammer.example']);
    expect(config.queue.retry.firstRetry).toBe(120_000);
    // Untouched settings stay defaults, not written out.
    const { yaml } = await exportConfigText(node.gw.store.db);
    expect(yaml).not.toMatch(/maxConnectionsPerClient|maxInterval|giveUpAfter|connectionLimitExceptions/);

    // The very next session advertises the new limit in its EHLO, and enforces it.
    const smtp = await rawSmtp(node.gw.smtpPort);
    try {
      await smtp.reply();
      expect(await smtp.command('EHLO client.example')).toContain(`SIZE ${10 * 1024 * 1024}`);
      expect(await smtp.command(`MAIL FROM:<customer@customer.example> SIZE=${11 * 1024 * 1024}`)).toMatch(/^552 /);
    } finally {
      smtp.close();
    }
  });

  it('turns SRS on with a domain and a secret that never comes back to the page', async () => {
    const before = (await exportConfigText(node.gw.store.db)).version;
    await page.getByLabel('Rewrite senders of forwarded mail').check();
    await page.getByLabel('SRS domain').fill('solarmora.com');
    const secret = page.getByLabel('SRS secret', { exact: true });
    expect(await secret.getAttribute('type')).toBe('password');
    await secret.fill(SRS_SECRET);
    await saveAndWait(before + 1);
    expect((await stored()).srs).toEqual({ domain: 'solarmora.com', secret: SRS_SECRET });
    await page.getByText('A secret is stored.', { exact: false }).waitFor();
    expect(await secret.inputValue()).toBe('');
    expect(await page.content()).not.toContain(SRS_SECRET);
    await open();
    expect(await page.content()).not.toContain(SRS_SECRET);
  });

  it('adds a DKIM key and afterwards shows only that a key is stored', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keyBody = pem.split('\n')[5] ?? '';
    expect(keyBody.length).toBeGreaterThan(40);
    const before = (await exportConfigText(node.gw.store.db)).version;
    // The ARC section has a form of the same fields while no ARC key is set.
    const form = page.getByRole('group', { name: 'Add a signing key' });
    const add = form.getByRole('button', { name: 'Add key', exact: true });
    await form.getByLabel('Domain', { exact: true }).fill('solarmora.com');
    await form.getByLabel('Selector', { exact: true }).fill('s2025');
    expect(await add.isDisabled()).toBe(true);
    await form.getByLabel('Private key (PEM)', { exact: true }).fill(pem);
    await add.click();
    await page.locator('li[data-dkim="solarmora.com/s2025"]').getByText('New key, stored when you save').waitFor();
    await saveAndWait(before + 1);
    const dkim = (await stored()).dkim;
    expect(dkim.map((k) => [k.domain, k.selector])).toEqual([['solarmora.com', 's2025']]);
    expect(dkim[0]?.privateKey.trim()).toBe(pem.trim());

    await page.reload();
    const row = page.locator('li[data-dkim="solarmora.com/s2025"]');
    await row.getByText('Key stored').waitFor();
    expect(await page.content()).not.toContain(keyBody);
    await row.getByRole('button', { name: 'Replace key: solarmora.com (s2025)' }).click();
    expect(await page.getByLabel('New private key (PEM)').inputValue()).toBe('');
    expect(await page.content()).not.toContain(keyBody);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'settings-saved');
  });

  it('reads in Japanese', async () => {
    const { context, page: ja } = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(ja, node.baseUrl, ADMIN);
      await ja.goto(`${node.baseUrl}/admin/settings`);
      await ja.getByRole('heading', { level: 1, name: 'メールの設定' }).waitFor();
      await ja.getByText('鍵は保存済み', { exact: true }).waitFor();
      expect(await ja.content()).not.toContain(SRS_SECRET);
      expect(await seriousAxeViolations(ja)).toEqual([]);
      await screenshot(ja, 'settings-ja');
    } finally {
      await context.close();
    }
  });

  it('sets the ARC key, shows only that it is stored, and removes it so a DKIM key seals again', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keyBody = pem.split('\n')[5] ?? '';
    const before = (await exportConfigText(node.gw.store.db)).version;
    await open();
    await page.getByText('No ARC key: forwarded mail is sealed with the RSA DKIM key', { exact: false }).waitFor();
    const form = page.getByRole('group', { name: 'Set the ARC key' });
    await form.getByLabel('Domain', { exact: true }).fill('solarmora.com');
    await form.getByLabel('Selector', { exact: true }).fill('arc1');
    await form.getByLabel('Private key (PEM)', { exact: true }).fill(pem);
    await form.getByRole('button', { name: 'Set key', exact: true }).click();
    await page.locator('li[data-arc="solarmora.com/arc1"]').getByText('New key, stored when you save').waitFor();
    await saveAndWait(before + 1);
    const arc = (await stored()).arc;
    expect([arc?.domain, arc?.selector, arc?.privateKey.trim()]).toEqual(['solarmora.com', 'arc1', pem.trim()]);

    await page.reload();
    const row = page.locator('li[data-arc="solarmora.com/arc1"]');
    await row.getByText('Key stored').waitFor();
    expect(await page.content()).not.toContain(keyBody);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await row.getByRole('button', { name: 'Delete: solarmora.com (arc1)' }).click();
    await saveAndWait(before + 2);
    expect((await stored()).arc).toBeUndefined();
    expect((await stored()).dkim.map((k) => k.selector)).toEqual(['s2025']);
  });
});
