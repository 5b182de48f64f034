import { generateKeyPairSync } from 'node:crypto';
import { authenticate, type DNSResolver } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { fixedResolver } from '../../test/support/fixed-dns.js';
import { readAll, sourceOf, wholeMessage } from '../base/message-source.js';
import { arcKeyFor, chainValidation, forwardedByRule, lastArcInstance, MAX_ARC_INSTANCE, ourAuthResults, sealArc } from './arc-seal.js';

const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const ed = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const key = { domain: 'solarmora.com', selector: 'arc1', privateKey: rsa.privateKey };
const now = new Date('2026-12-03T08:00:00Z');

const header =
  'Received: from mail.sender.example by gw.relaydesk.test\r\n' +
  'Authentication-Results: gw.relaydesk.test;\r\n spf=pass smtp.mailfrom=sender.example;\r\n dkim=pass header.d=sender.example\r\n' +
  'Authentication-Results: mx.sender.example; spf=none\r\n' +
  'From: alice@sender.example\r\nTo: help@solarmora.com\r\nSubject: [help] Hello\r\n\r\n';
const raw = Buffer.from(`${header}Body.\r\n`);

describe('which key seals', () => {
  const dkim = [
    { domain: 'edonly.example', selector: 'e0', privateKey: ed.privateKey },
    { domain: 'other.example', selector: 'd0', privateKey: rsa.privateKey },
    { domain: 'solarmora.com', selector: 'd1', privateKey: rsa.privateKey },
  ];
  it('takes arc when given, else the RSA DKIM key of the first domain that has one, else none', () => {
    expect(arcKeyFor({ arc: key, dkim, domains: ['solarmora.com'] })).toBe(key);
    expect(arcKeyFor({ dkim, domains: ['edonly.example', 'nokey.example', 'solarmora.com'] })?.selector).toBe('d1');
    expect(arcKeyFor({ dkim, domains: ['edonly.example', 'nokey.example'] })).toBeNull();
  });
});

describe('what is sealed', () => {
  it('copies a rule re-addressed or added, not mail to the recipient the sender wrote', () => {
    expect(forwardedByRule([{ recipient: 'support@crm.test', originalRecipient: 'help@solarmora.com' }])).toBe(true);
    expect(forwardedByRule([{ recipient: 'Help@Solarmora.com', originalRecipient: 'help@solarmora.com' }])).toBe(false);
  });
});

describe('the chain so far', () => {
  it('finds the last instance among ARC-Seal fields only', () => {
    expect(lastArcInstance(Buffer.from(header))).toBe(0);
    const chained = Buffer.from('ARC-Seal: i=2; a=rsa-sha256; cv=pass\r\nARC-Message-Signature: i=7; a=rsa-sha256\r\nARC-Seal: i=1; cv=none\r\n' + header);
    expect(lastArcInstance(chained)).toBe(2);
  });

  it('writes cv=none without a chain, pass only for a chain that passed at receipt, fail otherwise', () => {
    expect(chainValidation(0, 'temperror')).toBe('none');
    expect(chainValidation(1, 'pass')).toBe('pass');
    expect(chainValidation(1, 'fail')).toBe('fail');
    expect(chainValidation(1, 'temperror')).toBe('fail');
  });

  it('carries our own Authentication-Results, not another host’s', () => {
    expect(ourAuthResults(Buffer.from(header), 'gw.relaydesk.test')).toBe(
      'gw.relaydesk.test;\r\n spf=pass smtp.mailfrom=sender.example;\r\n dkim=pass header.d=sender.example',
    );
    expect(ourAuthResults(Buffer.from(header), 'other.relaydesk.test')).toBe('other.relaydesk.test; none');
  });
});

describe('sealing', () => {
  const resolver = fixedResolver({
    'arc1._domainkey.solarmora.com': { TXT: [`v=DKIM1; k=rsa; p=${rsa.publicKey.toString('base64')}`] },
  });
  const verify = async (b: Buffer) =>
    authenticate(b, { ip: '127.0.0.1', helo: 'gw', sender: 'x@solarmora.com', mta: 'mx.test', resolver: resolver as DNSResolver, disableBimi: true });

  it('prepends a set that a receiver validates', async () => {
    const sealed = await sealArc(sourceOf(raw), key, { authResults: ourAuthResults(raw, 'gw.relaydesk.test'), arcResultAtReceipt: 'none', now });
    expect(sealed).toMatchObject({ instance: 1, cv: 'none' });
    const out = await readAll(wholeMessage(sealed!.source), 1 << 20);
    expect(out.toString()).toMatch(/^ARC-Seal: i=1; a=rsa-sha256; t=1796284800; cv=none; d=solarmora\.com;\s+s=arc1;/);
    expect(out.toString()).toContain('ARC-Authentication-Results: i=1; gw.relaydesk.test;');
    expect(sealed!.source.size).toBe(out.length);
    const result = await verify(out);
    expect(result.arc && result.arc.status.result).toBe('pass');
  });

  it('ends a chain that failed at receipt with cv=fail, which no receiver validates', async () => {
    const broken = Buffer.concat([Buffer.from('ARC-Seal: i=1; a=rsa-sha256; cv=none; d=gone.example; s=x; b=AAAA\r\n'), raw]);
    const sealed = await sealArc(sourceOf(broken), key, { authResults: 'gw.relaydesk.test; arc=fail', arcResultAtReceipt: 'fail', now });
    expect(sealed).toMatchObject({ instance: 2, cv: 'fail' });
    const out = await readAll(wholeMessage(sealed!.source), 1 << 20);
    expect(out.toString()).toMatch(/^ARC-Seal: i=2; .*cv=fail/);
    const result = await verify(out);
    expect(result.arc && result.arc.status.result).toBe('fail');
  });

  it('adds nothing to a chain at its last instance', async () => {
    const full = Buffer.concat([Buffer.from(`ARC-Seal: i=${MAX_ARC_INSTANCE}; cv=pass\r\n`), raw]);
    expect(await sealArc(sourceOf(full), key, { authResults: 'gw; none', arcResultAtReceipt: 'pass', now })).toBeNull();
  });

  it('says what to fix when the key is unusable or not RSA', async () => {
    for (const privateKey of ['not a key', ed.privateKey]) {
      await expect(sealArc(sourceOf(raw), { ...key, privateKey }, { authResults: 'gw; none', arcResultAtReceipt: 'none', now })).rejects.toThrow(
        /not an RSA private key.*arc\.privateKey/,
      );
    }
  });
});
