import { generateKeyPairSync } from 'node:crypto';
import { authenticate } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { fixedResolver } from '../../test/support/fixed-dns.js';
import { readAll, wholeMessage } from '../base/message-source.js';
import { keyForMessage, signDkim } from './dkim-sign.js';

const keys = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'der' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const key = { domain: 'solarmora.com', selector: 'rd1', privateKey: keys.privateKey };
const raw = Buffer.from(
  'From: Support <help@solarmora.com>\r\nTo: carol@customer.example\r\nSubject: [#1001] Re: Printer\r\nMessage-ID: <a@solarmora.com>\r\nDate: Fri, 27 Nov 2026 08:00:00 +0000\r\n\r\nWe are on it.\r\n',
);

describe('DKIM signing', () => {
  it('picks the key of the From domain only', () => {
    expect(keyForMessage(raw, [key])).toBe(key);
    expect(keyForMessage(Buffer.from('From: x@customer.example\r\n\r\n'), [key])).toBeNull();
    expect(keyForMessage(Buffer.from('From: x@sub.solarmora.com\r\n\r\n'), [key])).toBeNull();
  });

  it('produces a signature that verifies against the published key', async () => {
    const signed = await readAll(wholeMessage(await signDkim(raw, key)), 1 << 20);
    expect(signed.toString()).toMatch(/^DKIM-Signature: .*d=solarmora\.com/);
    const resolver = fixedResolver({ 'rd1._domainkey.solarmora.com': { TXT: [[`v=DKIM1; k=rsa; p=${keys.publicKey.toString('base64')}`]] } });
    const result = await authenticate(signed, {
      ip: '127.0.0.1',
      helo: 'gw',
      sender: 'help@solarmora.com',
      mta: 'mx.test',
      resolver: resolver as never,
      disableArc: true,
      disableBimi: true,
    });
    expect(result.dkim.results[0]?.status.result).toBe('pass');
  });

  it('says what to fix when the key is unusable', async () => {
    await expect(signDkim(raw, { ...key, privateKey: 'not a key' })).rejects.toThrow(/dkim\[\]\.privateKey/);
  });
});
