/**
 * ARC: mail a rule forwards leaves sealed, so a receiver that trusts us can see past the
 * DKIM signature our subject prefix and header broke. The receiving end is mailauth's
 * verifier with the same fixed DNS: our ARC key, the sender domain's DKIM key and DMARC
 * p=reject, and an earlier forwarder's ARC key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { authenticate, type DNSResolver } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll, wholeMessage } from '../../src/base/message-source.js';
import { EVENTS } from '../../src/base/events.js';
import { signDkim } from '../../src/outbound/index.js';
import { loadTrace } from '../../src/store/index.js';
import { fixedResolver } from '../support/fixed-dns.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

function rsaKey() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
const ours = rsaKey();
const sender = rsaKey();
const forwarder = rsaKey();
const txtKey = (k: { publicKey: Buffer }) => ({ TXT: [`v=DKIM1; k=rsa; p=${k.publicKey.toString('base64')}`] });

const resolver = fixedResolver({
  'sender.example': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
  '_dmarc.sender.example': { TXT: ['v=DMARC1; p=reject'] },
  's1._domainkey.sender.example': txtKey(sender),
  'arc1._domainkey.solarmora.com': txtKey(ours),
  'f1._domainkey.forwarder.example': txtKey(forwarder),
});

const config = (port: number) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${port}, tls: none, domains: [crm.test] }
smtp:
  connectionLimitExceptions: [127.0.0.0/8]
arc: { domain: solarmora.com, selector: arc1, privateKey: ${JSON.stringify(ours.privateKey)} }
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
      customHeaders: { X-Relaydesk-Rule: help }
      prependSubject: "[help] "
`;

/** A message from sender.example, signed by it, as its own server would send it. */
async function signedBySender(subject: string): Promise<Buffer> {
  const raw = Buffer.from(
    `From: Alice <alice@sender.example>\r\nTo: help@solarmora.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@sender.example>\r\n` +
      `Date: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nMy printer is on fire.\r\n`,
  );
  return readAll(wholeMessage(await signDkim(raw, { domain: 'sender.example', selector: 's1', privateKey: sender.privateKey })), 1 << 20);
}

/** What a receiving end says of a message, as the next hop after us. */
function verify(raw: Buffer) {
  return authenticate(raw, {
    ip: '127.0.0.1',
    helo: 'gw.relaydesk.test',
    sender: 'bounce@solarmora.com',
    mta: 'mx.crm.test',
    resolver: resolver as DNSResolver,
    disableBimi: true,
  });
}

const qidOf = (reply: string | undefined) => /queued as ([0-9A-Z]+)/.exec(reply ?? '')?.[1] ?? '';

describe.each(DIALECTS)('ARC sealing on %s', (dialect) => {
  let sink: Sink;
  let gw: TestNode;
  beforeAll(async () => {
    sink = await startSink();
    gw = await startTestNode({ dialect, config: config(sink.port), resolver });
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  async function forward(raw: Buffer, subject: string) {
    const r = await swaks(['--server', `127.0.0.1:${gw.smtpPort}`, '--from', 'alice@sender.example', '--to', 'help@solarmora.com', '--data', '-'], {
      input: raw,
    });
    const qid = qidOf(r.lastReply);
    expect(qid, r.stdout + r.stderr).not.toBe('');
    const got = await sink.waitFor((m) => m.raw.includes(subject), 15_000);
    const trace = await eventually(async () => {
      const t = await loadTrace(gw.store.db, qid);
      return t.some((s) => s.code === EVENTS.delivered) && t;
    });
    return { got, trace };
  }

  it('seals a forwarded message from a p=reject domain so that the chain validates where DKIM fails', async () => {
    const { got, trace } = await forward(await signedBySender('Printer fire'), 'Printer fire');
    const text = got.raw.toString();
    expect(text).toMatch(/^ARC-Seal: i=1;/);
    expect(text).toContain('Subject: [help] Printer fire');
    expect(text).toContain('X-Relaydesk-Rule: help');

    const result = await verify(got.raw);
    expect(result.dkim.results.find((d) => d.signingDomain === 'sender.example')?.status.result).toBe('fail');
    expect(result.dmarc && result.dmarc.status.result).toBe('fail');
    expect(result.arc && result.arc.status.result).toBe('pass');
    expect(result.arc && result.arc.i).toBe(1);
    expect(result.arc && result.arc.signature && result.arc.signature.signingDomain).toBe('solarmora.com');
    // What we saw at receipt travels in the seal: the sender's DKIM and DMARC passed then.
    expect(text).toMatch(/ARC-Authentication-Results: i=1; gw\.relaydesk\.test;[\s\S]*dkim=pass[\s\S]*dmarc=pass/);

    const seal = trace.find((s) => s.code === EVENTS.arcSealed);
    expect(seal?.data).toMatchObject({ instance: 1, cv: 'none', domain: 'solarmora.com', selector: 'arc1' });
    expect(trace.findIndex((s) => s.code === EVENTS.arcSealed)).toBeLessThan(trace.findIndex((s) => s.code === EVENTS.delivered));
  });

  it('continues a valid chain a forwarder started: instance 2, cv=pass, and the chain validates', async () => {
    const signed = await signedBySender('Second hop');
    // The forwarder before us authenticated and sealed it (i=1) without changing it.
    const before = await authenticate(signed, {
      ip: '127.0.0.1',
      helo: 'mail.sender.example',
      sender: 'alice@sender.example',
      mta: 'mx.forwarder.example',
      resolver: resolver as DNSResolver,
      disableBimi: true,
      seal: { signingDomain: 'forwarder.example', selector: 'f1', privateKey: forwarder.privateKey },
    });
    const withChain = Buffer.concat([Buffer.from(before.headers), signed]);
    expect(withChain.toString()).toMatch(/^ARC-Seal: i=1;/);

    const { got, trace } = await forward(withChain, 'Second hop');
    const result = await verify(got.raw);
    expect(result.arc && result.arc.status.result).toBe('pass');
    expect(result.arc && result.arc.i).toBe(2);
    expect(result.arc && result.arc.signature && result.arc.signature.signingDomain).toBe('solarmora.com');
    expect(got.raw.toString()).toMatch(/^ARC-Seal: i=2; .*cv=pass/s);
    expect(trace.find((s) => s.code === EVENTS.arcSealed)?.data).toMatchObject({ instance: 2, cv: 'pass' });
  });
});
