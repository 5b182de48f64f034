/**
 * NAME
 *   spam — the spam engines: a verdict for each received message.
 *
 * JOB
 *   Decide, once per message and before routing, whether it is spam, and record
 *   why. SPF, DKIM, DMARC and ARC come from mailauth; then GTUBE, a small header
 *   rule set and the admin's allow/deny lists. `scoreMessage` decides; it is pure.
 *   `checkMessage` is the shell that gathers the facts. With `spam.engine: rspamd`,
 *   `checkWithRspamd` asks rspamd instead and `rspamdOutcome` (pure) maps its action
 *   to a verdict or a refusal at the end of DATA. Acting on the verdict (hold,
 *   bypassSpamFilter, spam flag) is routing's job, not this one's.
 *
 * INPUTS
 *   The raw message (Buffer, as spooled), the envelope (MAIL FROM, client IP,
 *   HELO), our host name, the `spam:` policy, and a DNS `Resolver` (tests inject
 *   `test/support/fixed-dns.ts`).
 *
 * OUTPUTS
 *   `SpamVerdict` { spam, score, reasons[] } with stable reason codes (`gtube`,
 *   `deny-list`, `dmarc-reject`, `spf-fail`, `header:missing-date`, …; see
 *   `REASON_SCORES` and `HEADER_RULES`); `AuthSummary` (plain JSON for the trace);
 *   an `Authentication-Results:` header field to prepend. From rspamd: its symbols
 *   as the reasons (`unscanned` when it could not be asked and `onError: accept`),
 *   or a `SpamRefusal` (550 5.7.1 / 451 4.7.1) for the end of DATA.
 *
 * TRUSTS
 *   Nothing in the message. Headers and bodies are hostile input: parsing is
 *   bounded (`MAX_HEADER_BYTES`) and never throws. DNS answers are believed only
 *   as far as the protocols say; a lookup that fails or times out is `temperror`,
 *   never `pass`, and weighs nothing either way. An allow-listed sender counts only
 *   when authenticated (SPF for MAIL FROM, DMARC or aligned DKIM for From). ARC is
 *   recorded but overrides nothing: there is no list of trusted sealers yet.
 *   Authentication-Results fields already in the message are not read here; they
 *   must not be trusted downstream either (RFC 8601 §5: remove or ignore them).
 *
 * SECURITY
 *   No privileges and no secrets. Network: DNS queries only (TXT, A, AAAA, MX,
 *   PTR), each bounded by `LOOKUP_TIMEOUT_MS`, all by the check's `timeoutMs`;
 *   with rspamd, one HTTP request to the admin's `spam.rspamd.url` (a private
 *   address is allowed there), bounded by its `timeout` and `MAX_ANSWER_BYTES`.
 *
 * EVENTS
 *   Emits none itself. The caller records `spam.auth_results` (the `AuthSummary`)
 *   and `spam.verdict` (the `SpamVerdict`) from `base/events.ts` in the trace.
 */

export type {
  ArcSummary,
  AuthResult,
  AuthSummary,
  DkimSummary,
  DmarcPolicy,
  DmarcSummary,
  HeaderRuleHit,
  MessageHeader,
  SpamChecks,
  SpamPolicy,
  SpamVerdict,
  SpfSummary,
} from './model.js';
export { DEFAULT_SPAM_THRESHOLD, OUTRIGHT_REASONS, REASON_SCORES, headerReason, matchSenderList, scoreMessage } from './score.js';
export type { ScoredReason } from './score.js';
export { HEADER_RULES, MAX_VISIBLE_RECIPIENTS, matchHeaderRules } from './header-rules.js';
export type { HeaderRule } from './header-rules.js';
export { GTUBE, GtubeScanner, containsGtube } from './gtube.js';
export { MAX_HEADER_BYTES, parseHeaders } from './parse-headers.js';
export { DEFAULT_CHECK_TIMEOUT_MS, LOOKUP_TIMEOUT_MS, checkMessage, createSystemResolver } from './io/check-message.js';
export type { CheckEnvelope, CheckFacts, CheckOptions, CheckResult, Resolver } from './io/check-message.js';
export { MAX_SYMBOL_REASONS, UNSCANNED_REASON, rspamdOutcome, rspamdRequestHeaders, unscannedOutcome } from './rspamd.js';
export type { RspamdEnvelope, RspamdOnError, RspamdOutcome, RspamdReport, RspamdSettings, SpamRefusal } from './rspamd.js';
export { MAX_ANSWER_BYTES, checkWithRspamd } from './io/rspamd-client.js';
export type { RspamdCheckResult } from './io/rspamd-client.js';
