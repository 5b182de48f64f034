/**
 * Address helpers shared by the snapshot, the planner and validation. Addresses and
 * domains compare case-insensitively (the issue makes local parts case-insensitive
 * too, as Gmail does), so everything is compared in its normalized form.
 */
import type { Address, EnvelopeRecipientChange } from './model.js';

/** Trim, strip one pair of angle brackets, lowercase: the form every lookup uses. */
export function normalizeAddress(address: string): Address {
  let a = address.trim();
  if (a.startsWith('<') && a.endsWith('>')) a = a.slice(1, -1).trim();
  return a.toLowerCase();
}

export function normalizeDomain(domain: string): string {
  // A trailing dot is the DNS root, not a different domain.
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

/** The part after the last `@` ('' when there is none). */
export function domainOf(address: Address): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1);
}

export function localPartOf(address: Address): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at);
}

// Letters beyond ASCII are allowed: SMTPUTF8 addresses and IDN U-labels are legal mail.
const LABEL = '[a-z0-9\\u00a1-\\uffff](?:[a-z0-9\\u00a1-\\uffff-]{0,61}[a-z0-9\\u00a1-\\uffff])?';
const DOMAIN_RE = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`, 'i');
// Unquoted local parts only: quoted strings and comments are legal but never worth configuring.
const LOCAL_RE = /^[^\s@<>()[\]\\,;:"]{1,64}$/;

export function isDomainName(text: string): boolean {
  return DOMAIN_RE.test(text);
}

export function isLocalPart(text: string): boolean {
  return LOCAL_RE.test(text) && !text.startsWith('.') && !text.endsWith('.') && !text.includes('..');
}

/** A plain `local@domain` address, as configuration files should hold them. */
export function isMailAddress(text: string): boolean {
  const at = text.lastIndexOf('@');
  return at > 0 && isLocalPart(text.slice(0, at)) && isDomainName(text.slice(at + 1));
}

/** True when `domain` is in `set` or is a subdomain of a member (checked label by label). */
export function inDomainTree(domain: string, set: ReadonlySet<string>): boolean {
  let d = domain;
  for (;;) {
    if (set.has(d)) return true;
    const dot = d.indexOf('.');
    if (dot < 0) return false;
    d = d.slice(dot + 1);
  }
}

/** The envelope recipient after a rule's change; the input is already normalized. */
export function applyEnvelopeChange(address: Address, change: EnvelopeRecipientChange): Address {
  if ('replaceRecipient' in change) return normalizeAddress(change.replaceRecipient);
  if ('replaceUsername' in change) return `${change.replaceUsername.trim().toLowerCase()}@${domainOf(address)}`;
  return `${localPartOf(address)}@${normalizeDomain(change.replaceDomain)}`;
}
