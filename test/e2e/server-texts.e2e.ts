/**
 * The server's texts in the reader's language: the route test's trace, the email log with a
 * delivered and a bounced copy, the rule editor's problems and a refused action, walked in
 * Japanese with no English left on the page but data (addresses, subjects, ids, the peer's
 * reply), and walked again in English, where the same lines read from the same codes.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn, screenshot, startDesk, type Browsing, type Desk } from './harness.js';

const PEER_REFUSAL = '5.1.1 mailbox gone@customer.example is unknown here';
/** What the sink (the customers' server) answers a message it takes. */
const PEER_OK = 'Ok: recorded';
/** What the admin types into the rule editor: data the problem quotes. */
const TYPED = 'not an address';

/**
 * Runs of two or more ASCII words left once data is taken out: the English a Japanese page
 * must not show. Data is what the allow-list names (exact strings) and what has the shape of
 * data: addresses, host and domain names, codes with dots, queue and message ids, times, the
 * results of the sender checks (spf=none, dkim-none).
 */
function englishRuns(text: string, allowed: readonly (string | RegExp)[]): string[] {
  let rest = text;
  const exact = allowed.filter((a): a is string => typeof a === 'string').sort((x, y) => y.length - x.length);
  for (const a of exact) rest = rest.split(a).join(' ');
  for (const a of allowed) if (a instanceof RegExp) rest = rest.replace(a, ' ');
  rest = rest
    .replace(/<[^<>\s]*>/g, ' ')
    .replace(/[\w.+-]+@[\w.-]+/g, ' ')
    .replace(/\b\w+=\S+/g, ' ')
    .replace(/\b(?:spf|dkim|dmarc|arc)-[a-z]+\b/g, ' ')
    .replace(/\b\d{4}-\d\d-\d\dT[\d:.]+Z\b/g, ' ')
    .replace(/\b[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+\b/g, ' ')
    .replace(/\b[0-9A-Z]{8,32}\b/g, ' ');
  return [...rest.matchAll(/[A-Za-z][A-Za-z'’-]+(?:[ \t,;:()"“”]+[A-Za-z][A-Za-z'’-]+)+/g)].map((m) => m[0]);
}

