import { generateKeyPairSync } from 'node:crypto';
import { dkimSign, sealMessage } from 'mailauth';
import { beforeAll, describe, expect, it } from 'vitest';
import { dnsError, fixedResolver, unresponsiveResolver, type FixedRecords } from '../../../test/support/fixed-dns.js';
import { GTUBE } from '../gtube.js';
import type { SpamPolicy } from '../model.js';
import { checkMessage, MAX_DKIM_SIGNATURES, type CheckEnvelope, type Resolver } from './check-message.js';

const noLists: SpamPolicy = { allowSenders: [], denySenders: [] };

const envelope: CheckEnvelope = {
  mailFrom: 'alice@example.com',
  clientIp: '127.0.0.1',
  helo: 'mail.example.com',
  mtaHostname: 'mx.solarmora.com',
};

function message(body = 'My printer on floor 3 is jammed again.\r\n'): Buffer {
  return Buffer.from(
    [
      'From: Alice Example <alice@example.com>',
      'To: help@solarmora.com',
      'Subject: Printer jammed',
      'Date: Tue, 3 Mar 2026 10:15:00 +0100',
      'Message-ID: <printer-1@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
    ].join('\r\n'),
  );
}

let privateKey = '';
let records: FixedRecords = {};

async function sign(raw: Buffer, signingDomain = 'example.com', selector = 's1'): Promise<Buffer> {
  const key = { signingDomain, selector, privateKey, canonicalization: 'relaxed/relaxed' };
  // mailauth 4 signs only what is in signatureData; its typings also demand the
  // same fields at the top level, where they are ignored.
  const result = await dkimSign(raw, { ...key, signatureData: [key] });
  expect(result.errors).toEqual([]);
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}

beforeAll(() => {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  privateKey = keys.privateKey;
  records = {
    'example.com': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    's1._domainkey.example.com': { TXT: [`v=DKIM1; k=rsa; p=${keys.publicKey.toString('base64')}`] },
    '_dmarc.example.com': { TXT: ['v=DMARC1; p=reject; rua=mailto:dmarc@example.com'] },
  };
});

