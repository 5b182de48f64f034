import type { AuthenticateResult, DKIMResult } from 'mailauth';
import { describe, expect, it } from 'vitest';
import { scoreMessage } from './score.js';
import { extractAuthenticationResults, renderUnverifiedHeader, summarizeAuth, toAuthResult, unverifiedAuth } from './summarize-auth.js';

function dkimRow(result: DKIMResult['status']['result'], extra: Partial<DKIMResult['status']> = {}): DKIMResult {
  return { signingDomain: 'example.com', selector: 's1', status: { result, aligned: true, ...extra }, info: '' };
}

function mailauthResult(patch: Partial<AuthenticateResult> = {}): AuthenticateResult {
  return {
    dkim: { headerFrom: ['alice@example.com'], envelopeFrom: 'alice@example.com', results: [dkimRow('pass')] },
    spf: { domain: 'example.com', 'client-ip': '127.0.0.1', status: { result: 'pass', comment: 'mx: designates' }, header: '', info: '' },
    dmarc: {
      domain: 'example.com',
      policy: 'reject',
      p: 'reject',
      sp: 'reject',
      status: { result: 'pass', comment: 'p=REJECT' },
      alignment: { spf: { result: 'example.com', strict: false }, dkim: { result: 'example.com', strict: false } },
      info: '',
    },
    arc: { i: 0, status: { result: 'none' } },
    bimi: false,
    headers: '',
    ...patch,
  };
}

describe('toAuthResult', () => {
  it.each([
    ['pass', 'pass'],
    ['temperr', 'temperror'],
    ['skipped', 'none'],
    [undefined, 'none'],
    ['policy', 'policy'],
    ['something-new', 'neutral'],
  ] as const)('%s → %s', (value, expected) => {
    expect(toAuthResult(value)).toBe(expected);
  });
});

describe('summarizeAuth', () => {
  it('keeps what the trace needs', () => {
    expect(summarizeAuth(mailauthResult(), { keyLookupFailed: false })).toEqual({
      spf: { result: 'pass', domain: 'example.com', comment: 'mx: designates' },
      dkim: [{ result: 'pass', domain: 'example.com', selector: 's1', aligned: true }],
      dmarc: { result: 'pass', domain: 'example.com', policy: 'reject', comment: 'p=REJECT' },
      arc: { result: 'none' },
    });
  });

  it('reads a body hash mismatch as a failed signature', () => {
    const result = mailauthResult({
      dkim: {
        headerFrom: [],
        envelopeFrom: false,
        results: [dkimRow('neutral', { comment: 'body hash did not verify' }), dkimRow('neutral', { comment: 'no key' })],
      },
    });
    expect(summarizeAuth(result, { keyLookupFailed: false }).dkim.map((d) => d.result)).toEqual(['fail', 'neutral']);
  });

  it('drops the placeholder row of an unsigned message', () => {
    // mailauth's typings promise a signing domain; its placeholder row has none.
    const result = mailauthResult({
      dkim: {
        headerFrom: [],
        envelopeFrom: false,
        results: [{ signingDomain: undefined as unknown as string, status: { result: 'none', comment: 'message not signed' }, info: '' }],
      },
    });
    expect(summarizeAuth(result, { keyLookupFailed: false }).dkim).toEqual([]);
  });

  it('says none where a check did not run, and keeps no policy it cannot read', () => {
    const summary = summarizeAuth(mailauthResult({ spf: false, dmarc: false, arc: false }), { keyLookupFailed: false });
    expect(summary.spf).toEqual({ result: 'none', domain: '' });
    expect(summary.dmarc).toEqual({ result: 'none', domain: '', policy: null });
    expect(summary.arc).toEqual({ result: 'none' });
    const odd = mailauthResult();
    if (odd.dmarc) odd.dmarc.policy = 'bogus';
    expect(summarizeAuth(odd, { keyLookupFailed: false }).dmarc.policy).toBeNull();
  });

  it('turns an ARC fail into temperror only when a key lookup failed', () => {
    const result = mailauthResult({ arc: { i: 1, status: { result: 'fail', comment: 'seal' } } });
    expect(summarizeAuth(result, { keyLookupFailed: false }).arc.result).toBe('fail');
    expect(summarizeAuth(result, { keyLookupFailed: true }).arc.result).toBe('temperror');
  });
});

describe('unverifiedAuth', () => {
  it('is temperror everywhere and not spam by itself', () => {
    const auth = unverifiedAuth('checks timed out');
    expect([auth.spf.result, auth.dmarc.result, auth.arc.result, ...auth.dkim.map((d) => d.result)]).toEqual([
      'temperror',
      'temperror',
      'temperror',
      'temperror',
    ]);
    const verdict = scoreMessage(
      { auth, gtube: false, headerHits: [], mailFrom: 'a@example.com', headerFrom: ['a@example.com'] },
      { allowSenders: [], denySenders: [] },
    );
    expect(verdict).toEqual({ spam: false, score: 0, reasons: ['dmarc-temperror', 'spf-temperror', 'dkim-temperror'] });
  });

  it('renders a header that cannot be broken by its reason', () => {
    const header = renderUnverifiedHeader('mx.solarmora.com', 'bad (reason)\r\nX-Injected: 1');
    expect(header).toMatch(/^Authentication-Results: mx\.solarmora\.com;\r\n spf=temperror/);
    expect(
      header
        .split('\r\n')
        .filter((l) => l !== '')
        .every((l) => l.startsWith('Authentication-Results:') || l.startsWith(' ')),
    ).toBe(true);
    expect(header.endsWith('\r\n')).toBe(true);
  });
});

describe('extractAuthenticationResults', () => {
  it('picks the field out of mailauth headers', () => {
    const headers =
      'ARC-Seal: i=1; a=rsa-sha256;\r\n b=xyz\r\nReceived-SPF: pass client-ip=127.0.0.1;\r\nAuthentication-Results: mx;\r\n dkim=pass;\r\n spf=pass\r\n';
    expect(extractAuthenticationResults(headers)).toBe('Authentication-Results: mx;\r\n dkim=pass;\r\n spf=pass\r\n');
    expect(extractAuthenticationResults('Received-SPF: pass\r\n')).toBeNull();
  });
});
