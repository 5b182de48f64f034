/**
 * The intake corpus: every message in test/fixtures/eml/ is parsed, and what it must yield is
 * written in EXPECTED below, one entry per file (a file without an entry fails the run, so a
 * new fixture cannot slip in untested). Every message must parse without throwing, with
 * readable text (no U+FFFD unless the fixture is broken on purpose) and HTML with nothing
 * executable or remote left in it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyMachineMail } from '../../src/desk/classify-machine-mail.js';
import type { MachineMailVerdict } from '../../src/desk/model.js';
import { parseInboundMessage, type ParsedMessage } from '../../src/desk/parse-message.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/eml');

interface Expectation {
  subject?: string;
  /** Snippets the plain text must contain. */
  text?: string[];
  /** Snippets the sanitised HTML must contain. */
  html?: string[];
  /** Exact attachment file names, in order. */
  attachments?: string[];
  /** The names as the sender wrote them, in order. */
  originalNames?: (string | null)[];
  /** How the message is classified when it comes with a real envelope sender. */
  machine?: MachineMailVerdict['kind'];
  /** Fields that must equal these values. */
  fields?: Partial<ParsedMessage>;
  /** Each must match one of the problems. */
  problems?: RegExp[];
  /** Broken on purpose: U+FFFD may appear in the text. */
  garbled?: true;
}

