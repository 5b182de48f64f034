/**
 * The built-in engine's verdict: a sum of small, named scores plus three reasons
 * that make a message spam outright. Pure: every fact arrives in `SpamChecks`.
 *
 * Order of decision:
 * 1. An *authenticated* sender on the allow list is never spam (reason `allow-list`),
 *    whatever else is true, deny list and GTUBE included: the allow list is the
 *    admin's way to carve exceptions (`@partner.example` denied, `ops@partner.example`
 *    allowed), so it must beat the deny list. "Authenticated" means SPF passed for
 *    the MAIL FROM domain, or DMARC passed (or an aligned DKIM signature did) for a
 *    single header From; otherwise anyone could forge an allowed address. This is
 *    Gmail's "do not bypass for messages that are not authenticated", always on.
 * 2. The deny list (envelope or header sender; no authentication needed, forging a
 *    denied address only hurts the forger), GTUBE and a confirmed DMARC failure
 *    under `p=reject` make a message spam outright.
 * 3. Otherwise the message is spam when the sum reaches the threshold.
 *
 * A temporary DNS failure is never evidence: its reasons score 0, and a DMARC
 * failure that may be due to one is not trusted (RFC 7489 §6.6.2).
 */

import type { DkimSummary, SpamChecks, SpamPolicy, SpamVerdict } from './model.js';

export const DEFAULT_SPAM_THRESHOLD = 5;

/** Score of each reason. The `header:` reasons take their scores from `HEADER_RULES`. */
export const REASON_SCORES = {
  gtube: 1000,
  'deny-list': 100,
  'dmarc-reject': 100,
  // The domain owner asks receivers to treat failures as suspicious: spam at the default threshold.
  'dmarc-quarantine': 5,
  // p=none asks only for reports, but a failed DMARC is still a forged-looking From.
  'dmarc-fail': 1,
  'spf-fail': 2,
  'spf-softfail': 1,
  // A broken SPF record is the sender's misconfiguration more often than an attack.
  'spf-permerror': 1,
  'spf-none': 0.5,
  // Mailing lists break signatures routinely, so a failed signature alone weighs little.
  'dkim-fail': 1,
  // Unsigned, or signed unverifiably (treated as unsigned, RFC 6376 §6.1).
  'dkim-none': 0.5,
  'arc-fail': 0.5,
  // Recorded so the trace explains a verdict reached without some evidence; never scored.
  'spf-temperror': 0,
  'dkim-temperror': 0,
  'dmarc-temperror': 0,
  'allow-list-unauthenticated': 0,
  'allow-list': 0,
} as const satisfies Record<string, number>;

export type ScoredReason = keyof typeof REASON_SCORES;

/** Reasons that make a message spam whatever the threshold. */
export const OUTRIGHT_REASONS: ReadonlySet<string> = new Set<ScoredReason>(['gtube', 'deny-list', 'dmarc-reject']);

/** The reason recorded for a header rule hit. */
export function headerReason(rule: string): string {
  return `header:${rule}`;
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1);
}

/**
 * Whether `address` is on `list`. Entries are addresses or `@domain` (a bare
 * `domain` is read the same way); case-insensitive; the null sender never matches.
 */
export function matchSenderList(address: string, list: readonly string[]): boolean {
  const addr = address.trim().toLowerCase();
  if (addr === '') return false;
  const domain = domainOf(addr);
  return list.some((raw) => {
    const entry = raw.trim().toLowerCase();
    if (entry === '') return false;
    if (entry.startsWith('@')) return domain === entry.slice(1);
    if (!entry.includes('@')) return domain === entry;
    return addr === entry;
  });
}

function envelopeAuthenticated(checks: SpamChecks): boolean {
  const { spf } = checks.auth;
  return spf.result === 'pass' && spf.domain.toLowerCase() === domainOf(checks.mailFrom.trim().toLowerCase());
}

function headerFromAuthenticated(checks: SpamChecks): boolean {
  const { dmarc, dkim } = checks.auth;
  return checks.headerFrom.length === 1 && (dmarc.result === 'pass' || dkim.some((d) => d.result === 'pass' && d.aligned));
}

function allowListReason(checks: SpamChecks, allow: readonly string[]): 'allow-list' | 'allow-list-unauthenticated' | null {
  const envelope = matchSenderList(checks.mailFrom, allow);
  const header = checks.headerFrom.some((a) => matchSenderList(a, allow));
  if ((envelope && envelopeAuthenticated(checks)) || (header && headerFromAuthenticated(checks))) return 'allow-list';
  return envelope || header ? 'allow-list-unauthenticated' : null;
}

function dkimReason(dkim: readonly DkimSummary[]): ScoredReason | null {
  if (dkim.some((d) => d.result === 'pass')) return null;
  if (dkim.some((d) => d.result === 'temperror')) return 'dkim-temperror';
  if (dkim.some((d) => d.result === 'fail')) return 'dkim-fail';
  return 'dkim-none';
}

function spfReason(checks: SpamChecks): ScoredReason | null {
  switch (checks.auth.spf.result) {
    case 'fail':
      return 'spf-fail';
    case 'softfail':
      return 'spf-softfail';
    case 'permerror':
      return 'spf-permerror';
    case 'none':
      return 'spf-none';
    case 'temperror':
      return 'spf-temperror';
    case 'pass':
    case 'neutral':
    case 'policy':
      return null;
  }
}

function dmarcReason(checks: SpamChecks): ScoredReason | null {
  const { dmarc, spf, dkim } = checks.auth;
  if (dmarc.result === 'temperror') return 'dmarc-temperror';
  if (dmarc.result !== 'fail') return null;
  // The failure may only mean that a lookup did not answer in time.
  if (spf.result === 'temperror' || dkim.some((d) => d.result === 'temperror')) return 'dmarc-temperror';
  switch (dmarc.policy) {
    case 'reject':
      return 'dmarc-reject';
    case 'quarantine':
      return 'dmarc-quarantine';
    case 'none':
    case null:
      return 'dmarc-fail';
  }
}

/** The verdict for one message; reasons are stable codes in a fixed order. */
export function scoreMessage(checks: SpamChecks, policy: SpamPolicy): SpamVerdict {
  const allow = allowListReason(checks, policy.allowSenders);
  if (allow === 'allow-list') return { spam: false, score: 0, reasons: ['allow-list'] };

  const denied = matchSenderList(checks.mailFrom, policy.denySenders) || checks.headerFrom.some((a) => matchSenderList(a, policy.denySenders));
  const scored: (ScoredReason | null)[] = [
    allow,
    denied ? 'deny-list' : null,
    checks.gtube ? 'gtube' : null,
    dmarcReason(checks),
    spfReason(checks),
    dkimReason(checks.auth.dkim),
    checks.auth.arc.result === 'fail' ? 'arc-fail' : null,
  ];
  const reasons: string[] = [];
  let score = 0;
  for (const reason of scored) {
    if (reason === null) continue;
    reasons.push(reason);
    score += REASON_SCORES[reason];
  }
  for (const hit of checks.headerHits) {
    reasons.push(headerReason(hit.rule));
    score += hit.score;
  }
  const threshold = policy.threshold ?? DEFAULT_SPAM_THRESHOLD;
  const spam = reasons.some((r) => OUTRIGHT_REASONS.has(r)) || score >= threshold;
  return { spam, score, reasons };
}
