/**
 * A channel's IMAP mailbox on the console's Channels page, against a private Dovecot: connected
 * and the last mail taken; with the server away, the error in a sentence. English and Japanese.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listCases } from '../../src/store/index.js';
import { startDovecot, type Dovecot } from '../support/dovecot.js';
import { eventually } from '../support/relaydesk.js';
import { launchBrowser, logIn, screenshot, seriousAxeViolations, startConsoleNode, type Browsing, type ConsoleNode } from './harness.js';

const USER = 'help@solarmora.test';
const IMAP_PASSWORD = 'imap-password-never-shown';

describe('the IMAP mailbox on the Channels page, in chromium', () => {
  let dovecot: Dovecot;
  let node: ConsoleNode;
  let browsing: Browsing;

  beforeAll(async () => {
    dovecot = await startDovecot({ [USER]: IMAP_PASSWORD });
    const config = `domains: [solarmora.com]
desk:
  domain: case.relaydesk.test
  channels:
    - name: Support
      kind: support
      publicAddress: help@solarmora.com
      autoAcknowledge: false
      imap: { host: 127.0.0.1, port: ${dovecot.port}, tls: false, user: ${USER}, passwordSecret: ${IMAP_PASSWORD} }
`;
    [node, browsing] = await Promise.all([startConsoleNode(() => config), launchBrowser()]);
  });
  afterEach(() => {
    expect(browsing.foreign, 'requests to hosts other than 127.0.0.1').toEqual([]);
  });
  afterAll(async () => {
    await browsing?.close();
    await node?.stop();
    await dovecot?.stop();
  });

  it('shows the mailbox connected with its last mail, then the outage in a sentence, in English and Japanese', async () => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: USER, pass: IMAP_PASSWORD },
      logger: false,
    });
    client.on('error', () => undefined);
    await client.connect();
    await client.append(
      'INBOX',
      'From: ann@customer.example\r\nTo: help@solarmora.com\r\nSubject: Printer on fire\r\nMessage-ID: <e2e-imap@customer.example>\r\n\r\nHelp\r\n',
    );
    await client.logout();
    await eventually(async () => (await listCases(node.gw.store.db)).length === 1, 15_000, 'the case from the mailbox');

    const { page } = await browsing.newPage();
    await logIn(page, node.baseUrl, 'admin@solarmora.com');
    await page.goto(`${node.baseUrl}/admin/channels`);
    const box = page.locator('tr[data-channel="Support"]').getByTestId('imap-mailbox');
    await box.getByText('Connected', { exact: true }).waitFor();
    await box.getByText(`${USER} at 127.0.0.1:${dovecot.port}, folder INBOX`).waitFor();
    await box.getByText('Taken mail is moved to Relaydesk/Processed.').waitFor();
    await box.getByText('Last mail taken', { exact: false }).waitFor();
    expect(await page.content()).not.toContain(IMAP_PASSWORD);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'imap-01-connected');

    await dovecot.halt();
    await eventually(
      async () => {
        await page.reload();
        await box.waitFor();
        return (await box.textContent())?.includes('Not connected');
      },
      20_000,
      'the outage on the page',
    );
    expect(await box.getByRole('status').textContent()).toMatch(/Nothing answers at 127\.0\.0\.1:\d+|The connection to 127\.0\.0\.1:\d+ was lost/);
    await screenshot(page, 'imap-02-outage');

    const ja = await browsing.newPage({ locale: 'ja-JP' });
    try {
      await logIn(ja.page, node.baseUrl, 'admin@solarmora.com');
      await ja.page.goto(`${node.baseUrl}/admin/channels`);
      const jaBox = ja.page.locator('tr[data-channel="Support"]').getByTestId('imap-mailbox');
      await jaBox.getByText('未接続', { exact: true }).waitFor();
      expect(await jaBox.getByRole('status').textContent()).toMatch(/から応答がありません|との接続が切れました/);
      expect(await jaBox.textContent()).not.toMatch(/Connected|Last mail|Nothing answers|Failed/);
      await screenshot(ja.page, 'imap-03-ja');
    } finally {
      await ja.context.close();
    }
    await dovecot.resume();
  });
});