const EXPECTED: Record<string, Expectation> = {
  // Japanese first
  'iso-2022-jp-subject-and-body.eml': {
    subject: 'お問い合わせ：請求書について',
    text: ['お世話になっております。', '請求書の件でお問い合わせいたします。'],
    fields: { problems: [] },
  },
  'iso-2022-jp-no-charset-label.eml': {
    subject: '見積もり依頼',
    text: ['見積もりをお願いします。', '納期は来月です。'],
    problems: [/without charset label \(read as iso-2022-jp\)/],
  },
  'shift-jis-body.eml': { subject: 'お問い合わせ（Shift_JIS）', text: ['請求書の件でお問い合わせいたします。', '半角ｶﾀｶﾅと記号「①」'] },
  'shift-jis-no-charset-label.eml': { text: ['ラベルのないシフトJISの本文です。', 'お問い合わせ番号は１２３です。'], problems: [/read as shift_jis/] },
  'shift-jis-no-content-type.eml': { text: ['配送状況を確認したいです。'], problems: [/read as shift_jis/] },
  'cp932-extended-characters.eml': { subject: '機種依存文字 ①②③ ㈱', text: ['株式会社は㈱、丸数字は①②③、ローマ数字はⅣです。'] },
  'euc-jp-body.eml': { subject: 'EUC-JPの件名です', text: ['EUC-JPで書かれた本文です。', '文字化けがないこと'] },
  'euc-jp-no-charset-label.eml': { text: ['ラベルなしのEUC-JP本文です。', 'よろしくお願いいたします。'], problems: [/read as euc-jp/] },
  'rfc2047-split-mid-character.eml': { subject: 'お問い合わせについて', text: ['件名が文字の途中で分割されています。'] },
  'rfc2047-shift-jis-split-mid-character.eml': { subject: 'ご注文の確認' },
  'rfc2047-iso-2022-jp-split-words.eml': { subject: '納品書の再送のお願い', text: ['再送をお願いします。'] },
  'rfc2047-q-encoding-mixed.eml': { subject: 'Re: Café – order #42 déjà vu' },
  'japanese-display-name-from.eml': {
    subject: 'ログインできません',
    text: ['ログインできません。'],
    fields: { from: { name: '山田 太郎', address: 'taro.yamada@example.co.jp' }, to: [{ name: 'サポート窓口', address: 'help@solarmora.com' }] },
  },
  'raw-shift-jis-subject-header.eml': { subject: '生のシフトJIS件名', text: ['件名がエンコードされていません。'], problems: [/raw 8-bit header/] },
  'japanese-html-only-shift-jis-meta.eml': { subject: 'HTMLのみ', text: ['HTMLだけのメールです。'], html: ['返信をお待ちしております。'] },
  'rfc2231-japanese-filename.eml': { subject: '見積書を添付します', attachments: ['見積書_2025年1月.pdf'] },
  'rfc2047-japanese-filename.eml': { text: ['添付をご確認ください。'], attachments: ['請求一覧.xlsx'] },
  'rfc2231-latin1-filename-continuations.eml': { attachments: ['Rechnung Müller.pdf'] },
  'seed-scenario-customer-mail-with-attachment.eml': {
    subject: '【至急】商品が届きません',
    text: ['先週注文した商品がまだ届きません。', '注文番号：A-12345'],
    attachments: ['受領書.png'],
    fields: { from: { name: '佐藤 花子', address: 'hanako.sato@example.jp' }, messageId: '<seed-1@example.jp>' },
  },
  'raw-iso-2022-jp-subject.eml': {
    subject: 'Re: お見積りのご依頼 (No.12)',
    text: ['見積書をお送りください。'],
    problems: [/raw ISO-2022-JP text without RFC 2047/],
    fields: { from: { name: '', address: 'ichiro@example.jp' } },
  },
  'raw-iso-2022-jp-from-name.eml': {
    subject: '返品 について',
    text: ['返品の手続きを教えてください。'],
    fields: { from: { name: '鈴木 一郎', address: 'ichiro.suzuki@example.jp' }, to: [{ name: 'サポート窓口', address: 'help@solarmora.com' }] },
  },
  // The body says ISO-2022-JP, which 8-bit bytes cannot be: the header is sniffed as Shift_JIS.
  'raw-shift-jis-subject-and-from.eml': {
    subject: '【重要】請求書の送付について',
    text: ['請求書を送付いたします。'],
    fields: { from: { name: '株式会社サンプル 経理部', address: 'keiri@example.co.jp' } },
    problems: [/raw 8-bit header text not in UTF-8 \(read as shift_jis\)/],
  },
  'raw-euc-jp-subject.eml': { subject: 'パスワード再発行のお願い', text: ['パスワードを忘れました。'], problems: [/read as euc-jp/] },
  'raw-shift-jis-and-encoded-word-mixed.eml': { subject: 'Re: 配送 の遅延', text: ['まだ届いていません。'] },
  // other charsets
  'windows-1251-cyrillic.eml': { subject: 'Вопрос по заказу', text: ['Мой заказ ещё не пришёл.'] },
  'koi8-r-cyrillic.eml': { subject: 'Счёт', text: ['Пришлите, пожалуйста, счёт.'] },
  'windows-1252-smart-quotes.eml': { subject: '“Quoted” – €100', text: ['It’s “broken” – it costs €100.'] },
  'windows-1252-no-charset-label.eml': { text: ['le café est très bon. Ça coûte 5 €.'], problems: [/read as windows-1252/] },
  'iso-8859-1-quoted-printable.eml': { subject: 'Grüße aus München', text: ['Schöne Grüße aus München.'] },
  'gb2312-chinese.eml': { subject: '关于发票的问题', text: ['我想咨询一下发票的问题。'] },
  'gbk-labelled-gb2312.eml': { subject: '镕基先生', text: ['朱镕基'] },
  'big5-traditional-chinese.eml': { subject: '訂單查詢', text: ['請問我的訂單什麼時候出貨？'] },
  'ks-c-5601-1987-korean.eml': { subject: '문의드립니다', text: ['환불 문의드립니다.'] },
  'wrong-charset-label-utf8-as-ascii.eml': { text: ['ラベルは us-ascii ですが中身は UTF-8 です。', 'naïve café'] },
  'wrong-charset-label-utf8-as-iso-8859-1.eml': { text: ['Müller, Ørsted, 東京.'], problems: [/labelled iso-8859-1 is utf-8/] },
  'unknown-charset-label.eml': { text: ['UTF-8 bytes: Grüße.'], problems: [/unknown charset label "x-user-defined-bogus"/] },
  '8bit-utf8-headers-smtputf8.eml': {
    subject: 'Ärende: 注文について — UTF-8 raw header',
    fields: { from: { name: 'Jöran Ångström', address: 'jöran@exämple.se' } },
  },
  // UTF-7, which libmime leaves encoded; decoded before the HTML is sanitised
  'utf-7-body-plain.eml': {
    text: ['お問い合わせです。注文番号は A-77 です。', '1 + 1 = 2, café costs €5.'],
    problems: [/text part in UTF-7 \(utf-7\) rewritten as UTF-8/],
  },
  'utf-7-body-html.eml': { text: ['Grüße aus 東京 (plain).'], html: ['<p>Grüße aus 東京 (HTML).</p>'], fields: { remoteImages: 1 } },
  'utf-7-encoded-word-b.eml': { subject: 'ご注文の件について', fields: { from: { name: '田中 花子', address: 'hanako@example.jp' } } },
  'utf-7-encoded-word-q.eml': {
    subject: 'Re: 日本語 OK— fin',
    fields: { from: { name: 'José García', address: 'jose@example.es' }, cc: [{ name: 'サポート', address: 'support@example.jp' }] },
  },
  // raw 8-bit bytes: decoded once (UTF-8 when valid, else the declared charset, else a guess)
  'raw-utf8-in-encoded-word.eml': { subject: 'Frösche und Kröten', fields: { from: { name: 'Jörg Müller', address: 'joerg@example.de' } } },
  // Guessed alone, these Latin-1 bytes read as Shift_JIS; the text part's declared charset comes first.
  'raw-latin1-subject-declared-charset.eml': {
    subject: 'Solicitação de informação',
    text: ['Gostaria de uma informação sobre a fatura.'],
    problems: [/read as iso-8859-1/],
  },
  'raw-8bit-from-display-name.eml': {
    text: ['Olá, obrigada.'],
    fields: { from: { name: 'Conceição Araújo', address: 'conceicao@example.pt' }, cc: [{ name: 'Renée Dubois', address: 'renee@example.fr' }] },
  },
  'utf8-bom-body.eml': { text: ['Body starting with a byte order mark.'] },
  // MIME structure
  'broken-mime-missing-boundary.eml': { text: ['The boundary parameter is missing.'], problems: [/multipart without readable parts/] },
  'broken-mime-unterminated-multipart.eml': { text: ['The closing boundary never comes.'], attachments: ['cut.bin'] },
  'broken-mime-wrong-boundary.eml': { text: ['Parts use a different boundary than declared.'], problems: [/multipart without readable parts/] },
  'nested-multipart-alternative-related-mixed.eml': {
    text: ['Plain alternative of the nested message.'],
    html: ['<b>nested</b>', 'src="cid:logo@x"'],
    attachments: ['attachment-1.png', 'terms.pdf'],
  },
  'multipart-only-attachment-no-text.eml': { attachments: ['scan.pdf'], fields: { text: '' } },
  'bare-lf-line-endings.eml': { subject: 'Bare LF', text: ['Lines end with LF only.\nSecond line.'] },
  'very-long-line.eml': { text: ['START word word', 'word END'] },
  'empty-body.eml': { subject: 'Empty body', fields: { text: '', html: null, attachments: [] } },
  'headers-only-no-blank-line.eml': { subject: 'Headers only', fields: { text: '' }, problems: [/no empty line after the header block/] },
  'quoted-printable-soft-breaks.eml': { text: ['soft line break by the sender', 'Café and お問い合わせ.', '1+1=2', 'at end'] },
  'base64-garbage.eml': { text: ['Readable part before the garbage.'], attachments: ['junk.bin'], garbled: true },
  'duplicate-headers.eml': {
    subject: 'First subject',
    fields: { messageId: '<dup-1@example.com>', from: { name: 'First', address: 'first@example.com' }, date: '2025-01-17T08:00:00.000Z' },
  },
  'folded-long-headers.eml': {
    subject: 'This subject is folded across three lines',
    fields: { messageId: '<folded@example.com>', references: ['<r1@example.com>', '<r2@example.com>', '<r3@example.com>'], inReplyTo: '<r3@example.com>' },
  },
  'null-bytes-in-body.eml': { text: ['BeforeNULbytes after.'], problems: [/NUL bytes removed/] },
  'unknown-content-transfer-encoding.eml': { text: ['kept as is'] },
  'text-flowed-delsp.eml': { text: ['read by a client that understands format=flowed.'] },
  'message-id-without-angle-brackets.eml': {
    fields: { messageId: '<bare-id-123@example.com>', inReplyTo: '<parent-1@example.com>', references: ['<root@example.com>', '<parent-1@example.com>'] },
  },
  'reply-with-references-chain.eml': {
    subject: 'RE: [#1001] Printer is broken',
    fields: {
      inReplyTo: '<ack-1001@solarmora.com>',
      references: ['<orig-1@example.com>', '<ack-1001@solarmora.com>'],
      cc: [
        { name: 'Boss', address: 'boss@example.com' },
        { name: '', address: 'colleague@example.com' },
      ],
      replyTo: [
        { name: 'Customer Desk', address: 'desk@example.com' },
        { name: '', address: 'other@example.com' },
      ],
    },
  },
  'undisclosed-recipients-group.eml': {
    fields: {
      to: [],
      cc: [
        { name: '', address: 'a@example.com' },
        { name: '', address: 'b@example.com' },
      ],
    },
  },
  'missing-from.eml': { subject: 'No From header', fields: { from: null }, problems: [/^no From$/] },
  'missing-message-id.eml': { subject: 'No Message-ID', fields: { messageId: null }, problems: [/^no Message-ID$/] },
  'missing-subject-and-date.eml': { fields: { subject: '', date: null }, text: ['No subject, no date'] },
  'invalid-date.eml': { fields: { date: null }, problems: [/unreadable Date/] },
  'invalid-from-address.eml': { fields: { from: { name: '', address: 'real-sender@example.com' } }, problems: [/From has no address/] },
  'huge-headers.eml': { subject: 'Huge headers', text: ['about 300 KB'] },
  'not-an-email-random-bytes.eml': { problems: [/no header block/], garbled: true },
  'plain-text-no-headers.eml': { text: ['just some text'], problems: [/no header block/] },
  // attachments
  'uuencode-attachment.eml': { text: ['the log file is below.', 'Thanks.'], attachments: ['server-log.txt'] },
  'winmail-dat.eml': { attachments: ['winmail.dat'], problems: [/TNEF/] },
  'tnef-without-filename.eml': { attachments: ['winmail.dat'], problems: [/TNEF/] },
  'inline-image-cid.eml': { text: ['Our logo:'], html: ['src="cid:logo123@example.com"'], attachments: ['logo.png'] },
  'attachment-path-traversal-filename.eml': { attachments: ['passwd', 'report.pdf', 'u0000evil .exe'] },
  'attachment-windows-paths.eml': {
    attachments: ['scan.png', 'evil.exe', 'x.pdf', 'scan2.jpg', 'attachment-5.pdf', '_CON.txt'],
    originalNames: ['C:\\TEMP\\scan.png', '..\\..\\evil.exe', '\\\\server\\share\\x.pdf', 'D:scan2.jpg', 'C:\\TEMP\\.', 'C:\\Users\\bob\\CON.txt'],
  },
  'attachment-unix-paths.eml': {
    attachments: ['passwd', 'c.txt', 'attachment-3.zip', 'attachment-4.jpg', 'report.pdf', 'attachment-6.pdf'],
    originalNames: ['/etc/passwd', 'a/b/../c.txt', '../../', '..', './report.pdf', 'a/b/..'],
  },
  'attachment-rfc2231-paths.eml': {
    attachments: ['見積書.pdf', '請求書.xlsx', 'Rechnung.pdf', '写真.jpg', 'attachment-5.png'],
    originalNames: ['C:\\TEMP\\見積書.pdf', '../../請求書.xlsx', '/home/müller/Rechnung.pdf', 'C:\\Users\\花子\\写真.jpg', '../'],
  },
  'attachment-without-filename.eml': { attachments: ['attachment-1.pdf'] },
  'forwarded-message-rfc822-attachment.eml': { text: ["Forwarding the customer's original message."], attachments: ['original.eml'] },
  'forwarded-message-rfc822-inline.eml': { text: ['See below.', 'Inline forwarded inner text.'] },
  'calendar-invite.eml': { text: ['invited to a support call'], attachments: ['attachment-1.ics', 'invite.ics'] },
  'smime-signed.eml': { text: ['S/MIME signed'], attachments: ['smime.p7s'] },
  'many-small-attachments.eml': { attachments: Array.from({ length: 40 }, (_, i) => `file-${i}.txt`) },
  // HTML
  'only-html.eml': {
    text: ['your order #5521 has shipped.', 'Item one'],
    html: ['<h1>Order status</h1>', 'href="https://example.com/track?id=5521"', 'rel="noopener noreferrer"'],
  },
  'html-with-script.eml': { text: ['Plain part of the scripted mail.'], html: ['<p>Visible text</p>'] },
  'html-onerror-javascript-links-css-expression-svg-script-remote-image.eml': {
    html: ['data-remote-src="https://tracker.example/pixel.gif?u=1"', 'href="https://example.com/ok"', 'color: blue'],
    fields: { remoteImages: 2 },
  },
  'html-meta-refresh-base-iframe-form.eml': { text: ['Refresh me'], html: ['<p>Refresh me</p>'] },
  'html-data-uri-images.eml': { html: ['src="data:image/png;base64,'] },
  'html-malformed-unclosed-tags.eml': { text: ['Cell one', 'tail text & entities'], html: ['Cell two'] },
  'html-and-text-different.eml': { text: ['Plain version: order 77 is delayed.'], html: ['HTML version: order <b>77</b>'] },
  // machine mail and routing headers
  'dsn-multipart-report.eml': {
    text: ['could not be delivered'],
    fields: {
      isReport: true,
      reportType: 'delivery-status',
      returnPath: '',
      autoSubmitted: 'auto-replied',
      reportedRecipients: [{ address: 'nobody@example.net', action: 'failed', status: '5.1.1' }],
    },
  },
  'dsn-multiple-recipients-delayed.eml': {
    fields: {
      isReport: true,
      reportedRecipients: [
        { address: 'first@example.net', action: 'delayed', status: '4.4.7' },
        { address: 'second@example.net', action: 'failed', status: '5.2.2' },
      ],
    },
    attachments: ['attachment-1.eml'],
  },
  'mdn-disposition-notification.eml': { text: ['Your message was displayed.'], fields: { isReport: true, reportType: 'disposition-notification' } },
  // reports with a real envelope sender: machine mail all the same
  'arf-feedback-report.eml': {
    text: ['This is an email abuse report'],
    fields: { isReport: true, reportType: 'feedback-report' },
    machine: 'bulk',
  },
  'arf-feedback-report-headers-only.eml': { fields: { isReport: true, reportType: 'feedback-report' }, machine: 'bulk' },
  'dsn-real-envelope-sender.eml': {
    fields: { isReport: true, reportType: 'delivery-status', reportedRecipients: [{ address: 'gone@example.org', action: 'failed', status: '5.1.1' }] },
    machine: 'bounce',
  },
  'mdn-real-envelope-sender.eml': {
    subject: '開封確認: お見積り',
    text: ['お送りしたメッセージは表示されました。'],
    fields: { isReport: true, reportType: 'disposition-notification' },
    machine: 'bounce',
  },
  'multipart-report-without-type.eml': { fields: { isReport: true, reportType: null }, machine: 'bounce' },
  'mailer-daemon-plain-bounce.eml': {
    text: ['qmail-send program'],
    fields: { isReport: false, returnPath: '', from: { name: '', address: 'MAILER-DAEMON@old.example.net' } },
  },
  'out-of-office-auto-submitted.eml': { fields: { autoSubmitted: 'auto-replied', xAutoreply: { 'x-auto-response-suppress': 'All' } } },
  'precedence-bulk.eml': { fields: { precedence: 'bulk' } },
  'x-autoreply.eml': { fields: { precedence: 'auto_reply', xAutoreply: { 'x-autoreply': 'yes', 'x-autorespond': 'Auto reply', 'x-autogenerated': 'true' } } },
  'x-auto-response-suppress-exchange.eml': { fields: { xAutoreply: { 'x-auto-response-suppress': 'DR, OOF, AutoReply' } } },
  'list-id-mailing-list.eml': { fields: { listId: 'Developers <dev.lists.example.org>', precedence: 'list' } },
  'loop-header-relaydesk.eml': { fields: { xLoop: 'v1su0245ewejzhe7.case.relaydesk.test', autoSubmitted: 'auto-replied' } },
  'delivered-to-x-original-to-gmail-forward.eml': {
    fields: {
      xOriginalTo: 'help@solarmora.com',
      deliveredTo: ['support@v1su0245ewejzhe7.case.relaydesk.test', 'help@solarmora.com'],
      returnPath: 'customer@example.com',
      messageId: '<CAF=abc123@mail.gmail.com>',
    },
  },
  'gmail-forwarding-confirmation.eml': {
    subject: '(#812734519) Gmail Forwarding Confirmation - Receive Mail from help@solarmora.com',
    text: ['Confirmation code: 812734519', 'https://mail-settings.google.com/mail/vf-%5BANGjdJ8xQ2kP7vT3mR9wZ1yB4nL6cE0sH5uA%5D-Zk3pQ9wXn2Lr8Tb5Yc1Vm7Hd4Sg'],
    fields: { from: { name: 'Gmail Team', address: 'forwarding-noreply@google.com' } },
  },
};

