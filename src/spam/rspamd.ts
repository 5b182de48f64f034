/**
 * The rspamd engine's pure half: the request headers of `/checkv2` for an envelope,
 * and rspamd's answer turned into our outcome (a verdict, or a refusal at the end of
 * DATA). The HTTP exchange is `io/rspamd-client.ts`.
 */

import { z } from 'zod';
import type { SpamVerdict } from './model.js';

export type RspamdOnError = 'tempfail' | 'accept';

/** `spam.rspamd` as configured. */
export interface RspamdSettings {
  /** The normal worker's base URL, e.g. http://127.0.0.1:11333 (no path needed). */
  readonly url: string;
  readonly timeoutMs: number;
  readonly onError: RspamdOnError;
}

export interface RspamdEnvelope {
  /** MAIL FROM as given; '' for the null sender. */
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  readonly clientIp: string;
  readonly helo: string;
  readonly queueId: string;
  /** The SMTP AUTH identity of the session, when it authenticated. */
  readonly user?: string;
}

/** An SMTP reply that ends the transaction at DATA instead of accepting the message. */
export interface SpamRefusal {
  readonly code: 451 | 550;
  readonly enhanced: '4.7.1' | '5.7.1';
  readonly text: string;
  /** The metrics' reply reason: rspamd rejected, deferred, or could not be asked. */
  readonly reason: 'spam_rejected' | 'spam_deferred' | 'spam_unavailable';
}

/** What the trace and the quarantine show of rspamd's answer (stored as plain JSON). */
export interface RspamdReport {
  readonly action: string;
  readonly score: number;
  readonly requiredScore: number;
  /** Symbol → its weight in this message. */
  readonly symbols: Readonly<Record<string, number>>;
}

export type RspamdOutcome =
  | { readonly kind: 'verdict'; readonly verdict: SpamVerdict; readonly report: RspamdReport }
  | { readonly kind: 'refuse'; readonly refusal: SpamRefusal; readonly report: RspamdReport };

/** The reason a message carries when rspamd could not be asked and `onError` is `accept`. */
export const UNSCANNED_REASON = 'unscanned';

/** Quarantine reasons are for reading: a message that hits hundreds of symbols lists the weightiest. */
export const MAX_SYMBOL_REASONS = 30;

/** rspamd's text goes into our SMTP reply: one printable line, bounded. */
const MAX_REPLY_TEXT = 200;

/** The header fields of one `/checkv2` request (rspamd's HTTP protocol: one `Rcpt` per recipient). */
export function rspamdRequestHeaders(env: RspamdEnvelope): [string, string][] {
  const headers: [string, string][] = [
    ['IP', env.clientIp],
    // rspamd reads an empty From as no envelope at all; `<>` is the null sender (a bounce).
    ['From', env.mailFrom || '<>'],
    ...env.recipients.map((r): [string, string] => ['Rcpt', r]),
    ['Queue-Id', env.queueId],
  ];
  if (env.helo) headers.push(['Helo', env.helo]);
  if (env.user) headers.push(['User', env.user]);
  // Header values cannot carry line breaks; whatever the client sent is folded flat.
  return headers.map(([k, v]) => [k, v.replace(/[\r\n]+/g, ' ')]);
}

const answerSchema = z.object({
  action: z.string(),
  score: z.number(),
  required_score: z.number().optional(),
  symbols: z.record(z.string(), z.object({ score: z.number().optional() }).loose()).optional(),
  messages: z.object({ smtp_message: z.string().optional() }).loose().optional(),
});

/**
 * rspamd's answer as our outcome. Throws, with a sentence saying what was wrong, for an
 * answer that is not one: that is the same failure as an rspamd that is down.
 */
export function rspamdOutcome(answer: unknown): RspamdOutcome {
  const parsed = answerSchema.safeParse(answer);
  if (!parsed.success) throw new Error(`rspamd's answer is not a /checkv2 result (${parsed.error.issues[0]?.message ?? 'unexpected shape'})`);
  const a = parsed.data;
  const symbols = Object.fromEntries(Object.entries(a.symbols ?? {}).map(([name, s]) => [name, s.score ?? 0]));
  const report: RspamdReport = { action: a.action, score: a.score, requiredScore: a.required_score ?? 0, symbols };
  const verdict = (spam: boolean): RspamdOutcome => ({ kind: 'verdict', verdict: { spam, score: a.score, reasons: symbolReasons(symbols) }, report });
  const said = a.messages?.smtp_message;
  switch (a.action) {
    case 'no action':
      return verdict(false);
    case 'add header':
    case 'rewrite subject':
      return verdict(true);
    case 'reject':
      return { kind: 'refuse', refusal: { code: 550, enhanced: '5.7.1', text: replyText(said, 'Message refused as spam'), reason: 'spam_rejected' }, report };
    case 'soft reject':
    case 'greylist':
      return {
        kind: 'refuse',
        refusal: {
          code: 451,
          enhanced: '4.7.1',
          text: replyText(said, 'Message deferred by the spam filter; please try again later'),
          reason: 'spam_deferred',
        },
        report,
      };
    default:
      throw new Error(`rspamd answered an action we do not know ("${a.action.slice(0, 40)}")`);
  }
}

/** When rspamd could not be asked: a 451, or the message accepted unscanned, as `onError` says. */
export function unscannedOutcome(onError: RspamdOnError): { kind: 'refuse'; refusal: SpamRefusal } | { kind: 'verdict'; verdict: SpamVerdict } {
  if (onError === 'tempfail') {
    return {
      kind: 'refuse',
      refusal: { code: 451, enhanced: '4.7.1', text: 'The spam filter is unavailable; please try again later', reason: 'spam_unavailable' },
    };
  }
  return { kind: 'verdict', verdict: { spam: false, score: 0, reasons: [UNSCANNED_REASON] } };
}

/** Symbol names, weightiest first (a forced action such as GTUBE's may weigh nothing, so none is left out for its weight). */
function symbolReasons(symbols: Readonly<Record<string, number>>): string[] {
  return Object.entries(symbols)
    .sort(([an, as], [bn, bs]) => bs - as || (an < bn ? -1 : an > bn ? 1 : 0))
    .slice(0, MAX_SYMBOL_REASONS)
    .map(([name]) => name);
}

function replyText(said: string | undefined, fallback: string): string {
  const flat = (said ?? '').replace(/[^\x20-\x7e]+/g, ' ').trim();
  return (flat || fallback).slice(0, MAX_REPLY_TEXT);
}
