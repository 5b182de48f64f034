/**
 * API tokens and webhooks in the console: a token made in the page is shown once and works
 * with its role until it is revoked; a webhook added in the page receives a customer's new
 * case, signed with the secret the page showed once, and nothing after it is removed. Both
 * pages in Japanese too.
 */
import http from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/desk/webhook-format.js';
import { listWebhooks } from '../../src/store/index.js';
import { eventually } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startDesk, type Browsing, type Desk, type InPage } from './harness.js';

const ADMIN = 'admin@solarmora.com';

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Stands in for a CRM's webhook endpoint: every POST, as it arrived, answered 200. */
async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/relaydesk`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('API tokens and webhooks in chromium', () => {
  let desk: Desk;
  let browsing: Browsing;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let page: Page;
  /** The agent token made in the first test; it stays valid for the later ones. */
  let agentToken = '';

  /** A REST call as a program would make it, with a token from the page. */
  const call = (path: string, token: string) => fetch(`${desk.baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  const openPage = async (p: Page, link: string, heading: string) => {
    await p
      .getByRole('navigation', { name: /^(Main|メイン)$/ })
      .getByRole('link', { name: link, exact: true })
      .click();
    await p.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  beforeAll(async () => {
    // The receiver is on loopback, where webhooks go only when the configuration allows it.
    [desk, browsing, rx] = await Promise.all([startDesk(undefined, { allowPrivateWebhooks: true }), launchBrowser(), startReceiver()]);
    await desk.addUser(ADMIN, 'admin');
    ({ page } = await browsing.newPage());
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: desk.baseUrl });
    await logIn(page, desk.baseUrl, ADMIN);
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
    await rx?.close();
  });

  it('makes an API token that is shown once and works with its role; the server says why a name is refused', async () => {
    await openPage(page, 'API tokens and webhooks', 'API tokens and webhooks');
    await page.getByText('No API tokens yet.').waitFor();
    await page.getByText('No webhooks yet.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);

    const form = page.getByRole('form', { name: 'New API token' });
    await form.getByLabel('Token name').fill('crm sync');
    await form.getByRole('button', { name: 'Create token' }).click();
    await form
      .getByRole('alert')
      .getByText('the token name "crm sync" must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit')
      .waitFor();

    await form.getByLabel('Token name').fill('crm-sync');
    await form.getByLabel('Role').selectOption('agent');
    await form.getByRole('button', { name: 'Create token' }).click();
    const box = page.getByTestId('new-token');
    await box.waitFor();
    const token = (await page.getByTestId('new-token-value').textContent()) ?? '';
    expect(token).toMatch(/^rd_[a-z0-9]{40}$/);
    agentToken = token;
    expect(await box.textContent()).toContain('it is not shown again');
    expect(await box.getByRole('heading').textContent()).toContain('Shown once');
    await box.getByRole('button', { name: 'Copy the API token' }).click();
    await box.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => (globalThis as InPage).navigator.clipboard.readText())).toBe(token);
    const row = page.locator('tr[data-token="crm-sync"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Agent');
    expect(await row.textContent()).toContain(`${token.slice(0, 7)}…`);
    expect(await row.textContent()).toContain('Never');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'integrations-01-token-shown-once');

    // The token in the box is the one the API takes, with the role chosen: an agent's.
    expect((await call('/api/cases', token)).status).toBe(200);
    expect((await call('/api/config', token)).status).toBe(403);
    expect(await (await call('/api/me', token)).json()).toEqual({ kind: 'token', name: 'crm-sync', role: 'agent' });

    // Same name again: the server's 409 sentence.
    await form.getByLabel('Token name').fill('crm-sync');
    await form.getByRole('button', { name: 'Create token' }).click();
    await form.getByRole('alert').getByText('a token named "crm-sync" exists; revoke it first or choose another name').waitFor();

    // Once dismissed, or after a reload, the token is nowhere in the page; the row now says when it was used.
    await box.getByRole('button', { name: 'I have copied it' }).click();
    await expect.poll(() => box.count()).toBe(0);
    await page.reload();
    await row.waitFor();
    expect(await page.content()).not.toContain(token);
    expect(await row.textContent()).not.toContain('Never');
  });

  it('revokes a token only once confirmed; the API then refuses it', async () => {
    const token = await (async () => {
      await page.getByLabel('Token name').fill('temporary');
      await page.getByLabel('Role').selectOption('admin');
      await page.getByRole('button', { name: 'Create token' }).click();
      return (await page.getByTestId('new-token-value').textContent()) ?? '';
    })();
    expect((await call('/api/config', token)).status).toBe(200);
    const row = page.locator('tr[data-token="temporary"]');
    expect(await row.textContent()).toContain('Admin');

    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await row.getByRole('button', { name: 'Revoke token temporary' }).click();
    expect(asked).toEqual(['Revoke the token “temporary”? Programs that use it are refused from now on.']);
    expect(await row.count()).toBe(1);
    expect((await call('/api/config', token)).status).toBe(200);

    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Revoke token temporary' }).click();
    await expect.poll(() => page.getByTestId('tokens-outcome').textContent()).toBe('Token “temporary” revoked.');
    expect(await row.count()).toBe(0);
    // The box of a revoked token would show a dead credential.
    expect(await page.getByTestId('new-token').count()).toBe(0);
    expect((await call('/api/config', token)).status).toBe(401);
    expect((await call('/api/cases', token)).status).toBe(401);
    expect(await page.locator('tr[data-token="crm-sync"]').count()).toBe(1);
  });

  it('adds a webhook that receives a new case signed with the secret shown once, and nothing after it is removed', async () => {
    const form = page.getByRole('form', { name: 'New webhook' });
    await form.getByLabel('Receiver URL').fill(rx.url);
    await form.getByRole('button', { name: 'Add webhook' }).click();
    await form
      .getByRole('alert')
      .getByText(/name at least one event/)
      .waitFor();

    await form.getByLabel(/case\.created/).check();
    await form.getByLabel(/lead\.converted/).check();
    await form.getByRole('button', { name: 'Add webhook' }).click();
    const box = page.getByTestId('new-webhook-secret');
    await box.waitFor();
    const secret = (await page.getByTestId('new-webhook-secret-value').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    expect(await box.textContent()).toContain('X-Relaydesk-Signature: t=<timestamp>,sha256=<hex>');
    expect(await box.textContent()).toContain('HMAC-SHA256(secret, t + "." + body)');
    const [hook] = await listWebhooks(desk.gw.store.db);
    expect(hook).toMatchObject({ url: rx.url, events: ['case.created', 'lead.converted'], createdBy: ADMIN });
    const row = page.locator(`tr[data-webhook="${hook!.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(rx.url);
    expect(await row.locator('li').allTextContents()).toEqual(['case.created', 'lead.converted']);
    expect(await row.textContent()).toContain(ADMIN);
    // The form is ready for the next one.
    expect(await form.getByLabel('Receiver URL').inputValue()).toBe('');
    expect(await form.getByLabel(/case\.created/).isChecked()).toBe(false);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'integrations-02-webhook-secret-shown-once');

    await desk.mail({ from: 'customer@customer.example', subject: 'Printer on fire', body: 'It is smoking.' });
    const created = await eventually(
      async () => rx.received.find((r) => r.headers['x-relaydesk-event'] === 'case.created'),
      15_000,
      'case.created at the receiver',
    );
    const signature = created.headers['x-relaydesk-signature'] as string;
    expect(signature).toMatch(/^t=\d+,sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, signature, created.body, Date.now() / 1000)).toBe(true);
    expect(verifyWebhookSignature(`${secret}x`, signature, created.body, Date.now() / 1000)).toBe(false);
    expect(JSON.parse(created.body.toString('utf8'))).toMatchObject({
      type: 'case.created',
      data: { case: { subject: 'Printer on fire', requester: { address: 'customer@customer.example' } } },
    });

    await box.getByRole('button', { name: 'I have copied it' }).click();
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await row.getByRole('button', { name: `Remove the webhook to ${rx.url}` }).click();
    await expect.poll(() => page.getByTestId('webhooks-outcome').textContent()).toBe(`Webhook to ${rx.url} removed.`);
    expect(asked).toEqual([`Remove the webhook to ${rx.url}? Events already queued for it are dropped.`]);
    await page.getByText('No webhooks yet.').waitFor();
    expect(await listWebhooks(desk.gw.store.db)).toEqual([]);

    // A webhook event is queued in the same transaction as the change it reports: once the
    // second case exists, any event for it would be in the queue already.
    const webhookDeliveries = async () =>
      Number(
        (
          await desk.gw.store.db
            .selectFrom('deliveries')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('transport', '=', 'webhook')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const queuedBefore = await webhookDeliveries();
    const before = rx.received.length;
    await desk.mail({ from: 'other@customer.example', subject: 'After the removal', body: 'Nobody listens.' });
    await eventually(
      async () => ((await (await call('/api/cases?search=removal', agentToken)).json()) as { items: unknown[] }).items.length > 0,
      15_000,
      'the second case',
    );
    expect(await webhookDeliveries()).toBe(queuedBefore);
    expect(rx.received).toHaveLength(before);
  });

  it('reads in Japanese, the shown-once box too', async () => {
    const { page: ja } = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(ja, desk.baseUrl, ADMIN);
      await openPage(ja, 'API トークンと Webhook', 'API トークンと Webhook');
      const form = ja.getByRole('form', { name: '新しい API トークン' });
      await form.getByLabel('トークン名').fill('ja-export');
      await form.getByRole('button', { name: 'トークンを作成' }).click();
      const box = ja.getByTestId('new-token');
      await box.waitFor();
      expect(await box.textContent()).toContain('二度と表示されません');
      await ja
        .getByRole('form', { name: '新しい Webhook' })
        .getByLabel(/case\.updated/)
        .check();
      await ja.getByText('ケースが変更された（ステータス、担当者、返信、メモ）').waitFor();
      expect(await ja.locator('tr[data-token="ja-export"]').textContent()).toContain('エージェント');
      expect(await seriousAxeViolations(ja)).toEqual([]);
      await screenshot(ja, 'integrations-03-ja');
    } finally {
      await ja.context().close();
    }
  });
});