describe('the server speaks through the console in Japanese and English', () => {
  let desk: Desk;
  let browsing: Browsing;
  let routeQueueId = '';
  /** Our SMTP listener's reply to the test mail, shown as the protocol gave it. */
  let ourReply = '';

  /** What a walk saw: each page's visible text, by stop. */
  const seen: Record<'ja' | 'en', Record<string, string>> = { ja: {}, en: {} };

  beforeAll(async () => {
    [desk, browsing] = await Promise.all([startDesk(), launchBrowser()]);
    await desk.addUser('admin@solarmora.com', 'admin');
    const world = `hosts:\n  - { name: world, host: 127.0.0.1, port: ${desk.sink.port}, tls: none, domains: [customer.example, example.com] }\n`;
    await desk.gw.apply(`
domains: [solarmora.com]
${world}desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
defaultRouting:
  - description: Forward help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${desk.inboundAddress} }
      addRecipients: [{ address: archive@customer.example }, { address: gone@customer.example }]
`);
    desk.sink.setReply({ reply: (rcpt) => (rcpt === 'gone@customer.example' ? { code: 550, message: PEER_REFUSAL } : null) });
  });
  afterAll(async () => {
    await browsing?.close();
    await desk?.stop();
  });

  const visible = (page: Page) => page.locator('main').innerText();

  async function walk(lang: 'ja' | 'en'): Promise<void> {
    const J = lang === 'ja';
    const { page } = await browsing.newPage({ locale: J ? 'ja-JP' : 'en-US' });
    page.on('dialog', (d) => void d.accept());
    await logIn(page, desk.baseUrl, 'admin@solarmora.com');
    const nav = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true }).click();

    // The route test: its trace follows the mail to the desk, the archive and the refusing peer.
    await nav(J ? 'デフォルト ルーティング' : 'Default routing');
    await page
      .getByRole('button', { name: J ? 'ルール「Forward help to the desk」のルートをテスト' : 'Test the route of the rule Forward help to the desk' })
      .click();
    await page.getByRole('button', { name: J ? 'テスト メールを送信' : 'Send test mail' }).click();
    const result = page.getByTestId('route-test-result');
    await result.getByText(PEER_REFUSAL).first().waitFor({ timeout: 30_000 });
    await result
      .getByText(J ? /ルートテストのケース #\d+ を作成し/ : /opened route test case #\d+/)
      .first()
      .waitFor({ timeout: 30_000 });
    const id = /[0-9A-Z]{12,}/.exec((await result.locator('code').first().textContent()) ?? '')?.[0];
    if (!routeQueueId && id) routeQueueId = id;
    ourReply = (await result.locator('code').first().textContent()) ?? '';
    seen[lang]['route test'] = await visible(page);
    await screenshot(page, `server-texts-${lang}-route-test`);

    // The email log: the test mail's trace, and the bounce it caused.
    await nav(J ? 'メールログ' : 'Email log');
    await page.getByRole('button', { name: J ? `${routeQueueId} の追跡を表示` : `Show the trace of ${routeQueueId}` }).click();
    await page.locator('section.trace').getByText(PEER_REFUSAL).first().waitFor();
    await page
      .locator('section.trace')
      .getByText(J ? /エラー通知/ : /bounce/)
      .first()
      .waitFor();
    seen[lang]['email log'] = await visible(page);
    await screenshot(page, `server-texts-${lang}-email-log`);

    // The rule editor with a broken rule: its problems at their fields.
    await nav(J ? 'デフォルト ルーティング' : 'Default routing');
    await page.getByRole('button', { name: J ? 'ルール「Forward help to the desk」を編集' : 'Edit the rule Forward help to the desk' }).click();
    const main = page.locator('main');
    await main.getByLabel(J ? '新しい受信者' : 'New recipient', { exact: true }).fill(TYPED);
    await main.getByLabel(J ? 'メールアドレス' : 'Email address', { exact: true }).fill('help@elsewhere.example');
    await page.locator('.field-error').first().waitFor();
    await page.locator('.field-warning').first().waitFor();
    seen[lang]['rule editor'] = await visible(page);
    await screenshot(page, `server-texts-${lang}-rule-editor`);

    // A refused action: the only admin making themselves an agent.
    await nav(J ? 'コンソールのアカウント' : 'Console accounts');
    await page.getByRole('button', { name: J ? 'admin@solarmora.com をエージェントにする' : 'Make agent: admin@solarmora.com' }).click();
    await page.getByTestId('people-problem').waitFor();
    seen[lang]['refused action'] = await visible(page);
    await screenshot(page, `server-texts-${lang}-refused`);
    await page.context().close();
  }

  /** Data: the rule's and channel's names, the product's name, the peers' replies, what the admin typed, the route test's subjects. */
  const allowed = () =>
    ['Forward help to the desk', 'Relaydesk', PEER_REFUSAL, PEER_OK, 'Support', TYPED, ourReply, /Route test [a-z0-9]+/g].filter((a) => a !== '');

  it('finds English where a page has it, and nothing where it has none', () => {
    expect(englishRuns('<a@b.test> へ配信しました: the next hop gave no answer', [])).toEqual(['the next hop gave no answer']);
    expect(englishRuns(`<gone@customer.example> への配信は 127.0.0.1 に拒否されました: 550 ${PEER_REFUSAL}`, [PEER_REFUSAL])).toEqual([]);
    expect(englishRuns('queue.delivered 238D2CC4SDD156X ルール「Forward help to the desk」', ['Forward help to the desk'])).toEqual([]);
  });

  it('walks the route test, the email log, the rule editor and a refusal in Japanese with no English but data', async () => {
    await walk('ja');
    for (const [stop, text] of Object.entries(seen.ja)) expect(englishRuns(text, allowed()), stop).toEqual([]);
    expect(seen.ja['refused action']).toContain('有効な管理者がいなくなってしまいます');
    expect(seen.ja['rule editor']).toContain('「not an address」は正しいメールアドレスではありません');
  });

  it('walks the same in English, where the same events read from the same codes', async () => {
    await walk('en');
    expect(seen.en['route test']).toMatch(/rule "Forward help to the desk" applied to <help@solarmora\.com>/);
    expect(seen.en['email log']).toMatch(/<gone@customer\.example> bounced by \S+: 550 5\.1\.1 mailbox/);
    expect(seen.en['rule editor']).toContain('"not an address" is not a valid email address');
    expect(seen.en['refused action']).toContain('that would leave no enabled admin');
    // Every trace line of each language came from a code: as many lines, in the same order.
    const lines = (text: string) => text.split('\n').filter((l) => /^\s*\d/.test(l)).length;
    expect(lines(seen.en['email log']!)).toBe(lines(seen.ja['email log']!));
    // The English walk shows English: the detector sees it.
    expect(englishRuns(seen.en['email log']!, allowed()).length).toBeGreaterThan(0);
  });
});
