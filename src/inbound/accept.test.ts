import { describe, expect, it } from 'vitest';
import { countReceivedHeaders, decideData, isSrsAddress, renderReceivedHeader, stripForgedAuthResults, MAX_RECEIVED_HEADERS } from './accept.js';

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
    [{ size: 50, maxSize: 100, sizeExceeded: false, receivedHeaders: 0, problem: 'too-many-header-fields' as const, headerFields: 1001 }, 'reject', '552 5.3.4'],
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
    const raw = b('Authentication-Results: gw.test;\r\n\tspf=pass\r\nAuthentication-Results: other.example; dkim=pass\r\nSubject: x\r\n\r\nAuthentication-Results: gw.test; body stays\r\n');
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
    const h = renderReceivedHeader({ helo: 'evil\r\nBcc: x@y', clientIp: '127.0.0.1', hostname: 'gw.test', queueId: 'Q1', recipient: 'a@b', tls: false, date: new Date(0) });
    expect(h.split('\r\n').filter((l) => l && !/^\s/.test(l))).toHaveLength(1);
    expect(h).toContain('with ESMTP id Q1');
  });
});
