/**
 * The built-in engine's shell: runs SPF, DKIM, DMARC and ARC through mailauth,
 * with every DNS lookup bounded in time, then hands the facts to the pure scorer.
 * It never throws for a message: whatever goes wrong becomes `temperror`
 * results, which the scorer does not count as evidence either way.
 */

import { promises as dns } from 'node:dns';
import { Transform, type Readable } from 'node:stream';
import type { DNSResolver } from 'mailauth';
import { sourceOf, wholeMessage, withHeader, type MessageSource } from '../../base/message-source.js';
import type { AuthSummary, SpamPolicy, SpamVerdict } from '../model.js';
import { GTUBE, GtubeScanner } from '../gtube.js';
import { matchHeaderRules } from '../header-rules.js';
import { fromAddresses, parseHeaders } from '../parse-headers.js';
import { scoreMessage } from '../score.js';
import { extractAuthenticationResults, renderUnverifiedHeader, summarizeAuth, unverifiedAuth } from '../summarize-auth.js';

/**
 * A DNS resolver as mailauth calls it, shaped like `dns.promises.resolve`: answers
 * in node's shapes (TXT `string[][]`, MX `{ exchange, priority }[]`, A `string[]`),
 * and a missing name or record fails with an error whose `code` is `ENOTFOUND` or
 * `ENODATA`. Any other failure counts as temporary.
 */
export type Resolver = (name: string, rrtype: string) => Promise<unknown[]>;

/** Bounds the whole check: SMTP clients wait for our reply to DATA meanwhile. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/**
 * One unanswered query must not eat the whole budget: mailauth runs DKIM (with
 * ARC's message signature), SPF, ARC and DMARC one after another, so a lookup
 * gets at most a third of the budget and a hang in one leaves time for the rest.
 */
export const LOOKUP_TIMEOUT_MS = 3_000;

/** After the last lookup is cut off, mailauth still needs a moment of CPU to finish. */
const SETTLE_MS = 250;

export interface CheckEnvelope {
  /** MAIL FROM as given; '' for the null sender. */
  readonly mailFrom: string;
  readonly clientIp: string;
  readonly helo: string;
  /** Our own name, written into Authentication-Results. */
  readonly mtaHostname: string;
}

export interface CheckOptions {
  /** Default: the system's resolver (`createSystemResolver()`). Tests pass a fixed one. */
  readonly resolver?: Resolver;
  readonly policy: SpamPolicy;
  /**
   * false: no SPF/DKIM/DMARC/ARC at all (`start --no-dns`, where every lookup would fail
   * anyway); the results say so and only the local checks score the message.
   */
  readonly authenticate?: boolean;
  /** Default `DEFAULT_CHECK_TIMEOUT_MS`. */
  readonly timeoutMs?: number;
}

export interface CheckResult {
  readonly verdict: SpamVerdict;
  readonly authResults: AuthSummary;
  /** `Authentication-Results: <mtaHostname>; …`, folded, ending in CRLF, ready to prepend. */
  readonly authenticationResultsHeader: string;
}

/** The system's DNS, with c-ares' own timeout no longer than ours. */
export function createSystemResolver(options: { readonly servers?: readonly string[] } = {}): Resolver {
  const resolver = new dns.Resolver({ timeout: LOOKUP_TIMEOUT_MS, tries: 2 });
  if (options.servers) resolver.setServers([...options.servers]);
  return async (name, rrtype) => {
    const answer = await resolver.resolve(name, rrtype);
    // Only SOA answers with a single object; mailauth never asks for one.
    return Array.isArray(answer) ? answer : [answer];
  };
}

let systemResolver: Resolver | undefined;

interface DnsError extends Error {
  code: string;
}

