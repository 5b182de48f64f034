/**
 * Turns mailauth's rich result into the small `AuthSummary` the scorer and the
 * trace use, and says what to record when the checks could not run at all.
 * Pure: mailauth is only a type here.
 */

import type { AuthenticateResult, DKIMResult } from 'mailauth';
import type { AuthResult, AuthSummary, DkimSummary, DmarcPolicy } from './model.js';

const AUTH_RESULTS: ReadonlySet<string> = new Set<AuthResult>(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'policy']);

function isAuthResult(value: string): value is AuthResult {
  return AUTH_RESULTS.has(value);
}

/** mailauth's spellings folded into RFC 8601's; anything unknown counts as `neutral`, never `pass`. */
export function toAuthResult(value: string | undefined): AuthResult {
  if (value === 'temperr') return 'temperror';
  if (value === 'skipped' || value === undefined) return 'none';
  return isAuthResult(value) ? value : 'neutral';
}

function toDmarcPolicy(value: string | undefined): DmarcPolicy | null {
  const v = value?.trim().toLowerCase();
  return v === 'none' || v === 'quarantine' || v === 'reject' ? v : null;
}

function comment(value: unknown): { comment?: string } {
  return typeof value === 'string' && value !== '' ? { comment: value } : {};
}

function summarizeDkim(row: DKIMResult): DkimSummary {
  // A body that no longer matches its signature is a failed signature (RFC 6376
  // §6.1.3); mailauth reports it as `neutral`, which would read as "unverifiable".
  const bodyHashFailed = row.status.result === 'neutral' && row.status.comment === 'body hash did not verify';
  return {
    result: bodyHashFailed ? 'fail' : toAuthResult(row.status.result),
    domain: row.signingDomain,
    selector: row.selector ?? '',
    aligned: Boolean(row.status.aligned),
    ...comment(row.status.comment),
  };
}

export interface SummarizeOptions {
  /**
   * A lookup of a `_domainkey` key failed temporarily. mailauth reports an ARC
   * chain it could not verify for that reason as `fail`; we say `temperror`.
   */
  readonly keyLookupFailed: boolean;
}

export function summarizeAuth(result: AuthenticateResult, opts: SummarizeOptions): AuthSummary {
  const { spf, dmarc, arc } = result;
  // mailauth adds one `none` row without a signing domain when there is no signature.
  const dkim = result.dkim.results.filter((row) => typeof row.signingDomain === 'string' && row.signingDomain !== '').map(summarizeDkim);
  const arcResult = arc ? toAuthResult(arc.status.result) : 'none';
  return {
    spf: spf ? { result: toAuthResult(spf.status.result), domain: spf.domain, ...comment(spf.status.comment) } : { result: 'none', domain: '' },
    dkim,
    dmarc: dmarc
      ? { result: toAuthResult(dmarc.status.result), domain: dmarc.domain, policy: toDmarcPolicy(dmarc.policy), ...comment(dmarc.status.comment) }
      : { result: 'none', domain: '', policy: null },
    arc:
      arcResult === 'fail' && opts.keyLookupFailed
        ? { result: 'temperror', comment: 'a key lookup failed' }
        : { result: arcResult, ...(arc ? comment(arc.status.comment) : {}) },
  };
}

/**
 * What we record when the checks did not finish (time ran out, or mailauth failed):
 * every method `temperror`, never `pass`. The DKIM row's empty domain means
 * "unknown", not "unsigned", so the message is not scored as unsigned.
 */
export function unverifiedAuth(reason: string): AuthSummary {
  return {
    spf: { result: 'temperror', domain: '', comment: reason },
    dkim: [{ result: 'temperror', domain: '', selector: '', aligned: false, comment: reason }],
    dmarc: { result: 'temperror', domain: '', policy: null, comment: reason },
    arc: { result: 'temperror', comment: reason },
  };
}

/** The Authentication-Results field for `unverifiedAuth`, ending in CRLF. */
export function renderUnverifiedHeader(mtaHostname: string, reason: string): string {
  const note = `(${reason.replace(/[()\\\r\n]/g, ' ')})`;
  return `Authentication-Results: ${mtaHostname};\r\n spf=temperror ${note};\r\n dkim=temperror ${note};\r\n dmarc=temperror ${note}\r\n`;
}

/** Picks the Authentication-Results field out of mailauth's `headers`, ending in CRLF. */
export function extractAuthenticationResults(headers: string): string | null {
  const fields = headers.split(/\r?\n(?=[^ \t])/);
  const field = fields.find((f) => /^authentication-results:/i.test(f));
  return field === undefined ? null : `${field.replace(/\r?\n$/, '')}\r\n`;
}
