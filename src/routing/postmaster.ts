/**
 * RFC 5321 4.5.1: every domain we take mail for has a postmaster, and "postmaster" alone
 * (no domain) is a valid recipient. Its mail is decided before the rules, so no rule can
 * refuse, hold or rewrite the address people write to when something is wrong.
 */
import { smtpReply } from '../base/errors.js';
import { domainOf, inDomainTree, localPartOf } from './address.js';
import { isRecognized } from './match.js';
import type { Address, DeliveryTarget, RecipientDecision, RoutingSnapshot } from './model.js';
import { resolveAddress, type Destination } from './resolve.js';

export const POSTMASTER = 'postmaster';

/** A normalized recipient that is postmaster: bare, or at a hosted or desk domain. */
export function isPostmasterRecipient(address: Address, snapshot: RoutingSnapshot): boolean {
  if (localPartOf(address) !== POSTMASTER) return false;
  if (address === POSTMASTER) return true;
  const domain = domainOf(address);
  return domain !== '' && (snapshot.domains.has(domain) || inDomainTree(domain, snapshot.deskDomains));
}

/**
 * Where the postmaster address leads. An address in a hosted domain that nobody holds
 * (the default, postmaster@<first domain>, is one) is a mailbox of its own.
 */
export function postmasterDestinations(snapshot: RoutingSnapshot): Destination[] {
  const to = snapshot.postmaster;
  if (to === undefined) return [];
  const found = resolveAddress(to, snapshot);
  return found.length > 0 ? found : [{ recipient: to, transport: 'mailbox' }];
}

/** The decision for a postmaster recipient: a user or group holding that very address keeps it. */
export function decidePostmaster(recipient: Address, snapshot: RoutingSnapshot): RecipientDecision {
  const destinations = isRecognized(recipient, snapshot) ? resolveAddress(recipient, snapshot) : postmasterDestinations(snapshot);
  if (destinations.length === 0) {
    return { kind: 'reject', reply: smtpReply(550, '5.1.1', `<${recipient}>: this server has no postmaster address yet; it hosts no domain`) };
  }
  // Spam is not relayed off the machine for postmaster either; a mailbox or the desk flags it.
  const targets: DeliveryTarget[] = destinations.map((d) => ({ ...d, role: 'primary', holdIfSpam: d.transport === 'smtp', suppressBounces: false }));
  return {
    kind: 'accept',
    plan: {
      recipient,
      recognized: true,
      quarantine: false,
      requireTls: false,
      transform: { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false },
      rules: [],
      targets,
    },
  };
}
