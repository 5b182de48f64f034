/**
 * The spam domain as plain data: what the checks found (`SpamChecks`), what the
 * admin decided (`SpamPolicy`), and the authentication results in the shape the
 * message trace stores (`AuthSummary`). The verdict itself is routing's
 * `SpamVerdict`, because the planner is what acts on it.
 */

export type { SpamVerdict } from '../routing/index.js';

/**
 * One authentication method's result, in RFC 8601 words. mailauth's own spellings
 * (`temperr`, `skipped`) are folded into these before anything else sees them.
 */
export type AuthResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'policy';

/** The DMARC policy that applies to the From domain (`sp` already chosen for subdomains). */
export type DmarcPolicy = 'none' | 'quarantine' | 'reject';

export interface SpfSummary {
  readonly result: AuthResult;
  /** The domain checked: MAIL FROM's, or the HELO name's for a null sender. */
  readonly domain: string;
  readonly comment?: string;
}

export interface DkimSummary {
  readonly result: AuthResult;
  /** The signing domain (d=). */
  readonly domain: string;
  readonly selector: string;
  /** The signing domain aligns (relaxed) with the header From domain. */
  readonly aligned: boolean;
  readonly comment?: string;
}

export interface DmarcSummary {
  readonly result: AuthResult;
  /** The organisational domain of the header From; '' when there was none to check. */
  readonly domain: string;
  /** null when no DMARC record was found or it could not be fetched. */
  readonly policy: DmarcPolicy | null;
  readonly comment?: string;
}

export interface ArcSummary {
  readonly result: AuthResult;
  readonly comment?: string;
}

/**
 * What SPF, DKIM, DMARC and ARC said about one message. Plain JSON: the trace
 * stores it as is. `dkim` is empty when the message carries no signature.
 */
export interface AuthSummary {
  readonly spf: SpfSummary;
  readonly dkim: readonly DkimSummary[];
  readonly dmarc: DmarcSummary;
  readonly arc: ArcSummary;
}

/** One header field as received: lower-case name, value unfolded but not decoded. */
export interface MessageHeader {
  readonly name: string;
  readonly value: string;
}

/** A header rule that matched; `rule` is the stable code after `header:` in reasons. */
export interface HeaderRuleHit {
  readonly rule: string;
  readonly score: number;
}

/** Everything `scoreMessage` weighs; gathered by `io/check-message`. */
export interface SpamChecks {
  readonly auth: AuthSummary;
  readonly gtube: boolean;
  readonly headerHits: readonly HeaderRuleHit[];
  /** The envelope sender as given in MAIL FROM; '' for the null sender. */
  readonly mailFrom: string;
  /** The addresses in the header From field(s), in order. */
  readonly headerFrom: readonly string[];
}

/**
 * The admin's spam settings (YAML `spam:`). List entries are addresses
 * (`alice@example.com`) or whole domains (`@example.com`), compared
 * case-insensitively; a domain entry does not cover its subdomains.
 */
export interface SpamPolicy {
  readonly allowSenders: readonly string[];
  readonly denySenders: readonly string[];
  /** A message whose score reaches this is spam. Default `DEFAULT_SPAM_THRESHOLD`. */
  readonly threshold?: number;
}
