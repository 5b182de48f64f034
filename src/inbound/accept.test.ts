import { describe, expect, it } from 'vitest';
import {
  countReceivedHeaders,
  decideData,
  decideEnvelopeAddress,
  MAX_ADDRESS_LENGTH,
  isSrsAddress,
  renderReceivedHeader,
  stripForgedAuthResults,
  MAX_RECEIVED_HEADERS,
} from './accept.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('decideData', () => {
  it.each([
    [{ size: 10, maxSize: 100, sizeExceeded: false, receivedHeaders: 3 }, 'accept', undefined],
    [{ size: 101, maxSize: 100, sizeExceeded: false, receivedHeaders: 0 }, 'reject', '552 5.3.4'],
    [{ size: 50, maxSize: 100, sizeExceeded: true, receivedHeaders: 0 }, 'reject', '552 5.3.4'],
    [{ size: 50, maxSize: 100, sizeExceeded: false, receivedHeaders: MAX_RECEIVED_HEADERS }, 'accept', undefined],
    [{ size: 50, maxSize: 100, sizeExceeded: false, receivedHeaders: MAX_RECEIVED_HEADERS + 1 }, 'reject', '554 5.4.6'],
    [{ size: 50, maxSize: 100, sizeExceeded: false, receivedHeaders: 0, problem: 'too-big' as const }, 'reject', '552 5.3.4'],
    [{ size: 50, maxSize: 100, sizeExceeded: false, receivedHeaders: 0, problem: 'header-too-big' as const }, 'reject', '552 5.3.4'],
    [
      { size: 50, maxSize: 100, sizeExceeded: false, receivedHeaders: 0, problem: 'too-many-header-fields' as const, headerFields: 1001 },
      'reject',
      '552 5.3.4',
    ],
  ])('%j → %s %s', (input, kind, reply) => {
    const d = decideData(input);
    expect(d.kind).toBe(kind);
    if (d.kind === 'reject') expect(`${d.reply.code} ${d.reply.enhanced}`).toBe(reply);
  });
});

describe('countReceivedHeaders', () => {
  it('counts only header fields, not the body', () => {
    expect(countReceivedHeaders(b('Received: a\r\nreceived : b\r\n\tcont\r\nX: y\r\n\r\nReceived: in body\r\n'))).toBe(2);
  });
});

describe('stripForgedAuthResults', () => {
  it('drops a folded field in our name and keeps others', () => {
    const raw = b(
      'Authentication-Results: gw.test;\r\n\tspf=pass\r\nAuthentication-Results: other.example; dkim=pass\r\nSubject: x\r\n\r\nAuthentication-Results: gw.test; body stays\r\n',
    );
    const out = stripForgedAuthResults(raw, 'GW.test').toString('latin1');
    expect(out).toBe('Authentication-Results: other.example; dkim=pass\r\nSubject: x\r\n\r\nAuthentication-Results: gw.test; body stays\r\n');
  });
  it('returns the same buffer when there is nothing to drop', () => {
    const raw = b('Subject: x\r\n\r\nhi\r\n');
    expect(stripForgedAuthResults(raw, 'gw.test')).toBe(raw);
  });
});

describe('isSrsAddress', () => {
  const domains = new Set(['solarmora.com']);
  it.each([
    ['SRS0=HHH=TT=example.net=customer@solarmora.com', true],
    ['srs1=x=y@SOLARMORA.COM', true],
    ['SRS0=HHH=TT=example.net=customer@other.example', false],
    ['srsx@solarmora.com', false],
  ])('%s → %s', (a, want) => expect(isSrsAddress(a, domains)).toBe(want));
});

describe('renderReceivedHeader', () => {
  it('keeps client-controlled text from breaking the header', () => {
    const h = renderReceivedHeader({
      helo: 'evil\r\nBcc: x@y',
      clientIp: '127.0.0.1',
      hostname: 'gw.test',
      queueId: 'Q1',
      recipient: 'a@b',
      tls: false,
      date: new Date(0),
    });
    expect(h.split('\r\n').filter((l) => l && !/^\s/.test(l))).toHaveLength(1);
    expect(h).toContain('with ESMTP id Q1');
  });
});

describe('decideEnvelopeAddress', () => {
  const utf8 = (s: string) => Buffer.from(s, 'utf8');
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? utf8(p) : Buffer.from(p))));
  it.each([
    ['an ASCII sender', 'sender', utf8('customer@example.net'), false, 'accept'],
    ['the null sender', 'sender', utf8(''), false, 'accept'],
    ['an A-label domain is ASCII', 'recipient', utf8('x@xn--bcher-kva.example'), false, 'accept'],
    ['a UTF-8 sender with SMTPUTF8', 'sender', utf8('café@bücher.example'), true, 'accept'],
    ['a UTF-8 recipient with SMTPUTF8', 'recipient', utf8('用户@例子.广告'), true, 'accept'],
    ['a real U+FFFD is UTF-8', 'recipient', utf8('\ufffd@solarmora.com'), true, 'accept'],
    [
      'a UTF-8 sender without SMTPUTF8',
      'sender',
      utf8('café@example.net'),
      false,
      '553 5.6.7 The sender address is not ASCII, and MAIL FROM did not carry SMTPUTF8',
    ],
    ['a UTF-8 recipient domain without SMTPUTF8', 'recipient', utf8('help@bücher.example'), false, '553 5.6.7 The recipient address is not ASCII'],
    ['Latin-1 bytes', 'sender', bytes('caf', [0xe9], '@example.net'), false, '553 5.6.7 The sender address is not valid UTF-8'],
    ['Latin-1 bytes even with SMTPUTF8', 'recipient', bytes('caf', [0xe9], '@example.net'), true, '553 5.6.7 The recipient address is not valid UTF-8'],
    ['a stray continuation byte', 'recipient', bytes('x', [0x80], '@solarmora.com'), true, '553 5.6.7 The recipient address is not valid UTF-8'],
    ['a truncated sequence', 'recipient', bytes('x', [0xe4, 0xbd], '@solarmora.com'), true, '553 5.6.7 The recipient address is not valid UTF-8'],
    ['an overlong encoding', 'recipient', bytes('x', [0xc0, 0xaf], '@solarmora.com'), true, '553 5.6.7 The recipient address is not valid UTF-8'],
    ['a UTF-16 surrogate', 'recipient', bytes('x', [0xed, 0xa0, 0x80], '@solarmora.com'), true, '553 5.6.7 The recipient address is not valid UTF-8'],
    ['a sender too long', 'sender', utf8(`${'a'.repeat(MAX_ADDRESS_LENGTH)}@x.example`), false, '501 5.1.7 The sender address is too long'],
    ['a recipient too long', 'recipient', utf8(`${'a'.repeat(MAX_ADDRESS_LENGTH)}@x.example`), false, '501 5.1.3 The recipient address is too long'],
  ] as const)('%s', (_name, role, written, smtpUtf8, expected) => {
    const d = decideEnvelopeAddress({ role, written, smtpUtf8 });
    if (expected === 'accept') expect(d).toEqual({ kind: 'accept' });
    else expect(d.kind === 'reject' && `${d.reply.code} ${d.reply.enhanced} ${d.reply.text}`.slice(0, expected.length)).toBe(expected);
  });
  it('answers in ASCII whatever the address', () => {
    const d = decideEnvelopeAddress({ role: 'recipient', written: utf8('用户@例子.广告'), smtpUtf8: false });
    expect(d.kind === 'reject' && /^[\x20-\x7e]+$/.test(d.reply.text)).toBe(true);
  });
});
