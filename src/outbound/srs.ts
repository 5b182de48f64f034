/**
 * Sender Rewriting Scheme, as Shevek's libsrs2 (and Postfix's postsrsd) do it, so our
 * addresses interoperate with theirs:
 *
 *   SRS0=HHHH=TT=orig-domain=orig-local@our-domain
 *   SRS1=HHHH=first-forwarder==HHHH=TT=orig-domain=orig-local@our-domain
 *
 * HHHH: the first 4 characters of base64(HMAC-SHA1(secret, lowercased fields));
 * TT: the day number modulo 1024 in base32. Forwarding mail for a foreign sender to a
 * foreign domain under our own envelope keeps the receiver's SPF check passing; the
 * hash lets us accept only bounces to addresses we made (no open relay via SRS).
 */
import { createHmac } from 'node:crypto';

const HASH_LENGTH = 4;
const TIME_PRECISION_SECONDS = 60 * 60 * 24;
const TIME_BASECHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const TIME_SLOTS = 1024;
const SEPARATOR = '=';
/** libsrs2 accepts these after the SRS0/SRS1 tag; the separator inside is always "=". */
const TAG_SEPARATORS = '=-+';

export interface SrsForwardOptions {
  /** The domain the rewritten address is at: one of ours, whose MX reaches this gateway. */
  readonly domain: string;
  readonly secret: string;
  readonly now: Date;
  /** Senders at our own domains are not rewritten: SPF already covers them. */
  readonly isLocalDomain?: (domain: string) => boolean;
}

export interface SrsReverseOptions {
  /** Several secrets: the first signs, all verify, so a secret can be rotated. */
  readonly secret: string | readonly string[];
  readonly now: Date;
  readonly maxAgeDays: number;
}

export type SrsReverseResult = { readonly ok: true; readonly address: string } | { readonly ok: false; readonly reason: string };

function hash(secret: string, fields: readonly string[]): string {
  const hmac = createHmac('sha1', secret);
  for (const f of fields) hmac.update(f.toLowerCase(), 'utf8');
  return hmac.digest('base64').slice(0, HASH_LENGTH);
}

/**
 * Signing hashes already made, by secret and fields: a gateway rewrites the same senders
 * all day (the stamp changes daily), and the HMAC is a good part of what forwarding one
 * message costs. Bounded, emptied when full; verification always computes.
 */
const SIGNED_MEMO_MAX = 4096;
const signedMemo = new Map<string, string>();

function signingHash(secret: string, fields: readonly string[]): string {
  const key = [secret, ...fields].map((f) => `${f.length}:${f}`).join('');
  const known = signedMemo.get(key);
  if (known !== undefined) return known;
  const h = hash(secret, fields);
  if (signedMemo.size >= SIGNED_MEMO_MAX) signedMemo.clear();
  signedMemo.set(key, h);
  return h;
}

export function srsTimestamp(now: Date): string {
  const day = Math.floor(now.getTime() / 1000 / TIME_PRECISION_SECONDS);
  return `${TIME_BASECHARS[(day >> 5) & 31]}${TIME_BASECHARS[day & 31]}`;
}

function splitAddress(address: string): { local: string; domain: string } | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

function tagOf(local: string): 'SRS0' | 'SRS1' | undefined {
  if (local.length <= 5 || !TAG_SEPARATORS.includes(local.charAt(4))) return undefined;
  const tag = local.slice(0, 4).toUpperCase();
  return tag === 'SRS0' || tag === 'SRS1' ? tag : undefined;
}

/**
 * Rewrites an envelope sender for forwarding. The null sender stays null; senders at
 * our domain or a local one stay as they are; an SRS0/SRS1 address from another
 * forwarder becomes SRS1 (it keeps pointing at the first forwarder, as libsrs2 does).
 */