describe('checkMessage', () => {
  it(`verifies at most ${MAX_DKIM_SIGNATURES} DKIM signatures, however many the message carries`, async () => {
    let raw = message();
    for (let i = 0; i < 25; i++) raw = await sign(raw);
    let lookups = 0;
    const fixed = fixedResolver(records);
    const resolver: Resolver = (name, rrtype) => {
      if (name.includes('._domainkey.')) lookups++;
      return fixed(name, rrtype);
    };
    // The bound is the point, not the time: a busy machine may take a while for ten RSA checks.
    const out = await checkMessage(raw, envelope, { resolver, policy: noLists, timeoutMs: 60_000 });
    expect(out.authResults.dkim.length).toBe(MAX_DKIM_SIGNATURES);
    expect(out.authResults.dkim.map((d) => d.result)).toEqual(Array.from({ length: MAX_DKIM_SIGNATURES }, () => 'pass'));
    expect(lookups).toBeLessThanOrEqual(MAX_DKIM_SIGNATURES);
  });

  it('passes SPF, DKIM and DMARC for a signed message from an allowed IP: ham', async () => {
    const raw = await sign(message());
    const out = await checkMessage(raw, envelope, { resolver: fixedResolver(records), policy: noLists });
    expect(out.authResults).toMatchObject({
      spf: { result: 'pass', domain: 'example.com' },
      dkim: [{ result: 'pass', domain: 'example.com', selector: 's1', aligned: true }],
      dmarc: { result: 'pass', domain: 'example.com', policy: 'reject' },
      arc: { result: 'none' },
    });
    expect(out.verdict).toEqual({ spam: false, score: 0, reasons: [] });
    expect(out.authenticationResultsHeader).toMatch(/^Authentication-Results: mx\.solarmora\.com;\r\n/);
    expect(out.authenticationResultsHeader).toMatch(/dkim=pass/);
    expect(out.authenticationResultsHeader).toMatch(/spf=pass/);
    expect(out.authenticationResultsHeader).toMatch(/dmarc=pass/);
    expect(out.authenticationResultsHeader.endsWith('\r\n')).toBe(true);
    // The summary is what the trace stores: it must survive JSON unchanged.
    expect(JSON.parse(JSON.stringify(out.authResults))).toEqual(out.authResults);
  });

  it('reports a tampered body as a failed signature', async () => {
    const raw = Buffer.from((await sign(message())).toString().replace('floor 3', 'floor 4'));
    const out = await checkMessage(raw, envelope, { resolver: fixedResolver(records), policy: noLists });
    expect(out.authResults.dkim).toMatchObject([{ result: 'fail', domain: 'example.com' }]);
    // SPF still passes and aligns, so DMARC holds: a broken signature alone is not spam.
    expect(out.authResults.dmarc.result).toBe('pass');
    expect(out.verdict).toEqual({ spam: false, score: 1, reasons: ['dkim-fail'] });
  });

  it('holds a forged sender from a foreign IP under p=reject as spam', async () => {
    const raw = Buffer.from((await sign(message())).toString().replace('floor 3', 'floor 4'));
    const out = await checkMessage(raw, { ...envelope, clientIp: '203.0.113.9', helo: 'evil.example' }, { resolver: fixedResolver(records), policy: noLists });
    expect(out.authResults.spf.result).toBe('fail');
    expect(out.authResults.dmarc).toMatchObject({ result: 'fail', policy: 'reject' });
    expect(out.verdict.spam).toBe(true);
    expect(out.verdict.reasons).toEqual(['dmarc-reject', 'spf-fail', 'dkim-fail']);
  });

  it('holds an unsigned forgery too', async () => {
    const out = await checkMessage(message(), { ...envelope, clientIp: '203.0.113.9' }, { resolver: fixedResolver(records), policy: noLists });
    expect(out.authResults.dkim).toEqual([]);
    expect(out.verdict.reasons).toEqual(['dmarc-reject', 'spf-fail', 'dkim-none']);
    expect(out.verdict.spam).toBe(true);
  });

  it('marks GTUBE as spam even when fully authenticated', async () => {
    const raw = await sign(message(`This is the GTUBE test.\r\n${GTUBE}\r\n`));
    const out = await checkMessage(raw, envelope, { resolver: fixedResolver(records), policy: noLists });
    expect(out.authResults.dmarc.result).toBe('pass');
    expect(out.verdict).toEqual({ spam: true, score: 1000, reasons: ['gtube'] });
  });

  it('lets an authenticated allow-listed sender through, GTUBE and all', async () => {
    const raw = await sign(message(`${GTUBE}\r\n`));
    const out = await checkMessage(raw, envelope, { resolver: fixedResolver(records), policy: { allowSenders: ['@example.com'], denySenders: [] } });
    expect(out.verdict).toEqual({ spam: false, score: 0, reasons: ['allow-list'] });
  });

  it('does not let a forged allow-listed sender through', async () => {
    const out = await checkMessage(
      message(`${GTUBE}\r\n`),
      { ...envelope, clientIp: '203.0.113.9' },
      {
        resolver: fixedResolver(records),
        policy: { allowSenders: ['@example.com'], denySenders: [] },
      },
    );
    expect(out.verdict.spam).toBe(true);
    expect(out.verdict.reasons).toContain('allow-list-unauthenticated');
  });

  it('follows a delegated DKIM key (CNAME) like a recursive resolver', async () => {
    const raw = await sign(message(), 'example.com', 'esp');
    const key = records['s1._domainkey.example.com'];
    const resolver = fixedResolver({ ...records, 'esp._domainkey.example.com': { CNAME: ['s1.keys.esp.example.net.'] }, 's1.keys.esp.example.net': key ?? {} });
    const out = await checkMessage(raw, envelope, { resolver, policy: noLists });
    expect(out.authResults.dkim).toMatchObject([{ result: 'pass', selector: 'esp' }]);
  });

  it('answers within the time limit when DNS never answers: temperror, not spam', async () => {
    const raw = await sign(message());
    const started = performance.now();
    const out = await checkMessage(raw, envelope, { resolver: unresponsiveResolver(), policy: noLists, timeoutMs: 400 });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(400 + 100);
    expect(out.authResults.spf.result).toBe('temperror');
    expect(out.authResults.dkim.map((d) => d.result)).toEqual(['temperror']);
    expect(out.authResults.dmarc.result).toBe('temperror');
    expect(out.verdict.spam).toBe(false);
    expect(out.verdict.score).toBe(0);
    expect(out.verdict.reasons).toEqual(['dmarc-temperror', 'spf-temperror', 'dkim-temperror']);
    expect(out.authenticationResultsHeader).not.toMatch(/=pass/);
  });

  it('still catches GTUBE when DNS never answers', async () => {
    const out = await checkMessage(message(`${GTUBE}\r\n`), envelope, { resolver: unresponsiveResolver(), policy: noLists, timeoutMs: 200 });
    expect(out.verdict.spam).toBe(true);
    expect(out.verdict.reasons).toContain('gtube');
  });

  it.each<[string, Resolver]>([
    ['rejects with SERVFAIL', async (name, rrtype) => Promise.reject(dnsError('ESERVFAIL', rrtype, name))],
    ['rejects with something that is not an error', async () => Promise.reject('resolver exploded')],
    [
      'throws synchronously',
      () => {
        throw new Error('no network');
      },
    ],
  ])('turns a resolver that %s into temperror, never pass', async (_name, resolver) => {
    const raw = await sign(message());
    const out = await checkMessage(raw, envelope, { resolver, policy: noLists, timeoutMs: 2_000 });
    expect(out.authResults.spf.result).toBe('temperror');
    expect(out.authResults.dkim.map((d) => d.result)).toEqual(['temperror']);
    expect(out.authResults.dmarc.result).toBe('temperror');
    expect(out.verdict.spam).toBe(false);
  });

  describe('ARC', () => {
    const forwarderKey = 'arc._domainkey.forwarder.example';

    async function sealed(): Promise<Buffer> {
      const signed = await sign(message());
      // authResults and cv are read by mailauth but missing from its typings.
      const options = {
        signingDomain: 'forwarder.example',
        selector: 'arc',
        privateKey,
        authResults: 'mx.forwarder.example; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com',
        cv: 'none',
      };
      const seal = await sealMessage(signed, options);
      return Buffer.concat([seal, signed]);
    }

    it('verifies a sealed chain', async () => {
      const resolver = fixedResolver({ ...records, [forwarderKey]: records['s1._domainkey.example.com'] ?? {} });
      const out = await checkMessage(await sealed(), envelope, { resolver, policy: noLists });
      expect(out.authResults.arc.result).toBe('pass');
      expect(out.verdict.spam).toBe(false);
    });

    it('reports a chain whose key lookup timed out as temperror, not fail', async () => {
      const fixed = fixedResolver({ ...records, [forwarderKey]: records['s1._domainkey.example.com'] ?? {} });
      const resolver: Resolver = (name, rrtype) => (name === forwarderKey ? unresponsiveResolver()(name, rrtype) : fixed(name, rrtype));
      // Two lookups of the key hang (the message signature, then the seal): each takes a third of
      // the budget, and SPF and DMARC still need time after them.
      const out = await checkMessage(await sealed(), envelope, { resolver, policy: noLists, timeoutMs: 1500 });
      expect(out.authResults.arc.result).toBe('temperror');
      expect(out.authResults.dkim.map((d) => d.result)).toEqual(['pass']);
      expect(out.verdict.reasons).toEqual([]);
    });

    it('fails a chain whose seal does not verify', async () => {
      const other = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      });
      const resolver = fixedResolver({ ...records, [forwarderKey]: { TXT: [`v=DKIM1; k=rsa; p=${other.publicKey.toString('base64')}`] } });
      const out = await checkMessage(await sealed(), envelope, { resolver, policy: noLists });
      expect(out.authResults.arc.result).toBe('fail');
      expect(out.verdict.reasons).toEqual(['arc-fail']);
    });
  });

  it('checks the HELO name for the null sender', async () => {
    const resolver = fixedResolver({ ...records, 'mail.example.com': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } });
    const out = await checkMessage(await sign(message()), { ...envelope, mailFrom: '' }, { resolver, policy: noLists });
    expect(out.authResults.spf).toMatchObject({ result: 'pass', domain: 'mail.example.com' });
    expect(out.verdict.spam).toBe(false);
  });

  it('scores header rules on real messages', async () => {
    const raw = Buffer.from(
      message()
        .toString()
        .replace(/^Date: .*\r\n/m, '')
        .replace('Subject: Printer jammed', 'Subject: PRINTER JAMMED AGAIN!!!'),
    );
    const out = await checkMessage(await sign(raw), envelope, { resolver: fixedResolver(records), policy: noLists });
    expect(out.verdict.reasons).toEqual(['header:missing-date', 'header:subject-all-caps', 'header:subject-exclamations']);
    expect(out.verdict.spam).toBe(false);
  });
});