const UNSAFE_HTML: [string, RegExp][] = [
  ['<script', /<script/i],
  ['an on* handler', /\son[a-z]+\s*=/i],
  ['javascript:', /javascript:/i],
  ['vbscript:', /vbscript:/i],
  ['expression(', /expression\s*\(/i],
  ['a remote src', /[\s"'/]src\s*=\s*["']?\s*(?:https?:)?\/\//i],
  ['<iframe', /<iframe/i],
  ['<svg', /<svg/i],
  ['<meta', /<meta/i],
  ['<base', /<base/i],
  ['<form', /<form/i],
  ['url(', /url\s*\(/i],
];

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.eml'))
  .sort();

describe('intake corpus (test/fixtures/eml)', () => {
  it('holds at least 60 messages, each with an entry in EXPECTED and each under 1 MB', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
    expect(files.filter((f) => !(f in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((f) => !files.includes(f))).toEqual([]);
    for (const f of files) expect(readFileSync(path.join(DIR, f)).length, f).toBeLessThan(1024 * 1024);
  });

  it.each(files)('%s', async (file) => {
    const raw = readFileSync(path.join(DIR, file));
    const want = EXPECTED[file] ?? {};
    const msg = await parseInboundMessage(raw);

    // Plain data: everything but attachment bytes survives JSON.
    const plain = { ...msg, attachments: msg.attachments.map(({ content: _content, ...a }) => a) };
    expect(JSON.parse(JSON.stringify(plain))).toEqual(plain);

    if (!want.garbled) {
      expect(msg.subject, 'subject has U+FFFD').not.toContain('\uFFFD');
      expect(msg.text, 'text has U+FFFD').not.toContain('\uFFFD');
    }
    expect(msg.text).not.toContain('\u0000');
    if (want.subject !== undefined) expect(msg.subject).toBe(want.subject);
    for (const snippet of want.text ?? []) expect(msg.text).toContain(snippet);
    if (msg.html !== null) {
      for (const [what, re] of UNSAFE_HTML) expect(re.test(msg.html), `html keeps ${what}`).toBe(false);
    }
    for (const snippet of want.html ?? []) expect(msg.html ?? '').toContain(snippet);
    if (want.attachments) expect(msg.attachments.map((a) => a.filename)).toEqual(want.attachments);
    for (const a of msg.attachments) {
      // eslint-disable-next-line no-control-regex -- a file name holds no separator and no control character
      expect(a.filename).not.toMatch(/[/\\\u0000-\u001f]/);
      expect(a.size).toBe('bytes' in a.content ? a.content.bytes.length : a.size);
    }
    if (want.originalNames) expect(msg.attachments.map((a) => a.originalFilename)).toEqual(want.originalNames);
    if (want.machine) {
      const verdict = classifyMachineMail(
        { ...msg, envelope: { mailFrom: 'someone@sender.example', recipient: 'help@solarmora.com' } },
        { ourLoopId: 'loop.test' },
      );
      expect(verdict.kind).toBe(want.machine);
    }
    for (const [key, value] of Object.entries(want.fields ?? {})) {
      expect(msg[key as keyof ParsedMessage], key).toEqual(value);
    }
    for (const re of want.problems ?? [])
      expect(
        msg.problems.some((p) => re.test(p)),
        `problem ${re}`,
      ).toBe(true);
  });
});

/** Cases too big for a fixture file, built here. */
describe('intake corpus: generated messages', () => {
  const head = (extra: string): string =>
    `From: Customer <customer@example.com>\r\nSubject: Generated\r\nMessage-ID: <gen@example.com>\r\n${extra}Content-Type: text/plain; charset=UTF-8\r\n\r\n`;

  it('10,000 recipients in To: 50 kept, the rest counted, under 2 s', async () => {
    const to = Array.from({ length: 10_000 }, (_, i) => `"User ${i}" <user${i}@example.com>`).join(',\r\n ');
    const started = performance.now();
    const msg = await parseInboundMessage(Buffer.from(`${head(`To: ${to}\r\n`)}Hello everyone.\r\n`));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(msg.to).toHaveLength(50);
    expect(msg.to[0]).toEqual({ name: 'User 0', address: 'user0@example.com' });
    expect(msg.truncatedRecipients).toBe(9950);
    expect(msg.text).toContain('Hello everyone.');
    expect(msg.problems.some((p) => /9950 recipients/.test(p))).toBe(true);
  });

  it('a 2 MB header block is cut to the budget, and From, Subject and Message-ID survive it', async () => {
    const junk = Array.from({ length: 20_000 }, (_, i) => `X-Junk-${i}: ${'x'.repeat(90)}\r\n`).join('');
    const raw = Buffer.from(`${junk}${head('To: help@solarmora.com\r\n')}Body after the junk.\r\n`);
    expect(raw.length).toBeGreaterThan(2 * 1024 * 1024 - 100_000);
    const started = performance.now();
    const msg = await parseInboundMessage(raw);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(msg.subject).toBe('Generated');
    expect(msg.messageId).toBe('<gen@example.com>');
    expect(msg.from?.address).toBe('customer@example.com');
    expect(msg.text).toContain('Body after the junk.');
    expect(msg.problems.some((p) => /header fields dropped/.test(p))).toBe(true);
  });

  it('5,000 sibling parts: no crash, a problem noted, quickly', async () => {
    const parts = Array.from({ length: 5000 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('');
    const raw = Buffer.from(`${head('To: help@solarmora.com\r\n').replace('text/plain; charset=UTF-8', 'multipart/mixed; boundary="b"')}${parts}--b--\r\n`);
    const started = performance.now();
    const msg = await parseInboundMessage(raw);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(msg.subject).toBe('Generated');
    expect(msg.problems.length).toBeGreaterThan(0);
  });

  it('multipart nested 300 deep: no crash', async () => {
    let body = 'Content-Type: text/plain\r\n\r\ndeepest text\r\n';
    for (let i = 0; i < 300; i++) body = `Content-Type: multipart/mixed; boundary="n${i}"\r\n\r\n--n${i}\r\n${body}--n${i}--\r\n`;
    const raw = Buffer.from(`From: a@example.com\r\nSubject: Deep\r\nMessage-ID: <deep@example.com>\r\n${body}`);
    const msg = await parseInboundMessage(raw);
    expect(msg.subject).toBe('Deep');
  });

  it('a 3 MB text body is cut to maxTextChars and says so', async () => {
    const msg = await parseInboundMessage(Buffer.from(`${head('')}${'a line of text\r\n'.repeat(200_000)}`), { maxTextChars: 100_000 });
    expect(msg.text.length).toBe(100_000);
    expect(msg.problems.some((p) => /text cut at 100000/.test(p))).toBe(true);
  });
});