export function srsForward(sender: string, opts: SrsForwardOptions): string {
  if (sender === '') return sender;
  const parts = splitAddress(sender);
  if (!parts) return sender;
  const { local, domain } = parts;
  const ours = opts.domain.toLowerCase();
  if (domain.toLowerCase() === ours || opts.isLocalDomain?.(domain.toLowerCase()) === true) return sender;
  const tag = tagOf(local);
  if (tag === 'SRS1') {
    // SRS1=HHHH=host==rest: re-sign host and rest under our domain.
    const body = local.slice(5);
    const hostAt = body.indexOf(SEPARATOR);
    const host = hostAt >= 0 ? body.slice(hostAt + 1) : '';
    const userAt = host.indexOf(SEPARATOR);
    if (hostAt > 0 && userAt > 0) {
      const srsHost = host.slice(0, userAt);
      const srsUser = host.slice(userAt + 1);
      return `SRS1${SEPARATOR}${signingHash(opts.secret, [srsHost, srsUser])}${SEPARATOR}${srsHost}${SEPARATOR}${srsUser}@${opts.domain}`;
    }
  } else if (tag === 'SRS0') {
    // The user part keeps its own separator: SRS1=HHHH=fwd.example==HHHH=TT=…
    const srsUser = local.slice(4);
    return `SRS1${SEPARATOR}${signingHash(opts.secret, [domain, srsUser])}${SEPARATOR}${domain}${SEPARATOR}${srsUser}@${opts.domain}`;
  }
  const stamp = srsTimestamp(opts.now);
  const h = signingHash(opts.secret, [stamp, domain, local]);
  return `SRS0${SEPARATOR}${h}${SEPARATOR}${stamp}${SEPARATOR}${domain}${SEPARATOR}${local}@${opts.domain}`;
}

function checkHash(secrets: readonly string[], given: string, fields: readonly string[]): boolean {
  // libsrs2 compares case-insensitively: some MTAs lowercase the local part on the way.
  if (given.length !== HASH_LENGTH) return false;
  return secrets.some((s) => hash(s, fields).toLowerCase() === given.toLowerCase());
}

/** Day age of an SRS timestamp, modulo the 1024-day cycle (as libsrs2 computes it). */
function timestampAge(stamp: string, now: Date): number | undefined {
  if (stamp.length !== 2) return undefined;
  let then = 0;
  for (const ch of stamp.toUpperCase()) {
    const v = TIME_BASECHARS.indexOf(ch);
    if (v < 0) return undefined;
    then = (then << 5) | v;
  }
  let today = Math.floor(now.getTime() / 1000 / TIME_PRECISION_SECONDS) % TIME_SLOTS;
  while (today < then) today += TIME_SLOTS;
  return today - then;
}

/**
 * Reverses an SRS address a bounce was sent to. SRS0 gives the original sender after
 * checking hash and age; SRS1 gives the first forwarder's SRS0 address (that host
 * checks the age). Anything else is refused with a reason.
 */
export function srsReverse(address: string, opts: SrsReverseOptions): SrsReverseResult {
  const secrets = typeof opts.secret === 'string' ? [opts.secret] : opts.secret;
  if (secrets.length === 0) return { ok: false, reason: 'no SRS secret is configured' };
  const parts = splitAddress(address);
  const tag = parts ? tagOf(parts.local) : undefined;
  if (!parts || !tag) return { ok: false, reason: `<${address}> is not an SRS address` };
  const fields = parts.local.slice(5).split(SEPARATOR);
  if (tag === 'SRS1') {
    // SRS1=HHHH=host==HHHH=TT=domain=local: fields[2] is the empty one before the SRS0 part.
    const [given, host] = fields;
    const srsUser = fields.slice(2).join(SEPARATOR);
    if (given === undefined || host === undefined || host === '' || srsUser === '') {
      return { ok: false, reason: `<${address}> is a malformed SRS1 address` };
    }
    if (!checkHash(secrets, given, [host, srsUser])) return { ok: false, reason: `<${address}> has an invalid SRS hash` };
    return { ok: true, address: `SRS0${srsUser}@${host}` };
  }
  const [given, stamp, domain, ...localParts] = fields;
  const local = localParts.join(SEPARATOR);
  if (given === undefined || stamp === undefined || domain === undefined || domain === '' || local === '') {
    return { ok: false, reason: `<${address}> is a malformed SRS0 address` };
  }
  const age = timestampAge(stamp, opts.now);
  if (age === undefined) return { ok: false, reason: `<${address}> has an invalid SRS timestamp` };
  if (age > opts.maxAgeDays) {
    return { ok: false, reason: `<${address}> is an SRS address older than ${opts.maxAgeDays} days: too old to bounce to` };
  }
  if (!checkHash(secrets, given, [stamp, domain, local])) return { ok: false, reason: `<${address}> has an invalid SRS hash` };
  return { ok: true, address: `${local}@${domain}` };
}
