/**
 * Test-only builders (imported by *.test.ts, never by the product): rules and a small
 * directory written with only what a case cares about.
 */
import type { ModifyOptions, RoutingRule } from './model.js';
import { buildSnapshot, type SnapshotInput } from './snapshot.js';

export function modify(options: Partial<ModifyOptions> = {}): ModifyOptions {
  return {
    bypassSpamFilter: false,
    addRecipients: [],
    addXOriginalToHeader: false,
    addSpamHeaders: false,
    customHeaders: {},
    requireTls: false,
    removeAttachments: false,
    ...options,
  };
}

export function rule(r: Partial<Omit<RoutingRule, 'modify'>> & { modify?: Partial<ModifyOptions> }): RoutingRule {
  return {
    description: r.description ?? 'rule',
    enabled: r.enabled ?? true,
    match: r.match ?? { all: true },
    action: r.action ?? 'modify',
    ...(r.rejectText !== undefined ? { rejectText: r.rejectText } : {}),
    modify: modify(r.modify),
    recognizedAddresses: r.recognizedAddresses ?? false,
  };
}

export const added = (address: string, doNotDeliverSpam = true, suppressBounces = true) => ({ address, doNotDeliverSpam, suppressBounces });

/** solarmora.com with a few users and nested groups (one cycle), two CRM hosts and a desk. */
export const DIRECTORY: Omit<SnapshotInput, 'rules' | 'version'> = {
  domains: ['solarmora.com'],
  users: [
    { address: 'alice@solarmora.com', orgUnit: '/Sales', aliases: ['a.smith@solarmora.com'], status: 'active' },
    { address: 'bob@solarmora.com', orgUnit: '/', aliases: [], status: 'active' },
    { address: 'carol@solarmora.com', orgUnit: '/', aliases: [], status: 'suspended' },
  ],
  groups: [
    { address: 'sales-team@solarmora.com', members: ['alice@solarmora.com', 'partner@elsewhere.example', 'inner@solarmora.com'] },
    { address: 'inner@solarmora.com', members: ['bob@solarmora.com', 'sales-team@solarmora.com', 'carol@solarmora.com'] },
  ],
  hosts: [
    { name: 'crm', host: '127.0.0.1', port: 2526, tls: 'none', domains: ['crm.test'] },
    { name: 'crm2', host: '127.0.0.1', port: 2527, tls: 'none', domains: [] },
  ],
  deskDomains: ['desk.solarmora.test'],
};

export function snapshotWith(rules: readonly RoutingRule[], directory = DIRECTORY) {
  return buildSnapshot({ ...directory, rules, version: 1 });
}
