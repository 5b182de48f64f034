/**
 * The seed, click by click, on a node with no domain, channel or rule: the admin adds the
 * domain, the Support channel and the default routing rule help@ → the channel's inbound
 * address with an added recipient, tests the route, and a customer's mail sent with swaks
 * becomes a case that an agent sees without a reload and answers; the answer reaches the
 * customer threaded, and the email log shows every hop. Then the same console in Japanese.
 * A screenshot of each step goes to test-artifacts/e2e/seed-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exportConfigText } from '../../src/config/io/apply.js';
import { parseConfigText } from '../../src/config/index.js';
import type { Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import type { TestNode } from '../support/relaydesk.js';
import {
  launchBrowser,
  logIn,
  screenshot,
  seriousAxeViolations,
  startConsoleNode,
  worldHost,
  type Browsing,
  type ConsoleNode,
  type InPage,
} from './harness.js';

describe('the seed, click by click, in chromium', () => {
  let node: ConsoleNode;
  let gw: TestNode;
  let sink: Sink;
  let browsing: Browsing;
  let admin: Page;
  let agent: Page;
  let baseUrl: string;
  let inbound = '';
  let caseNumber = 0;
  let step = 0;
  const shot = (page: Page, name: string) => screenshot(page, `seed-${String(++step).padStart(2, '0')}-${name}`);
  const nav = (page: Page, name: string) =>
    page
      .getByRole('navigation', { name: /^(Main|メイン)$/ })
      .getByRole('link', { name, exact: true })
      .click();

  beforeAll(async () => {
    // Only the way out to the customers' servers is configured; the admin does the rest.
    [node, browsing] = await Promise.all([startConsoleNode(worldHost), launchBrowser()]);
    ({ gw, sink, baseUrl } = node);
    ({ page: admin } = await browsing.newPage());
    ({ page: agent } = await browsing.newPage());
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
  });

  it('1. the admin signs in and adds the domain solarmora.com', async () => {
    await logIn(admin, baseUrl, 'admin@solarmora.com');
    await shot(admin, 'signed-in');
    await nav(admin, 'Domains');
    await admin.getByLabel('Domain name').fill('solarmora.com');
    await admin.getByRole('button', { name: 'Add domain' }).click();
    await admin.getByRole('cell', { name: 'solarmora.com', exact: true }).waitFor();
    await expect
      .poll(async () => {
        const c = parseConfigText((await exportConfigText(gw.store.db)).yaml);
        return c.ok ? c.config.domains : [];
      })
      .toEqual(['solarmora.com']);
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await shot(admin, 'domain-added');
  });

  it('2. adds the Support channel and gets its generated inbound address', async () => {
    await nav(admin, 'Channels');
    await admin.getByRole('button', { name: 'Add channel' }).click();
    const form = admin.getByRole('region', { name: 'Add a channel' });
    expect(await form.getByLabel('Desk domain').inputValue()).toBe('case.solarmora.com');
    await form.getByLabel('Channel name').fill('Support');
    await form.getByLabel('Kind').selectOption('support');
    await form.getByLabel('Public address (optional)').fill('help@solarmora.com');
    await form.getByLabel('Acknowledge each new case by email').uncheck();
    await shot(admin, 'channel-form');
    const add = form.getByRole('button', { name: 'Add channel' });
    await expect.poll(() => add.isEnabled()).toBe(true);
    await add.click();
    await admin.getByTestId('inbound-address').waitFor();
    inbound = (await admin.getByTestId('inbound-address').textContent()) ?? '';
    // The seed's shape: support@v1su0245ewejzhe7.case.my-crm.com
    expect(inbound).toMatch(/^support@[a-z0-9]{16}\.case\.solarmora\.com$/);
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await shot(admin, 'channel-added');
  });

  it('3. opens Default routing and adds help@ → the inbound address, with an added recipient', async () => {
    await nav(admin, 'Default routing');
    await admin.getByRole('button', { name: 'Configure' }).click();
    const ed = admin.getByRole('region', { name: 'Add setting' });
    await ed.getByLabel('Description').fill('Forward help to the desk');
    await ed.getByLabel('Email address').fill('help@solarmora.com');
    await ed.getByLabel('Change envelope recipient').check();
    await ed.getByLabel('New recipient').fill(inbound);
    await ed.getByLabel('Add more recipients').check();
    await ed.getByLabel('Recipient 1', { exact: true }).fill('archive@customer.example');
    await ed.getByText('Saving will make').waitFor();
    await shot(admin, 'rule-editor');
    const save = ed.getByRole('button', { name: 'Save', exact: true });
    await expect.poll(() => save.isEnabled()).toBe(true);
    await save.click();
    const row = admin.locator('tr[data-rule="Forward help to the desk"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('help@solarmora.com');
    expect(await row.textContent()).toContain(`recipient → ${inbound}`);
    expect(await row.textContent()).toContain('also to archive@customer.example');
    expect(await admin.getByTestId('routing-version').textContent()).toMatch(/is in force: this node routes mail with it now/);
    await admin.getByText(/Saved Forward help to the desk\. Saved as version \d+/).waitFor();
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await shot(admin, 'rule-in-table');
  });

  it('4. tests the route: the test mail is followed to the desk until its case exists', async () => {
    await admin.getByRole('button', { name: 'Test the route of the rule Forward help to the desk' }).click();
    const panel = admin.getByRole('region', { name: /^Test the route/ });
    expect(await panel.getByLabel('Send to').inputValue()).toBe('help@solarmora.com');
    await panel.getByRole('button', { name: 'Send test mail' }).click();
    const caseLink = panel.getByRole('link', { name: /^Case #\d+ is open in the Support channel$/ });
    await caseLink.waitFor({ timeout: 20_000 });
    await panel.getByText('Every copy has reached its destination.').waitFor();
    const result = (await panel.getByTestId('route-test-result').textContent()) ?? '';
    expect(result).toContain(inbound);
    expect(result).toContain('archive@customer.example');
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await shot(admin, 'route-tested');
    await caseLink.click();
    await admin.getByRole('heading', { level: 1, name: /Route test/ }).waitFor();
  });

  it("5. a customer's mail, sent with swaks, appears in the agent's list without a reload", async () => {
    await logIn(agent, baseUrl, 'agent@solarmora.com');
    // The route test's case is a test: closed and left out of the agents' default view.
    await agent.getByText('No cases match this view.').waitFor();
    expect(await agent.getByRole('link', { name: /Route test/ }).count()).toBe(0);
    await agent.evaluate(() => {
      (globalThis as InPage).__sameDocument = true;
    });
    const sent = await swaks([
      '--server',
      `127.0.0.1:${gw.smtpPort}`,
      '--from',
      'dana@customer.example',
      '--to',
      'help@solarmora.com',
      '--header',
      'From: Dana Customer <dana@customer.example>',
      '--header',
      'Subject: Order 1234 arrived broken',
      '--header',
      'Message-Id: <seed-order-1234@customer.example>',
      '--body',
      'The vase was in pieces.\nCan you send another?',
    ]);
    expect(sent.lastReply, sent.stdout + sent.stderr).toMatch(/^250 /);
    const link = agent.getByRole('link', { name: 'Order 1234 arrived broken' });
    await link.waitFor({ timeout: 20_000 });
    expect(await agent.evaluate(() => (globalThis as InPage).__sameDocument)).toBe(true);
    await shot(agent, 'case-appears');
    // The rule's added recipient got its copy too.
    await sink.waitFor((m) => m.rcptTo.includes('archive@customer.example') && m.raw.includes('Order 1234'), 10_000);
    await link.click();
    await agent.getByRole('heading', { level: 1, name: /Order 1234 arrived broken/ }).waitFor();
    caseNumber = Number(/\/cases\/(\d+)$/.exec(agent.url())?.[1]);
    expect(caseNumber).toBeGreaterThan(1000);
  });

  it('6. the agent replies; the answer reaches the customer with the threading headers', async () => {
    await agent.getByLabel('Reply to dana@customer.example').fill('A new vase leaves today.');
    await agent.getByRole('button', { name: 'Send reply' }).click();
    await agent.locator('[data-direction="out"]').waitFor();
    await shot(agent, 'replied');
    const answer = await sink.waitFor((m) => m.rcptTo.includes('dana@customer.example') && m.raw.includes('A new vase leaves today.'), 15_000);
    const text = answer.raw.toString().replace(/\r\n[ \t]+/g, ' ');
    expect(text).toMatch(/^In-Reply-To: <seed-order-1234@customer\.example>/m);
    expect(text).toMatch(/^References: .*<seed-order-1234@customer\.example>/m);
    expect(text).toMatch(new RegExp(`^Subject: .*\\[#${caseNumber}\\]`, 'm'));
    expect(answer.mailFrom).toBe('help@solarmora.com');
  });

  it("7. the email log shows every hop of the customer's mail", async () => {
    await nav(admin, 'Email log');
    await admin.getByLabel('Sender contains').fill('dana@customer.example');
    await admin.getByLabel('Subject contains').fill('Order 1234');
    await admin.getByRole('button', { name: 'Search' }).click();
    // The customer's mail only: the answer (from help@) has the subject too.
    await expect.poll(() => admin.getByRole('button', { name: /^Show the trace of / }).count()).toBe(1);
    await admin.getByRole('button', { name: /^Show the trace of / }).click();
    const trace = admin.getByRole('region', { name: /^Trace of / });
    await trace.getByText(`#${caseNumber}`).first().waitFor();
    const text = (await trace.textContent()) ?? '';
    for (const hop of ['inbound.envelope', 'spam.verdict', 'routing.rule_applied', 'inbound.accepted', 'queue.delivered']) expect(text, hop).toContain(hop);
    expect(text).toContain(inbound);
    expect(text).toContain('archive@customer.example');
    expect(text).toContain(`#${caseNumber}`);
    expect(await seriousAxeViolations(admin)).toEqual([]);
    await shot(admin, 'trace');
  });

  it('8. the same console in Japanese', async () => {
    await admin.getByLabel('Language').selectOption('ja');
    await nav(admin, 'デフォルト ルーティング');
    await admin.getByRole('heading', { level: 1, name: 'デフォルト ルーティング' }).waitFor();
    expect(await admin.locator('tr[data-rule="Forward help to the desk"]').textContent()).toContain('有効');
    await admin.getByRole('button', { name: '別のルールを追加' }).click();
    await admin.getByText('1. 一致させるエンベロープ受信者を指定').waitFor();
    await shot(admin, 'ja-routing');
    await admin.getByRole('button', { name: 'キャンセル' }).click();
    await admin.goto(`${baseUrl}/cases/${caseNumber}`);
    await admin.getByRole('heading', { level: 1, name: /Order 1234 arrived broken/ }).waitFor();
    expect(await admin.locator('html').getAttribute('lang')).toBe('ja');
    await shot(admin, 'ja-case');
  });
});
