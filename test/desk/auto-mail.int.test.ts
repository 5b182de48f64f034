/**
 * The desk's automatic mail as a customer's server receives it: a Japanese channel's
 * acknowledgement and forwarding check are Japanese, every header is 7-bit (RFC 2047 encoded
 * words in UTF-8) and the body has a transfer encoding a 7-bit relay passes; a channel's own
 * template is what is sent.
 */
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAutoMail } from '../../src/desk/auto-mail.js';
import { loadDeskContext, verifyChannel } from '../../src/desk/index.js';
import { listCases, listDeskChannels } from '../../src/store/index.js';
import { startSink, type Sink, type SinkMessage } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const config = (sinkPort: number, inbound: { ja: string; en: string } | null) => `
domains: [solarmora.com]
hosts:
  - { name: world, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [customer.example] }
desk:
  domain: case.relaydesk.test
  channels:
    - { name: ソラモラ サポート窓口, kind: support, publicAddress: help@solarmora.com, language: ja }
    - name: Billing
      kind: support
      publicAddress: billing@solarmora.com
      templates:
        acknowledgement:
          subject: "Billing received: {{case.subject}}"
          body: "Dear {{customer.name}},\\ncase {{case.number}} at {{channel.name}} <{{channel.address}}>.\\n"
${
  inbound === null
    ? ''
    : `defaultRouting:
  - description: Help to the desk
    match: { single: help@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: ${inbound.ja} }, addRecipients: [watch@customer.example] }
  - description: Billing to the desk
    match: { single: billing@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: ${inbound.en} } }
`
}`;

/** The header block as bytes: everything before the first empty line. */
function headerBlock(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  return raw.subarray(0, end < 0 ? raw.length : end);
}

describe.each(DIALECTS)('automatic mail on %s', (dialect) => {
  let sink: Sink;
  let gw: TestNode;

  beforeAll(async () => {
    sink = await startSink();
    gw = await startTestNode({ dialect, config: config(sink.port, null) });
    const channels = await listDeskChannels(gw.store.db);
    const inbound = (name: string) => channels.find((c) => c.name === name)!.inboundAddresses[0]!.address;
    await gw.apply(config(sink.port, { ja: inbound('ソラモラ サポート窓口'), en: inbound('Billing') }));
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  const send = (to: string, from: string, fromHeader: string, subject: string) =>
    swaks([
      '--server',
      `127.0.0.1:${gw.smtpPort}`,
      '--from',
      from,
      '--to',
      to,
      '--header',
      `From: ${fromHeader}`,
      '--header',
      `Subject: ${subject}`,
      '--header',
      'MIME-Version: 1.0',
      '--header',
      'Content-Type: text/plain; charset=utf-8',
      '--body',
      'よろしくお願いいたします。',
    ]);
  const caseOf = (address: string) =>
    eventually(async () => (await listCases(gw.store.db, { limit: 100 })).find((c) => c.requester.address === address), 10_000, `a case from ${address}`);
  const sevenBit = (m: SinkMessage) => {
    const head = headerBlock(m.raw);
    expect([...head].filter((b) => b >= 0x80)).toEqual([]);
    const encoding = /^Content-Transfer-Encoding: *(\S+)/im.exec(head.toString('latin1'))?.[1]?.toLowerCase();
    expect(['quoted-printable', 'base64', '7bit']).toContain(encoding);
    // Whatever the header says, no 8-bit byte crosses a 7-bit relay.
    expect([...m.raw].filter((b) => b >= 0x80)).toEqual([]);
  };

  it("a Japanese channel's acknowledgement is Japanese, in UTF-8 with proper MIME", async () => {
    const r = await send(
      'help@solarmora.com',
      'taro@customer.example',
      '=?UTF-8?B?5bGx55SwIOWkqumDjg==?= <taro@customer.example>',
      '=?UTF-8?B?44OX44Oq44Oz44K/44O844GM5YuV44GN44G+44Gb44KT?=',
    );
    expect(r.lastReply).toMatch(/^250 /);
    const c = await caseOf('taro@customer.example');
    const ack = await sink.waitFor((m) => m.rcptTo.includes('taro@customer.example'), 10_000);
    sevenBit(ack);
    const parsed = await simpleParser(ack.raw);
    const expected = renderAutoMail(
      { name: 'ソラモラ サポート窓口', publicAddress: 'help@solarmora.com', language: 'ja' },
      { kind: 'acknowledgement', caseNumber: c.number, subject: 'プリンターが動きません', customer: { name: '山田 太郎', address: 'taro@customer.example' } },
    );
    expect(parsed.subject).toBe(`[#${c.number}] Re: プリンターが動きません`);
    expect(parsed.subject).toBe(expected.subject);
    expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(expected.text);
    expect(parsed.text).toContain('山田 太郎 様');
    expect(parsed.text).toContain('このたびはソラモラ サポート窓口へお問い合わせいただき、誠にありがとうございます。');
    expect(parsed.from?.value[0]).toEqual({ name: 'ソラモラ サポート窓口', address: 'help@solarmora.com' });
    expect(headerBlock(ack.raw).toString('latin1')).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/im);
  });

  it("an English channel's own template is what the customer receives", async () => {
    const r = await send('billing@solarmora.com', 'jane@customer.example', 'Jane Doe <jane@customer.example>', 'Invoice 42');
    expect(r.lastReply).toMatch(/^250 /);
    const c = await caseOf('jane@customer.example');
    const ack = await sink.waitFor((m) => m.rcptTo.includes('jane@customer.example'), 10_000);
    sevenBit(ack);
    const parsed = await simpleParser(ack.raw);
    expect(parsed.subject).toBe(`[#${c.number}] Billing received: Invoice 42`);
    expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(`Dear Jane Doe,\ncase ${c.number} at Billing <billing@solarmora.com>.\n`);
  });

  it("a Japanese channel's forwarding check is Japanese, and still verifies the channel", async () => {
    const sent = await verifyChannel(await loadDeskContext(gw.store.db), 'ソラモラ サポート窓口');
    expect(sent.state).toBe('pending');
    gw.node.runner?.wake();
    await eventually(
      async () => (await listDeskChannels(gw.store.db)).find((c) => c.name === 'ソラモラ サポート窓口')?.verification.state === 'verified',
      10_000,
      'verified',
    );
    // The rule's added recipient gets a copy of what went through the public address.
    const copy = await eventually(async () => {
      for (const m of sink.messages.filter((x) => x.rcptTo.includes('watch@customer.example'))) {
        const parsed = await simpleParser(m.raw);
        if (parsed.subject?.startsWith('転送設定の確認 ')) return { m, parsed };
      }
      return null;
    });
    sevenBit(copy.m);
    expect(copy.parsed.text).toContain('確認コード：');
    expect(copy.parsed.from?.value[0]?.name).toBe('Relaydesk 転送確認');
  });
});
