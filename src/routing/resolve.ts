/**
 * Where an address ends up on this machine or beyond: a mailbox, a group's members,
 * the desk, or an SMTP relay. Used for the recipient itself, for rewritten recipients
 * (which are looked up but never run through the rules again) and for added recipients.
 */
import { domainOf, inDomainTree } from './address.js';
import type { Address, RoutingSnapshot, Transport } from './model.js';

export interface Destination {
  readonly recipient: Address;
  readonly transport: Transport;
  readonly route?: string;
}

/**
 * Destinations of a normalized address. With a route (a rule's changeRoute) the mail
 * leaves through that host whatever the address: the admin named the next hop. An
 * address in a hosted domain that nobody holds (or a suspended user) has none.
 */
export function resolveAddress(address: Address, snapshot: RoutingSnapshot, route?: string): Destination[] {
  if (route !== undefined) return [{ recipient: address, transport: 'smtp', route }];
  const out = new Map<string, Destination>();
  collect(address, snapshot, new Set(), out);
  return [...out.values()];
}

function collect(address: Address, snapshot: RoutingSnapshot, seen: Set<Address>, out: Map<string, Destination>): void {
  // Groups may contain each other; `seen` makes expansion finish and list each member once.
  if (seen.has(address)) return;
  seen.add(address);
  const mailbox = snapshot.mailboxes.get(address);
  if (mailbox !== undefined) {
    add(out, { recipient: mailbox, transport: 'mailbox' });
    return;
  }
  const group = snapshot.groups.get(address);
  if (group) {
    for (const member of group.members) collect(member, snapshot, seen, out);
    return;
  }
  const domain = domainOf(address);
  if (domain === '') return;
  if (inDomainTree(domain, snapshot.deskDomains)) {
    add(out, { recipient: address, transport: 'desk' });
    return;
  }
  if (snapshot.domains.has(domain)) return;
  add(out, { recipient: address, transport: 'smtp' });
}

function add(out: Map<string, Destination>, d: Destination): void {
  const key = `${d.transport}\u0000${d.recipient}`;
  if (!out.has(key)) out.set(key, d);
}
