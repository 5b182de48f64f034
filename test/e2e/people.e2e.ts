/**
 * The console users page: an admin adds an agent whose generated password is shown once and
 * works in another browser; a reset ends the agent's open session; roles change both ways;
 * the last enabled admin cannot demote, disable or delete themself (the server's sentence is
 * shown); delete asks first. Every change is checked in the store as well.
 */
import type { Dialog, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listUsers } from '../../src/store/index.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startConsoleNode, type Browsing, type ConsoleNode, type InPage } from './harness.js';

const ADMIN = 'admin@solarmora.com';
const AGENT_EMAIL = 'agent@solarmora.com';
const AMY = 'amy@solarmora.com';
const GENERATED = /^[a-z0-9]{6}(-[a-z0-9]{6}){3}$/;
const LAST_ADMIN = /that would leave no enabled admin/;

describe('console users in chromium', () => {
  let node: ConsoleNode;
  let browsing: Browsing;
  let page: Page;
  let baseUrl: string;
  /** The agent's own browser: a second context, so a second session. */
  let agentPage: Page;
  let amyPassword = '';

  beforeAll(async () => {
    [node, browsing] = await Promise.all([startConsoleNode(() => 'domains: [solarmora.com]\n'), launchBrowser()]);
    ({ baseUrl } = node);
    ({ page } = await browsing.newPage());
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    ({ page: agentPage } = await browsing.newPage());
    await logIn(page, baseUrl, ADMIN);
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
  });

  const stored = async (email: string) => (await listUsers(node.gw.store.db)).find((u) => u.email === email);
  const row = (email: string) => page.locator(`tr[data-user="${email}"]`);
  const secretBox = () => page.getByTestId('one-time-password');
  const problem = () => page.getByTestId('people-problem');
  /** Answers the next confirm() and keeps its text. */
  const nextDialog = (answer: 'accept' | 'dismiss') =>
    new Promise<string>((resolve) => {
      page.once('dialog', (d: Dialog) => {
        resolve(d.message());
        void (answer === 'accept' ? d.accept() : d.dismiss());
      });
    });

  it('lists the console users and marks the signed-in admin as "you"', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Console accounts' }).click();
    await page.getByRole('heading', { name: 'Console accounts', level: 1 }).waitFor();
    await row(AGENT_EMAIL).waitFor();
    expect(await row(ADMIN).getByText('you', { exact: true }).count()).toBe(1);
    expect(await row(AGENT_EMAIL).getByText('you', { exact: true }).count()).toBe(0);
    expect(await row(ADMIN).textContent()).toContain('Admin');
    expect(await row(AGENT_EMAIL).textContent()).toMatch(/Agent.*Enabled.*Never/);
    // Your own password is changed on the Account page, where the current one is asked for.
    expect(
      await row(ADMIN)
        .getByRole('button', { name: /^Reset password/ })
        .count(),
    ).toBe(0);
    expect(await row(ADMIN).getByRole('link', { name: 'Change your password' }).getAttribute('href')).toBe('/account');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'people-01-list');
  });

  it('adds an agent with a generated password shown once, which signs the agent in elsewhere', async () => {
    await page.getByLabel('Email', { exact: true }).fill(AMY);
    expect(await page.getByLabel('Role', { exact: true }).inputValue()).toBe('agent');
    expect(await page.getByLabel('Generate a password (shown once)').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Add account' }).click();

    await secretBox()
      .getByRole('heading', { name: `Initial password for ${AMY}` })
      .waitFor();
    amyPassword = (await page.getByTestId('one-time-password-value').textContent()) ?? '';
    expect(amyPassword).toMatch(GENERATED);
    expect(await secretBox().textContent()).toContain('it is not shown again');
    await row(AMY).waitFor();
    // The notice may render a moment after the box: wait for its text, do not read it at once.
    await page.getByTestId('people-notice').getByText(`${AMY} is added with the role Agent.`, { exact: true }).waitFor();
    await secretBox()
      .getByRole('button', { name: `Copy the password for ${AMY}` })
      .click();
    await secretBox().getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => (globalThis as InPage).navigator.clipboard.readText())).toBe(amyPassword);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'people-02-initial-password');
    expect(await stored(AMY)).toMatchObject({ role: 'agent', disabled: false });

    await secretBox().getByRole('button', { name: 'I have saved it' }).click();
    expect(await secretBox().count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain(amyPassword);

    await logIn(agentPage, baseUrl, AMY, amyPassword);
    expect(await agentPage.getByTestId('current-user').textContent()).toContain(AMY);
    await page.reload();
    await row(AMY).waitFor();
    expect(await row(AMY).textContent()).not.toContain('Never');
    expect((await stored(AMY))?.lastLoginAt).not.toBeNull();
  });

  it("resets the agent's password after a confirm: the agent's open session ends and only the new password works", async () => {
    const resetButton = row(AMY).getByRole('button', { name: `Reset password for ${AMY}` });
    const asked = nextDialog('dismiss');
    await resetButton.click();
    expect(await asked).toMatch(/^Reset the password of amy@solarmora\.com\?/);
    expect(await secretBox().count()).toBe(0);

    const confirmed = nextDialog('accept');
    await resetButton.click();
    await confirmed;
    await secretBox()
      .getByRole('heading', { name: `New password for ${AMY}` })
      .waitFor();
    const next = (await page.getByTestId('one-time-password-value').textContent()) ?? '';
    expect(next).toMatch(GENERATED);
    expect(next).not.toBe(amyPassword);
    await page.getByTestId('people-notice').getByText('their sessions have ended').waitFor();
    await screenshot(page, 'people-03-reset-password');

    // The agent's next request finds the session gone and lands on the sign-in page.
    await agentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads' }).click();
    await agentPage.getByText('Your session has ended. Please sign in again.').waitFor();
    await agentPage.getByRole('button', { name: 'Sign in' }).waitFor();
    await agentPage.getByLabel('Email').fill(AMY);
    await agentPage.getByLabel('Password').fill(amyPassword);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByText('The email or password is not right.', { exact: false }).waitFor();
    await logIn(agentPage, baseUrl, AMY, next);
    amyPassword = next;
    await secretBox().getByRole('button', { name: 'I have saved it' }).click();
  });

  it('makes the agent an admin, then an agent again', async () => {
    await row(AMY)
      .getByRole('button', { name: `Make admin: ${AMY}` })
      .click();
    await row(AMY)
      .getByRole('button', { name: `Make agent: ${AMY}` })
      .waitFor();
    await page.getByTestId('people-notice').getByText(`${AMY} now has the role Admin.`, { exact: true }).waitFor();
    expect((await stored(AMY))?.role).toBe('admin');

    await row(AMY)
      .getByRole('button', { name: `Make agent: ${AMY}` })
      .click();
    await row(AMY)
      .getByRole('button', { name: `Make admin: ${AMY}` })
      .waitFor();
    expect((await stored(AMY))?.role).toBe('agent');
  });

  it('disables a user, whose session ends and who cannot sign in, then enables them again', async () => {
    await row(AMY)
      .getByRole('button', { name: `Disable ${AMY}` })
      .click();
    await row(AMY).getByText('Disabled', { exact: true }).waitFor();
    expect((await stored(AMY))?.disabled).toBe(true);
    await agentPage.reload();
    await agentPage.getByLabel('Email').fill(AMY);
    await agentPage.getByLabel('Password').fill(amyPassword);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByText('The email or password is not right.', { exact: false }).waitFor();

    await row(AMY)
      .getByRole('button', { name: `Enable ${AMY}` })
      .click();
    await row(AMY).getByText('Enabled', { exact: true }).waitFor();
    expect((await stored(AMY))?.disabled).toBe(false);
    await logIn(agentPage, baseUrl, AMY, amyPassword);
  });

  it("keeps the last enabled admin: demote, disable and delete of yourself show the server's sentence", async () => {
    const attempts = [
      { button: `Make agent: ${ADMIN}`, lead: `The role of ${ADMIN} was not changed.`, asks: /^Make yourself an agent\?/ },
      { button: `Disable ${ADMIN}`, lead: `The status of ${ADMIN} was not changed.`, asks: /^Disable your own account\?/ },
      { button: `Delete ${ADMIN}`, lead: `${ADMIN} was not deleted.`, asks: /^Delete your own account\?/ },
    ];
    for (const a of attempts) {
      const asked = nextDialog('accept');
      await row(ADMIN).getByRole('button', { name: a.button }).click();
      expect(await asked).toMatch(a.asks);
      await problem().getByText(a.lead).waitFor();
      expect(await problem().textContent()).toMatch(LAST_ADMIN);
      expect(await problem().getAttribute('role')).toBe('alert');
    }
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'people-04-last-admin');
    expect(await stored(ADMIN)).toMatchObject({ role: 'admin', disabled: false });
    expect(await page.getByTestId('current-user').textContent()).toContain(ADMIN);
  });

  it("shows the server's sentences for a bad email, a short password and a taken email", async () => {
    const email = page.getByLabel('Email', { exact: true });
    const add = page.getByRole('button', { name: 'Add account' });
    await email.fill('not-an-email');
    await add.click();
    await problem().getByText('The account was not added.').waitFor();
    expect(await problem().textContent()).toContain('must be an email address like ana@solarmora.com');

    await email.fill('bo@solarmora.com');
    await page.getByLabel('Set a password').check();
    await page.getByLabel('Their password').fill('short');
    await add.click();
    await problem()
      .getByText(/a password needs at least 10 characters/)
      .waitFor();
    expect(await stored('bo@solarmora.com')).toBeUndefined();

    await email.fill(AMY);
    await page.getByLabel('Their password').fill('long enough password');
    await add.click();
    await problem()
      .getByText(/a user amy@solarmora\.com exists already/)
      .waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'people-05-problems');

    await email.fill('bo@solarmora.com');
    await add.click();
    await row('bo@solarmora.com').waitFor();
    // A password the admin chose is not echoed back.
    expect(await secretBox().count()).toBe(0);
    expect(await problem().count()).toBe(0);
    expect(await stored('bo@solarmora.com')).toMatchObject({ role: 'agent' });
  });

  it('deletes a user only after a confirm', async () => {
    const del = row(AMY).getByRole('button', { name: `Delete ${AMY}` });
    const refused = nextDialog('dismiss');
    await del.click();
    expect(await refused).toBe(`Delete ${AMY}? They can no longer sign in, and their open sessions end.`);
    expect(await stored(AMY)).toBeDefined();

    const accepted = nextDialog('accept');
    await del.click();
    await accepted;
    await page.getByTestId('people-notice').getByText(`${AMY} is deleted.`).waitFor();
    expect(await row(AMY).count()).toBe(0);
    expect(await stored(AMY)).toBeUndefined();
    await agentPage.reload();
    await agentPage.getByRole('button', { name: 'Sign in' }).waitFor();
    expect((await listUsers(node.gw.store.db)).map((u) => u.email).sort()).toEqual([ADMIN, 'agent@solarmora.com', 'bo@solarmora.com']);
  });

  it('reads in Japanese, one-time password box and refusal included', async () => {
    const { context, page: ja } = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(ja, baseUrl, ADMIN);
      await ja.getByRole('navigation').getByRole('link', { name: 'コンソールのアカウント' }).click();
      await ja.getByRole('heading', { level: 1, name: 'コンソールのアカウント' }).waitFor();
      await ja.locator(`tr[data-user="${ADMIN}"]`).getByText('あなた', { exact: true }).waitFor();
      await ja.getByLabel('メールアドレス', { exact: true }).fill('kenji@solarmora.com');
      await ja.getByRole('button', { name: 'アカウントを追加' }).click();
      await ja.getByRole('heading', { name: 'kenji@solarmora.com の初期パスワード' }).waitFor();
      ja.once('dialog', (d) => void d.accept());
      await ja.getByRole('button', { name: `${ADMIN} を削除` }).click();
      await ja.getByTestId('people-problem').getByText(`${ADMIN} は削除されませんでした。`).waitFor();
      expect(await seriousAxeViolations(ja)).toEqual([]);
      await screenshot(ja, 'people-06-ja');
    } finally {
      await context.close();
    }
  });
});
