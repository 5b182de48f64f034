/**
 * A channel's addresses: the generated inbound address a gateway points at, which channel an
 * arriving message belongs to, and signed per-case reply addresses on the inbound host.
 */
import { domainOf, localPartOf, normalizeAddress } from '../routing/index.js';
import type { Address, Channel } from './model.js';

// The address helpers are routing's: one idea, one implementation.
export { domainOf, localPartOf, normalizeAddress };

// The token is a DNS label of its own, so at most 63; 16 [a-z0-9] is ~82 bits, beyond guessing.
const TOKEN_RE = /^[a-z0-9]{16,63}$/;
const LOCAL_RE = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_RE = new RegExp(`^(?=.{1,200}$)${LABEL}(?:\\.${LABEL})+$`);

/**
 * `<local>@<token>.<deskDomain>`, the shape of the seed's `support@v1su0245ewejzhe7.case.my-crm.com`.
 * The caller draws the token from a CSPRNG; bad arguments are a programming fault, so they throw.
 */
export function newInboundAddress(localPart: string, deskDomain: string, randomToken: string): Address {
  const local = localPart.trim().toLowerCase();
  const domain = deskDomain.trim().toLowerCase().replace(/\.$/, '');
  if (!LOCAL_RE.test(local) || local.includes('..') || local.includes('+')) {
    throw new RangeError(`inbound local part "${localPart}" must be 1-64 of [a-z0-9._-] without "+"; pick a plain name such as "support"`);
  }
  if (!DOMAIN_RE.test(domain)) {
    throw new RangeError(`desk domain "${deskDomain}" is not a domain name; set desk.domain to a name such as case.example.com`);
  }
  if (!TOKEN_RE.test(randomToken)) {
    throw new RangeError('the inbound address token must be 16-63 random characters of [a-z0-9]; draw it from a CSPRNG');
  }
  const address = `${local}@${randomToken}.${domain}`;
  if (address.length > 254) throw new RangeError(`inbound address for "${local}" would exceed 254 characters; shorten desk.domain`);
  return address;
}

/** The `<token>.<deskDomain>` host and local part when `address` is shaped like an inbound address of this desk. */
export function parseInboundAddress(address: string, deskDomain: string): { localPart: string; token: string } | null {
  const a = normalizeAddress(address);
  const suffix = `.${deskDomain.trim().toLowerCase().replace(/\.$/, '')}`;
  const host = domainOf(a);
  if (!host.endsWith(suffix)) return null;
  const token = host.slice(0, -suffix.length);
  const localPart = localPartOf(a);
  return TOKEN_RE.test(token) && LOCAL_RE.test(localPart) ? { localPart, token } : null;
}

/** Headers that say where a message was addressed before a gateway re-addressed it. */
export interface AddressingHeaders {
  readonly xOriginalTo?: string | null;
  readonly deliveredTo?: readonly string[] | null;
  readonly to?: readonly ({ readonly address?: string | null } | string)[] | null;
}

export type ChannelMatch =
  | { readonly kind: 'channel'; readonly channelId: string; readonly via: 'envelope' | 'header' | 'reply-address' }
  | { readonly kind: 'retired'; readonly channelId: string }
  | { readonly kind: 'none' };

/**
 * Which channel a message arriving for `envelopeRecipient` belongs to.
 *
 * The envelope recipient must be a current inbound address of this desk (or a reply address on
 * an inbound host, current or retired: those are signed, so rotation need not break threads).
 * Then headers may move it to another channel, for gateways that forward several public
 * addresses to one inbound address (a Gmail account forwarding both help@ and sales@):
 * `X-Original-To` and `Delivered-To` are written per delivery by the receiving MTA, so a public
 * address there wins. `To` is written by the sender — a customer writing to sales@ with help@ in
 * Cc reaches support through help@'s rule — so it moves the message only when it names exactly
 * one channel and not the one the envelope chose.
 */