describe('fixedResolver', () => {
  const resolver = fixedResolver({
    'Example.com.': { TXT: ['v=spf1 -all', ['two', 'strings']], MX: [{ exchange: 'mx.example.com', priority: 10 }], A: ['192.0.2.1'] },
    'long.example.com': { TXT: ['x'.repeat(600)] },
    'alias.example.com': { CNAME: ['example.com'] },
    'loop-a.example.com': { CNAME: ['loop-b.example.com'] },
    'loop-b.example.com': { CNAME: ['loop-a.example.com'] },
  });

  it('answers in node shapes, case-insensitively, ignoring a trailing dot', async () => {
    await expect(resolver('EXAMPLE.com', 'TXT')).resolves.toEqual([['v=spf1 -all'], ['two', 'strings']]);
    await expect(resolver('example.com.', 'MX')).resolves.toEqual([{ exchange: 'mx.example.com', priority: 10 }]);
    await expect(resolver('example.com', 'A')).resolves.toEqual(['192.0.2.1']);
  });

  it('splits long TXT strings at 255 bytes, as DNS carries them', async () => {
    const [chunks] = (await resolver('long.example.com', 'TXT')) as string[][];
    expect(chunks?.map((c) => c.length)).toEqual([255, 255, 90]);
  });

  it('hands out copies the caller may change', async () => {
    const first = (await resolver('example.com', 'MX')) as { priority: number }[];
    first[0]!.priority = 99;
    await expect(resolver('example.com', 'MX')).resolves.toEqual([{ exchange: 'mx.example.com', priority: 10 }]);
  });

  it('fails like node: ENOTFOUND for an unknown name, ENODATA for a missing type', async () => {
    await expect(resolver('nowhere.example', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND', syscall: 'queryTxt', hostname: 'nowhere.example' });
    await expect(resolver('example.com', 'AAAA')).rejects.toMatchObject({ code: 'ENODATA', syscall: 'queryAaaa' });
  });

  it('follows CNAMEs for other types and stops on loops', async () => {
    await expect(resolver('alias.example.com', 'A')).resolves.toEqual(['192.0.2.1']);
    await expect(resolver('alias.example.com', 'CNAME')).resolves.toEqual(['example.com']);
    await expect(resolver('loop-a.example.com', 'TXT')).rejects.toMatchObject({ code: 'ESERVFAIL' });
  });
});
