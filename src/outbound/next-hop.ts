/**
 * Where a delivery goes next: a configured host or the recipient domain's MX.
 * A decision value (Postfix's trivial-rewrite idea): the sender asks, then acts.
 */
import type { NextHopHost } from '../routing/index.js';

export type NextHop =
  | { readonly kind: 'static'; readonly host: NextHopHost }
  | { readonly kind: 'mx'; readonly domain: string }
  /** The configuration names a host that does not exist; retrying after a fix can help. */
  | { readonly kind: 'error'; readonly reason: string };

export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * Precedence: the delivery's fixed route (a rule's changeRoute), then a host
 * whose `domains` lists the recipient domain, then the smarthost, then MX.
 */
export function chooseNextHop(recipientDomain: string, route: string | undefined, hosts: ReadonlyMap<string, NextHopHost>, smarthost?: string): NextHop {
  if (route !== undefined) return named(route, hosts, 'the route');
  const domain = normalizeDomain(recipientDomain);
  for (const host of hosts.values()) {
    if (host.domains.some((d) => normalizeDomain(d) === domain)) return { kind: 'static', host };
  }
  if (smarthost !== undefined) return named(smarthost, hosts, 'outbound.smarthost');
  return { kind: 'mx', domain };
}

function named(name: string, hosts: ReadonlyMap<string, NextHopHost>, what: string): NextHop {
  const host = hosts.get(name);
  if (host) return { kind: 'static', host };
  return {
    kind: 'error',
    reason: `${what} names host "${name}", which is not in hosts; add it to hosts or change ${what}`,
  };
}

export interface MxRecord {
  readonly exchange: string;
  readonly priority: number;
}

export type MxOrder =
  /** Hosts to try in order; `implicit` when the domain has no MX and its own A record is used. */
  | { readonly kind: 'hosts'; readonly hosts: readonly string[]; readonly implicit: boolean }
  /** RFC 7505: the domain says it accepts no mail. A permanent failure (5.1.10). */
  | { readonly kind: 'null-mx'; readonly reason: string };

/**
 * Orders MX records by priority (RFC 5321 §5.1). Equal priorities should be tried in
 * random order to spread load; randomness is the caller's, passed as `tieSeed`, which
 * rotates each group of equals. Pass no records for a domain without MX (implicit MX).
 */
export function orderMxRecords(domain: string, records: readonly MxRecord[], tieSeed = 0): MxOrder {
  const name = normalizeDomain(domain);
  if (records.length === 0) return { kind: 'hosts', hosts: [name], implicit: true };
  const real = records.filter((r) => normalizeDomain(r.exchange) !== '');
  if (real.length === 0) {
    return {
      kind: 'null-mx',
      reason: `${name} publishes a null MX record: it accepts no mail (RFC 7505); check the recipient address`,
    };
  }
  const byPriority = new Map<number, string[]>();
  for (const r of real) {
    const group = byPriority.get(r.priority) ?? [];
    group.push(normalizeDomain(r.exchange));
    byPriority.set(r.priority, group);
  }
  const hosts: string[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const group = byPriority.get(priority) ?? [];
    const shift = group.length > 0 ? Math.abs(Math.trunc(tieSeed)) % group.length : 0;
    for (const h of [...group.slice(shift), ...group.slice(0, shift)]) {
      if (!hosts.includes(h)) hosts.push(h);
    }
  }
  return { kind: 'hosts', hosts, implicit: false };
}
