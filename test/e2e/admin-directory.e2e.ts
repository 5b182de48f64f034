/**
 * The admin console's configuration pages in chromium, from an empty configuration: the
 * seed's first steps (a domain, an org unit, a user with an alias, a group), the checks
 * shown at the field as the admin types, an import that shows its diff before it is applied,
 * and a channel's forwarding check and address rotation. Every save is read back from the
 * store, not only from the page.
 */
import type { Locator, Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportConfigText } from '../../src/config/io/apply.js';
import { listDeskChannels } from '../../src/store/index.js';
import { addUser } from '../../src/accounts/index.js';
import { eventually, startTestNode, type TestNode } from '../support/relaydesk.js';
import { launchBrowser, logIn, PASSWORD, screenshot, seriousAxeViolations, type Browsing } from './harness.js';

const ADMIN = 'admin@solarmora.com';

interface StoredDoc {
  domains?: string[];
  orgUnits?: string[];
  users?: { address: string; orgUnit?: string; aliases?: string[]; status?: string }[];
  groups?: { address: string; members?: string[] }[];
  desk?: { domain: string; channels?: { name: string }[] };
}

describe('the admin pages in chromium', () => {
  let gw: TestNode;
  let browsing: Browsing;
  let baseUrl: string;
  let page: Page;

  const stored = async () => {
    const { version, yaml } = await exportConfigText(gw.store.db);
    return { version, doc: (parse(yaml) ?? {}) as StoredDoc };
  };
  const enabled = (button: Locator) => expect.poll(() => button.isEnabled(), { timeout: 10_000 }).toBe(true);
  const go = async (nav: string, heading: string) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: nav, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };
  const noSeriousAxe = async () => expect(await seriousAxeViolations(page)).toEqual([]);

  beforeAll(async () => {
    // No configuration at all: version 0, as on a fresh install.
    [gw, browsing] = await Promise.all([startTestNode({ dialect: 'sqlite', roles: ['inbound', 'queue', 'web'] }), launchBrowser()]);
    baseUrl = `http://127.0.0.1:${gw.node.httpPort}`;
    await addUser(gw.store.db, { email: ADMIN, role: 'admin', password: PASSWORD, now: Date.now() });
    ({ page } = await browsing.newPage());
    page.on('dialog', (d) => void d.accept());
    await logIn(page, baseUrl, ADMIN);
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await gw?.stop();
  });

  it('adds the first hosted domain to an empty configuration, after refusing one that is not a domain', async () => {
    expect((await stored()).version).toBe(0);
    await go('Domains', 'Domains');
    await page.getByText('No hosted domains yet', { exact: false }).waitFor();
    const input = page.getByLabel('Domain name');
    const add = page.getByRole('button', { name: 'Add domain', exact: true });
    await input.fill('x');
    await page.getByText('"x" is not a domain name', { exact: false }).waitFor();
    expect(await add.isDisabled()).toBe(true);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await noSeriousAxe();
    await screenshot(page, '20-domains-invalid');

    await input.fill('solarmora.com');
    await enabled(add);
    await add.click();
    await page.locator('tr[data-domain="solarmora.com"]').waitFor();
    await page.getByText('Saved as version 1', { exact: false }).waitFor();
    expect(await input.inputValue()).toBe('');
    const { version, doc } = await stored();
    expect(version).toBe(1);
    expect(doc.domains).toEqual(['solarmora.com']);
  });

  it('adds org units as a tree under a chosen parent', async () => {
    await go('Organisational units', 'Organisational units');
    const add = page.getByRole('button', { name: 'Add unit', exact: true });
    await page.getByLabel('Unit name').fill('Sales');
    await page.getByText('The new unit will be /Sales.').waitFor();
    await enabled(add);
    await add.click();
    await page.locator('li[data-unit="/Sales"]').waitFor();
    await page.getByLabel('Parent unit').selectOption('/Sales');
    await page.getByLabel('Unit name').fill('Japan');
    await enabled(add);
    await add.click();
    // Japan is drawn inside Sales: the tree, not a flat list.
    await page.locator('li[data-unit="/Sales"] li[data-unit="/Sales/Japan"]').waitFor();
    await page.getByLabel('Unit name').fill('Sales');
    await page.getByLabel('Parent unit').selectOption('/');
    await page.getByText('/Sales exists already.').waitFor();
    await noSeriousAxe();
    await screenshot(page, '21-org-units');
    expect((await stored()).doc.orgUnits).toEqual(expect.arrayContaining(['/', '/Sales', '/Sales/Japan']));
    await page.getByLabel('Unit name').fill('');
  });

  it('adds a mail user with an alias, showing at the field why a bad alias or a held address cannot be saved', async () => {
    await go('Users', 'Mail users');
    await page.getByRole('button', { name: 'Add user' }).click();
    const save = page.getByRole('button', { name: 'Save', exact: true });
    await page.getByLabel('Address', { exact: true }).fill('alice@solarmora.com');
    await page.getByLabel('Organisational unit').selectOption('/Sales');
    await page.getByRole('button', { name: 'Add alias' }).click();
    const alias = page.getByLabel('Alias 1', { exact: true });
    await alias.fill('a.smith@elsewhere.example');
    const aliasProblem = page.locator('#user-aliases-0-problems');
    await aliasProblem.getByText('is not in a hosted domain; add elsewhere.example to domains', { exact: false }).waitFor();
    expect(await save.isDisabled()).toBe(true);
    expect(await alias.getAttribute('aria-describedby')).toBe('user-aliases-0-problems');
    await alias.fill('a.smith@solarmora.com');
    await enabled(save);
    await save.click();
    await page.locator('tr[data-user="alice@solarmora.com"]').waitFor();
    let { doc } = await stored();
    expect(doc.users).toEqual([expect.objectContaining({ address: 'alice@solarmora.com', orgUnit: '/Sales', aliases: ['a.smith@solarmora.com'] })]);

    // An address may belong to one user or group only: the error names who holds it.
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByLabel('Address', { exact: true }).fill('bob@solarmora.com');
    await page.getByRole('button', { name: 'Add alias' }).click();
    await page.getByLabel('Alias 1', { exact: true }).fill('Alice@solarmora.com');
    await page.locator('#user-aliases-0-problems').getByText('is already held by user alice@solarmora.com', { exact: false }).waitFor();
    expect(await save.isDisabled()).toBe(true);
    await page.getByText('problem(s) to fix before saving', { exact: false }).waitFor();
    await noSeriousAxe();
    await screenshot(page, '22-users-duplicate-address');
    await page.getByLabel('Alias 1', { exact: true }).fill('robert@solarmora.com');
    await enabled(save);
    await save.click();
    await page.locator('tr[data-user="bob@solarmora.com"]').waitFor();

    await page.getByRole('button', { name: 'Suspend bob@solarmora.com' }).click();
    await page.getByRole('button', { name: 'Reactivate bob@solarmora.com' }).waitFor();
    ({ doc } = await stored());
    expect(doc.users?.find((u) => u.address === 'bob@solarmora.com')).toMatchObject({ aliases: ['robert@solarmora.com'], status: 'suspended' });

    await page.getByRole('button', { name: 'Delete bob@solarmora.com' }).click();
    await expect.poll(() => page.locator('tr[data-user="bob@solarmora.com"]').count()).toBe(0);
    ({ doc } = await stored());
    expect(doc.users?.map((u) => u.address)).toEqual(['alice@solarmora.com']);
  });

  it('refuses to remove an org unit that has users, and leaves it in place', async () => {
    await go('Organisational units', 'Organisational units');
    await page.locator('li[data-unit="/Sales"] .badge').first().getByText('1 user(s)').waitFor();
    await page.getByRole('button', { name: 'Remove the unit /Sales', exact: true }).click();
    await page.getByRole('alert').getByText('/Sales was not removed: 1 user(s)', { exact: false }).waitFor();
    expect((await stored()).doc.orgUnits).toContain('/Sales');
    // Japan has nobody in it and goes.
    await page.getByRole('button', { name: 'Remove the unit /Sales/Japan' }).click();
    await expect.poll(() => page.locator('li[data-unit="/Sales/Japan"]').count()).toBe(0);
    expect((await stored()).doc.orgUnits).not.toContain('/Sales/Japan');
  });

  it('adds a group with members', async () => {
    await go('Groups', 'Groups');
    await page.getByRole('button', { name: 'Add group' }).click();
    const save = page.getByRole('button', { name: 'Save', exact: true });
    await page.getByLabel('Group address').fill('sales-team@solarmora.com');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByLabel('Member 1', { exact: true }).fill('alice@solarmora.com');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByLabel('Member 2', { exact: true }).fill('not an address');
    await page.locator('#group-members-1-problems').getByText('is not a valid email address', { exact: false }).waitFor();
    expect(await save.isDisabled()).toBe(true);
    await noSeriousAxe();
    await page.getByLabel('Member 2', { exact: true }).fill('partner@elsewhere.example');
    await enabled(save);
    await save.click();
    await page.locator('tr[data-group="sales-team@solarmora.com"]').waitFor();
    await screenshot(page, '23-groups');
    expect((await stored()).doc.groups).toEqual([{ address: 'sales-team@solarmora.com', members: ['alice@solarmora.com', 'partner@elsewhere.example'] }]);
  });

  it('imports YAML: problems by line, then the changes before applying, a clear conflict, and a new version', async () => {
    await go('Configuration', 'Configuration as code');
    const before = await stored();
    await expect.poll(() => page.getByTestId('config-version').textContent()).toBe(`Version ${before.version}`);
    expect(await page.getByTestId('config-yaml').textContent()).toContain('sales-team@solarmora.com');
    await noSeriousAxe();

    const text = page.getByLabel('YAML to import');
    const showChanges = page.getByRole('button', { name: 'Show changes' });
    const apply = page.getByRole('button', { name: 'Apply', exact: true });
    await text.fill('domains: [solarmora.com]\norgUnits: [Sales]\n');
    await showChanges.click();
    const diff = page.getByTestId('config-diff');
    await diff.getByText('line 2', { exact: true }).waitFor();
    await diff.getByText('is not an org unit path', { exact: false }).waitFor();
    expect(await apply.isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Start from the file in force' }).click();
    const current = await text.inputValue();
    expect(current).toContain('solarmora.com');
    const imported = `${current}desk:\n  domain: case.relaydesk.test\n  channels:\n    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }\n`;
    await text.fill(imported);
    await showChanges.click();
    await diff.getByText('Applying this would make', { exact: false }).waitFor();
    expect(await diff.textContent()).toContain('Support');
    // Shown, not applied.
    expect((await stored()).version).toBe(before.version);
    await screenshot(page, '24-configuration-diff');

    // Another admin applies meanwhile: the import must not overwrite that blindly.
    await gw.apply(`${current}smtp: { maxRecipients: 500 }\n`);
    await enabled(apply);
    await apply.click();
    await page.getByRole('alert').getByText('Someone applied another version', { exact: false }).waitFor();
    expect((await stored()).version).toBe(before.version + 1);
    await page.getByRole('button', { name: 'Reload' }).click();
    await showChanges.click();
    await diff.getByText(`to version ${before.version + 1}`, { exact: false }).waitFor();
    await enabled(apply);
    await apply.click();
    await page.getByText(`Applied as version ${before.version + 2}`, { exact: false }).waitFor();
    const after = await stored();
    expect(after.version).toBe(before.version + 2);
    expect(after.doc.desk?.channels?.map((c) => c.name)).toEqual(['Support']);
    expect((await listDeskChannels(gw.store.db)).map((c) => c.name)).toEqual(['Support']);
    await page
      .locator(`tr[data-version="${before.version + 2}"]`)
      .getByText(`${ADMIN} (console)`)
      .waitFor();
    await expect.poll(() => page.getByTestId('config-version').textContent()).toBe(`Version ${before.version + 2}`);
  });

  it("checks a channel's forwarding (failed with the reason, then verified once a rule routes it) and rotates its address", async () => {
    await go('Channels', 'Channels');
    const row = page.locator('tr[data-channel="Support"]');
    await row.waitFor();
    const first = (await row.getByTestId('inbound-address').textContent()) ?? '';
    await noSeriousAxe();

    // No rule takes help@ yet: the check fails at once and says why.
    await page.getByRole('button', { name: 'Verify forwarding of Support' }).click();
    await row.getByText('has nowhere to go', { exact: false }).waitFor();
    expect(await row.getByTestId('verification').textContent()).toContain('Failed');

    await page.getByRole('button', { name: 'Rotate address of Support' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the inbound address of Support' });
    await dialog.getByText('No routing rule sends mail to this channel').waitFor();
    await dialog.getByRole('button', { name: 'Rotate address', exact: true }).click();
    const notice = page.getByTestId('channels-notice');
    await notice.getByText('New inbound address of Support', { exact: false }).waitFor();
    await expect.poll(() => row.getByTestId('inbound-address').textContent()).not.toBe(first);
    const rotated = (await row.getByTestId('inbound-address').textContent()) ?? '';
    expect(await notice.textContent()).toContain(rotated);
    const [support] = await listDeskChannels(gw.store.db);
    expect(support?.inboundAddresses.filter((a) => !a.retired).map((a) => a.address)).toEqual([rotated]);
    expect(support?.inboundAddresses.find((a) => a.address === first)?.retired).toBe(true);
    await screenshot(page, '25-channels-rotated');

    // The seed's rule, pointed at the new address: the check goes round and the page sees it arrive.
    const { yaml } = await exportConfigText(gw.store.db);
    await gw.apply(
      `${yaml}defaultRouting:\n  - description: Forward help to the desk\n    match: { single: help@solarmora.com }\n    modify:\n      changeEnvelopeRecipient: { replaceRecipient: ${rotated} }\n`,
    );
    await page.getByRole('button', { name: 'Verify forwarding of Support' }).click();
    await eventually(async () => (await row.getByTestId('verification').textContent())?.includes('Verified'), 20_000, 'the page to show the channel verified');
    const [verified] = await listDeskChannels(gw.store.db);
    expect(verified?.verification.state).toBe('verified');
  });

  it('edits a channel: its name stays, its acknowledgement setting changes', async () => {
    // The test before applied a version behind the page's back; a save from it would get a 409.
    await page.reload();
    await go('Channels', 'Channels');
    await page.getByRole('button', { name: 'Edit the channel Support' }).click();
    const form = page.getByRole('region', { name: 'Edit the channel Support' });
    expect(await form.getByLabel('Channel name').getAttribute('readonly')).not.toBeNull();
    await form.getByLabel('Acknowledge each new case by email').check();
    const save = form.getByRole('button', { name: 'Save', exact: true });
    await expect.poll(() => save.isEnabled()).toBe(true);
    await save.click();
    await form.waitFor({ state: 'detached' });
    const [support] = await listDeskChannels(gw.store.db);
    expect(support?.autoAcknowledge).toBe(true);
    expect(support?.name).toBe('Support');
  });

  it("shows a warning the check gives elsewhere (a rule's source address held by a user) without blocking Save", async () => {
    await go('Users', 'Mail users');
    await page.getByRole('button', { name: 'Edit alice@solarmora.com' }).click();
    await page.getByRole('button', { name: 'Add alias' }).click();
    await page.getByLabel('Alias 2', { exact: true }).fill('help@solarmora.com');
    const elsewhere = page.locator('.other-problems');
    await elsewhere.getByText('so this rule never applies', { exact: false }).waitFor();
    expect(await elsewhere.locator('.field-warning').count()).toBeGreaterThan(0);
    await enabled(page.getByRole('button', { name: 'Save', exact: true }));
    await screenshot(page, '27-users-warning');
    await page.getByRole('button', { name: 'Close the form' }).click();
    expect((await stored()).doc.users?.[0]?.aliases).toEqual(['a.smith@solarmora.com']);
  });

  it('shows the users page in Japanese', async () => {
    const { page: ja } = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(ja, baseUrl, ADMIN);
      await ja.getByRole('navigation').getByRole('link', { name: 'ユーザー', exact: true }).click();
      await ja.getByRole('heading', { level: 1, name: 'メールユーザー' }).waitFor();
      await ja.locator('tr[data-user="alice@solarmora.com"]').getByText('有効').waitFor();
      await ja.getByRole('button', { name: 'ユーザーを追加' }).click();
      await ja.getByLabel('アドレス', { exact: true }).fill('carol@solarmora.com');
      await ja.getByRole('button', { name: 'エイリアスを追加' }).click();
      await ja.getByLabel('エイリアス 1', { exact: true }).fill('a.smith@solarmora.com');
      await ja.locator('#user-aliases-0-problems').getByText('エラー:', { exact: false }).waitFor();
      expect(await seriousAxeViolations(ja)).toEqual([]);
      await screenshot(ja, '26-users-ja');
    } finally {
      await ja.context().close();
    }
  });
});