export function matchChannel(envelopeRecipient: string, headers: AddressingHeaders, channels: readonly Channel[]): ChannelMatch {
  const rcpt = normalizeAddress(envelopeRecipient);
  let envelopeChannel: Channel | undefined;
  for (const ch of channels) {
    for (const inbound of ch.inboundAddresses) {
      if (normalizeAddress(inbound.address) !== rcpt) continue;
      if (inbound.retired) return { kind: 'retired', channelId: ch.id };
      envelopeChannel = ch;
    }
  }
  if (envelopeChannel === undefined) {
    const byHost = isReplyLocalPart(localPartOf(rcpt)) ? channelByInboundHost(domainOf(rcpt), channels) : undefined;
    return byHost ? { kind: 'channel', channelId: byHost.id, via: 'reply-address' } : { kind: 'none' };
  }
  const byPublic = (address: string): Channel | undefined => {
    const a = normalizeAddress(address);
    return a === '' ? undefined : channels.find((ch) => ch.publicAddress && normalizeAddress(ch.publicAddress) === a);
  };
  const found = (ch: Channel): ChannelMatch => ({
    kind: 'channel',
    channelId: ch.id,
    via: ch.id === envelopeChannel.id ? 'envelope' : 'header',
  });
  for (const a of [headers.xOriginalTo ?? '', ...(headers.deliveredTo ?? [])]) {
    const ch = byPublic(a);
    if (ch) return found(ch);
  }
  const named = new Map<string, Channel>();
  for (const t of headers.to ?? []) {
    const ch = byPublic(typeof t === 'string' ? t : (t.address ?? ''));
    if (ch) named.set(ch.id, ch);
  }
  const [only] = named.values();
  if (named.size === 1 && only && !named.has(envelopeChannel.id)) return found(only);
  return found(envelopeChannel);
}

function channelByInboundHost(host: string, channels: readonly Channel[]): Channel | undefined {
  return channels.find((ch) => ch.inboundAddresses.some((i) => domainOf(normalizeAddress(i.address)) === host));
}

const REPLY_PREFIX = 'reply+';
const REPLY_RE = /^reply\+([1-9][0-9]{0,15})\.([a-z0-9]{8,64})$/;
const SIGNATURE_RE = /^[a-z0-9]{8,64}$/;

function isReplyLocalPart(local: string): boolean {
  return local.startsWith(REPLY_PREFIX);
}

/** Signs a string, e.g. a truncated base32 HMAC-SHA256 with the desk's secret; lowercase [a-z0-9]. */
export type Signer = (data: string) => string;

// The signature binds the channel id, not the host, so reply addresses survive rotation.
function replyData(channelId: string, caseNumber: number): string {
  return `relaydesk-reply:${channelId}:${caseNumber}`;
}

/**
 * `reply+<caseNumber>.<signature>@<the channel's inbound host>`: a reply address that threads
 * into one case even when the client drops the subject token. The signature makes it
 * unforgeable; note it reveals the inbound host, whose local part is guessable.
 */
export function caseReplyAddress(args: { readonly caseNumber: number; readonly channelId: string; readonly inboundAddress: Address }, sign: Signer): Address {
  if (!Number.isSafeInteger(args.caseNumber) || args.caseNumber < 1) {
    throw new RangeError(`case number ${args.caseNumber} must be a positive integer`);
  }
  const signature = sign(replyData(args.channelId, args.caseNumber));
  if (!SIGNATURE_RE.test(signature)) {
    throw new RangeError('the reply-address signer must return 8-64 characters of [a-z0-9]');
  }
  return `${REPLY_PREFIX}${args.caseNumber}.${signature}@${domainOf(normalizeAddress(args.inboundAddress))}`;
}

export type CaseReplyAddress =
  | { readonly kind: 'case-reply'; readonly caseNumber: number }
  | { readonly kind: 'bad-signature'; readonly caseNumber: number }
  | { readonly kind: 'not-a-reply-address' };

/** Reads a reply address made by `caseReplyAddress` for `channelId`, checking its signature. */
export function parseCaseReplyAddress(address: string, channelId: string, sign: Signer): CaseReplyAddress {
  const m = REPLY_RE.exec(localPartOf(normalizeAddress(address)));
  if (!m || m[1] === undefined || m[2] === undefined) return { kind: 'not-a-reply-address' };
  const caseNumber = Number(m[1]);
  if (!Number.isSafeInteger(caseNumber)) return { kind: 'not-a-reply-address' };
  return sameText(sign(replyData(channelId, caseNumber)), m[2]) ? { kind: 'case-reply', caseNumber } : { kind: 'bad-signature', caseNumber };
}

// Compares without stopping at the first difference, so timing does not reveal a signature prefix.
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