function dnsError(code: string, message: string): DnsError {
  return Object.assign(new Error(message), { code });
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

const ABSENT = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * Wraps `resolver` so that no lookup outlives `deadline` (a `performance.now()`
 * instant) or `lookupTimeoutMs`, and every failure carries a `code`, which is
 * how mailauth tells "no such record" from "could not ask" (`ETIMEOUT` → temperror).
 */
function boundResolver(resolver: Resolver, deadline: number, lookupTimeoutMs: number, onKeyLookupFailed: () => void): DNSResolver {
  const bounded = async (name: string, rrtype: string): Promise<unknown[]> => {
    const wait = Math.min(deadline - performance.now(), lookupTimeoutMs);
    let timer: NodeJS.Timeout | undefined;
    try {
      if (wait <= 0) throw dnsError('ETIMEOUT', `DNS lookup of ${name} ${rrtype} not started: time is up`);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(dnsError('ETIMEOUT', `DNS lookup of ${name} ${rrtype} timed out`)), wait);
      });
      return await Promise.race([resolver(name, rrtype), timeout]);
    } catch (err) {
      const code = errorCode(err);
      const temporary = code === undefined || !ABSENT.has(code);
      if (temporary && name.toLowerCase().includes('._domainkey.')) onKeyLookupFailed();
      if (code === undefined) throw dnsError('ESERVFAIL', `DNS lookup of ${name} ${rrtype} failed: ${String(err)}`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
  // mailauth's typings narrow answers to strings, but it takes whatever
  // dns.resolve returns (MX answers are objects), which is what we hand it.
  return bounded as DNSResolver;
}

interface AuthOutcome {
  readonly summary: AuthSummary;
  readonly header: string;
}

async function runAuthentication(message: Readable, env: CheckEnvelope, resolver: Resolver, timeoutMs: number): Promise<AuthOutcome> {
  // Loaded when first needed, before the budget starts: with its BIMI certificate stack it
  // is a tenth of a node's memory, which nodes that do not authenticate (--no-dns) never use.
  const { authenticate } = await import('mailauth');
  const started = performance.now();
  const dnsDeadline = started + Math.max(0, timeoutMs - Math.min(SETTLE_MS, timeoutMs / 4));
  let keyLookupFailed = false;
  const bounded = boundResolver(resolver, dnsDeadline, Math.min(LOOKUP_TIMEOUT_MS, timeoutMs / 3), () => {
    keyLookupFailed = true;
  });

  const unverified = (reason: string): AuthOutcome => ({
    summary: unverifiedAuth(reason),
    header: renderUnverifiedHeader(env.mtaHostname, reason),
  });

  const checks = authenticate(message, {
    sender: env.mailFrom,
    ip: env.clientIp,
    helo: env.helo,
    mta: env.mtaHostname,
    resolver: bounded,
    // BIMI is about logos, not trust, and would add lookups to the budget.
    disableBimi: true,
  }).then(
    (result): AuthOutcome => ({
      summary: summarizeAuth(result, { keyLookupFailed }),
      header: extractAuthenticationResults(result.headers) ?? renderUnverifiedHeader(env.mtaHostname, 'no results'),
    }),
    (err: unknown): AuthOutcome => unverified(`checks failed: ${err instanceof Error ? err.message : String(err)}`),
  );

  // Lookups are already bounded; this also bounds whatever else could stall.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<AuthOutcome>((resolve) => {
    timer = setTimeout(() => resolve(unverified('checks timed out')), Math.max(0, started + timeoutMs - performance.now()));
  });
  try {
    return await Promise.race([checks, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Signatures verified per message: each costs a key lookup and an RSA verification,
 * so a header with hundreds of them must not buy hundreds. The topmost are the
 * newest (the hops nearest to us); the rest are left out of what mailauth reads.
 */
export const MAX_DKIM_SIGNATURES = 10;
/** ARC sets stop at i=50 (RFC 8617 §4.2.1); three fields each. */
const MAX_ARC_FIELDS = 150;

export interface CheckFacts {
  /** Whether the body holds GTUBE, when the caller scanned it as it arrived. */
  readonly gtube?: boolean;
}

/**
 * Authenticates and scores one received message, read once as a stream. Resolves
 * within `timeoutMs` (plus the CPU time of reading and scoring) and never rejects
 * because of DNS.
 */
export async function checkMessage(input: Buffer | MessageSource, env: CheckEnvelope, opts: CheckOptions, facts: CheckFacts = {}): Promise<CheckResult> {
  const source = Buffer.isBuffer(input) ? sourceOf(input) : input;
  const headers = parseHeaders(source.header);
  const scanner = facts.gtube === undefined ? new GtubeScanner() : null;
  const bounded = boundSignatures(source.header);
  let auth: AuthOutcome;
  if (opts.authenticate === false) {
    if (scanner) await scanBody(source.body(), scanner);
    auth = {
      summary: unverifiedAuth('authentication checks are off (no DNS)'),
      header: renderUnverifiedHeader(env.mtaHostname, 'authentication checks are off (no DNS)'),
    };
  } else {
    const read = withHeader(source, bounded);
    const stream = scanner ? wholeMessage({ ...read, body: () => read.body().pipe(scanning(scanner)) }) : wholeMessage(read);
    auth = await runAuthentication(stream, env, opts.resolver ?? (systemResolver ??= createSystemResolver()), opts.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS);
    // A check that timed out may have left the stream half read: the scan finishes here.
    if (scanner && !stream.readableEnded) {
      stream.destroy();
      const rest = new GtubeScanner();
      await scanBody(source.body(), rest);
      if (rest.found) scanner.push(Buffer.from(GTUBE, 'latin1'));
    }
  }
  const verdict = scoreMessage(
    {
      auth: auth.summary,
      gtube: facts.gtube ?? scanner?.found ?? false,
      headerHits: matchHeaderRules(headers),
      mailFrom: env.mailFrom,
      headerFrom: fromAddresses(headers),
    },
    opts.policy,
  );
  return { verdict, authResults: auth.summary, authenticationResultsHeader: auth.header };
}

async function scanBody(body: Readable, scanner: GtubeScanner): Promise<void> {
  for await (const chunk of body) scanner.push(chunk as Buffer);
}

function scanning(scanner: GtubeScanner): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      scanner.push(chunk);
      done(null, chunk);
    },
  });
}

/** The header block with DKIM signatures and ARC fields past their bounds left out. */
function boundSignatures(header: Buffer): Buffer {
  const text = header.toString('latin1');
  const fields = text.split(/\r\n(?![ \t])/);
  let dkim = 0;
  let arc = 0;
  const kept = fields.filter((f) => {
    if (/^dkim-signature[ \t]*:/i.test(f)) return ++dkim <= MAX_DKIM_SIGNATURES;
    if (/^arc-(seal|message-signature|authentication-results)[ \t]*:/i.test(f)) return ++arc <= MAX_ARC_FIELDS;
    return true;
  });
  return kept.length === fields.length ? header : Buffer.from(kept.join('\r\n'), 'latin1');
}
