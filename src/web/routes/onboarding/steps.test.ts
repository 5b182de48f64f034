import { describe, expect, it } from 'vitest';
import type { RoutingRule } from '../../../routing/index.js';
import { decideOnboarding, type OnboardingFacts } from './steps.js';

const NONE: OnboardingFacts = { domains: [], smarthost: undefined, directDeliveryProved: false, channels: [], rules: [], routeTestDelivered: false };
const rule = (over: Partial<RoutingRule>, to: string): RoutingRule => ({
  description: 'help to the desk',
  enabled: true,
  match: { single: 'help@solarmora.com' },
  action: 'modify',
  recognizedAddresses: false,
  modify: {
    changeEnvelopeRecipient: { replaceRecipient: to },
    bypassSpamFilter: false,
    addRecipients: [],
    addXOriginalToHeader: false,
    addSpamHeaders: false,
    customHeaders: {},
    requireTls: false,
    removeAttachments: false,
  },
  ...over,
});
const done = (facts: OnboardingFacts) =>
  decideOnboarding(facts)
    .filter((s) => s.done)
    .map((s) => s.id);

describe('decideOnboarding', () => {
  const channels = [{ name: 'Support', inboundAddress: 'support@abc.case.solarmora.com' }];

  it('counts direct delivery only once a test proved it', () => {
    expect(done({ ...NONE, directDeliveryProved: false })).toEqual([]);
    expect(done({ ...NONE, directDeliveryProved: true })).toEqual(['outbound']);
    expect(done({ ...NONE, smarthost: 'relay' })).toEqual(['outbound']);
  });

  it('counts a rule only when it is enabled and sends mail to a current inbound address', () => {
    const to = 'Support@ABC.case.solarmora.com';
    expect(done({ ...NONE, channels, rules: [rule({}, to)] })).toEqual(['channel', 'routing']);
    expect(done({ ...NONE, channels, rules: [rule({ enabled: false }, to)] })).toEqual(['channel']);
    expect(done({ ...NONE, channels, rules: [rule({ action: 'reject' }, to)] })).toEqual(['channel']);
    expect(done({ ...NONE, channels, rules: [rule({}, 'crm@customer.example')] })).toEqual(['channel']);
    const added = rule({}, 'crm@customer.example');
    const alsoToDesk = { ...added, modify: { ...added.modify, addRecipients: [{ address: to, doNotDeliverSpam: true, suppressBounces: true }] } };
    expect(done({ ...NONE, channels, rules: [alsoToDesk] })).toEqual(['channel', 'routing']);
  });
});
