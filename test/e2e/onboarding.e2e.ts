/**
 * The first steps in chromium: after the setup link the new admin lands on the checklist,
 * a test message by MX fails with its reason while no smarthost is set, each step ticks as
 * what it asks for is set up, "send a test" on the hosts page proves the smarthost, the
 * checklist goes away once all is done; in Japanese it reads naturally and can be hidden,
 * for good, by the admin who hid it.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createApiToken } from '../../src/accounts/index.js';
import { listDeskChannels } from '../../src/store/index.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { startTestNode, type TestNode } from '../support/relaydesk.js';
import { launchBrowser, logIn, PASSWORD, screenshot, seriousAxeViolations, type Browsing } from './harness.js';

describe('the first-steps checklist in chromium', () => {
  let gw: TestNode;
  let sink: Sink;
  let browsing: Browsing;
  let baseUrl: string;
  const pages: Page[] = [];
  const open = async (opts?: { locale?: string }) => {
    const { page } = await browsing.newPage(opts);
    pages.push(page);
    return page;
  };

  const domains = 'domains: [solarmora.com]\n';
  const hosts = () => `hosts:
  - { name: relay, host: 127.0.0.1, port: ${sink.port}, tls: none }
outbound: { smarthost: relay }
`;
  const desk = `desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
`;
  const rule = (inbound: string) => `defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
`;
  const doneSteps = (page: Page) =>
    page.locator('[data-testid=onboarding] li[data-done=true]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
  /** Reloads and waits for the checklist's answer, so what shows is what the server said. */
  const reloaded = async (page: Page) => {
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/onboarding')), page.reload()]);
    await page.getByTestId('current-user').waitFor();
  };
  const reloadUntil = async (page: Page, steps: string[]) => {
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByTestId('onboarding').waitFor();
          return doneSteps(page);
        },
        { timeout: 15_000 },
      )
      .toEqual(steps);
  };

  beforeAll(async () => {
    [sink, browsing] = await Promise.all([startSink(), launchBrowser()]);
    gw = await startTestNode({ dialect: 'sqlite', roles: ['inbound', 'queue', 'web'] });
    baseUrl = `http://127.0.0.1:${gw.node.httpPort}`;
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.context().close();
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await gw?.stop();
    await sink?.stop();
  });

  it('lands the new admin on the checklist and ticks each step as it is done, until the list goes away', async () => {
    const page = await open();
    await page.goto(gw.node.setupLink!);
    await page.getByLabel('Admin email').fill('admin@solarmora.com');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin' }).click();
    const list = page.getByTestId('onboarding');
    await list.waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/dashboard');
    expect(await page.getByRole('heading', { name: 'First steps' }).isVisible()).toBe(true);
    expect(await page.getByTestId('onboarding-progress').textContent()).toBe('0 of 5 done');
    expect(await list.locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')))).toEqual([
      'domain',
      'outbound',
      'channel',
      'routing',
      'routeTest',
    ]);
    // Each step links to the page that does it.
    expect(await list.getByRole('link', { name: 'Open Hosts' }).getAttribute('href')).toBe('/admin/hosts');
    expect(await list.getByRole('link', { name: 'Open Domains' }).getAttribute('href')).toBe('/admin/domains');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // No smarthost: the test goes by MX, and this machine has no DNS answer for the domain.
    await gw.apply(domains);
    await reloadUntil(page, ['domain']);
    await list.getByLabel('Send a test to').fill('someone@customer.example');
    await list.getByRole('button', { name: 'Send a test' }).click();
    const result = list.getByTestId('outbound-test-result');
    await expect.poll(() => result.textContent(), { timeout: 25_000 }).toContain('Not delivered through the MX of customer.example.');
    expect(await result.textContent()).toContain('No mail server of the domain could be reached.');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'onboarding-mx-failed');

    await gw.apply(domains + hosts());
    await reloadUntil(page, ['domain', 'outbound']);
    await gw.apply(domains + hosts() + desk);
    await reloadUntil(page, ['domain', 'outbound', 'channel']);
    const inbound = (await listDeskChannels(gw.store.db))[0]!.inboundAddresses[0]!.address;
    await gw.apply(domains + hosts() + desk + rule(inbound));
    await reloadUntil(page, ['domain', 'outbound', 'channel', 'routing']);
    expect(await page.getByTestId('onboarding-progress').textContent()).toBe('4 of 5 done');
    await screenshot(page, 'onboarding-four-done');

    const token = (await createApiToken(gw.store.db, { name: 'route-test', role: 'admin', now: Date.now() })).token;
    const tested = await fetch(`${baseUrl}/api/routing/test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ address: 'help@solarmora.com' }),
    });
    expect(tested.status).toBe(202);
    await expect
      .poll(
        async () => {
          await reloaded(page);
          return page.getByTestId('onboarding').count();
        },
        { timeout: 15_000 },
      )
      .toBe(0);
  });

  it('sends a test through the smarthost from the hosts page and shows the next hop’s reply', async () => {
    const page = await open();
    await logIn(page, baseUrl, 'admin@solarmora.com');
    await page.goto(`${baseUrl}/admin/hosts`);
    await page.getByLabel('Send a test to').fill('someone@customer.example');
    await page.getByRole('button', { name: 'Send a test' }).click();
    const result = page.getByTestId('outbound-test-result');
    await expect
      .poll(() => result.textContent(), { timeout: 25_000 })
      .toMatch(/^Delivered through the smarthost relay \(127\.0\.0\.1:\d+\) in [\d.]+ s\. Reply: 250 /);
    await sink.waitFor((m) => m.rcptTo.includes('someone@customer.example'));
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('reads naturally in Japanese and stays hidden for the admin who hid it', async () => {
    // With the smarthost and the desk gone from the configuration, steps are open again.
    await gw.apply(domains);
    await addUser(gw.store.db, { email: 'hanako@solarmora.com', role: 'admin', password: PASSWORD, now: Date.now() });
    const page = await open({ locale: 'ja-JP' });
    await logIn(page, baseUrl, 'hanako@solarmora.com');
    const list = page.getByTestId('onboarding');
    await list.waitFor();
    expect(await page.getByRole('heading', { name: 'はじめの設定' }).isVisible()).toBe(true);
    expect(await list.getByRole('link', { name: 'ホストを開く' }).getAttribute('href')).toBe('/admin/hosts');
    expect(await list.locator('li[data-step=outbound]').textContent()).toContain('送信経路を設定する（スマートホストまたはホスト）');
    expect(await list.getByRole('button', { name: 'テストメールを送信' }).isVisible()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'onboarding-ja');

    await list.getByRole('button', { name: 'チェックリストを非表示にする' }).click();
    expect(await list.count()).toBe(0);
    await reloaded(page);
    expect(await page.getByTestId('onboarding').count()).toBe(0);

    // Another admin has not hidden it.
    const other = await open();
    await logIn(other, baseUrl, 'admin@solarmora.com');
    await other.getByTestId('onboarding').waitFor();
  });
});
