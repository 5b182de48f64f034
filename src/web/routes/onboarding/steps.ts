/**
 * The console's first steps, in the order the seed's walk takes them, each decided from what
 * exists (the configuration in force, the desk's channels, proofs kept in the store). Pure.
 */
import type { RoutingRule } from '../../../routing/index.js';

export const ONBOARDING_STEPS = ['domain', 'outbound', 'channel', 'routing', 'routeTest'] as const;
export type OnboardingStepId = (typeof ONBOARDING_STEPS)[number];

export interface OnboardingFacts {
  readonly domains: readonly string[];
  readonly smarthost: string | undefined;
  /** A test message went out by MX (no smarthost) and the recipient's server took it. */
  readonly directDeliveryProved: boolean;
  /** Current (not retired) inbound addresses of the desk's channels, by channel. */
  readonly channels: readonly { readonly name: string; readonly inboundAddress: string | null }[];
  readonly rules: readonly RoutingRule[];
  readonly routeTestDelivered: boolean;
}

export interface OnboardingStep {
  readonly id: OnboardingStepId;
  readonly done: boolean;
  /** What makes it done now, or what is missing, in a sentence. */
  readonly detail: string;
}

const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The enabled rules that send mail on to a channel's inbound address (replaced or added). */
function rulesToChannels(facts: OnboardingFacts): { rule: string; channel: string }[] {
  const found: { rule: string; channel: string }[] = [];
  for (const rule of facts.rules) {
    if (!rule.enabled || rule.action !== 'modify') continue;
    const change = rule.modify.changeEnvelopeRecipient;
    const targets = [...(change && 'replaceRecipient' in change ? [change.replaceRecipient] : []), ...rule.modify.addRecipients.map((r) => r.address)];
    for (const ch of facts.channels) {
      const inbound = ch.inboundAddress;
      if (inbound !== null && targets.some((t) => sameAddress(t, inbound))) found.push({ rule: rule.description, channel: ch.name });
    }
  }
  return found;
}

export function decideOnboarding(facts: OnboardingFacts): OnboardingStep[] {
  const routed = rulesToChannels(facts);
  const outbound =
    facts.smarthost !== undefined
      ? { done: true, detail: `outbound mail goes through the smarthost "${facts.smarthost}"` }
      : facts.directDeliveryProved
        ? { done: true, detail: "outbound mail goes straight to each recipient domain's MX; a test message was delivered that way" }
        : {
            done: false,
            detail:
              'no smarthost is set and direct delivery by MX has not been proved: choose a smarthost on the Hosts page, or send a test there to an outside address to deliver by MX',
          };
  return [
    facts.domains.length > 0
      ? { id: 'domain', done: true, detail: `hosted: ${facts.domains.join(', ')}` }
      : { id: 'domain', done: false, detail: 'no hosted domain yet: add your domain on the Domains page' },
    { id: 'outbound', ...outbound },
    facts.channels.length > 0
      ? { id: 'channel', done: true, detail: `channels: ${facts.channels.map((c) => c.name).join(', ')}` }
      : { id: 'channel', done: false, detail: 'no desk channel yet: add one on the Channels page' },
    routed.length > 0
      ? { id: 'routing', done: true, detail: routed.map((r) => `rule "${r.rule}" sends mail to channel ${r.channel}`).join('; ') }
      : {
          id: 'routing',
          done: false,
          detail: "no enabled rule sends mail to a channel's inbound address: add one on the Default routing page",
        },
    facts.routeTestDelivered
      ? { id: 'routeTest', done: true, detail: 'a route test reached its destination' }
      : { id: 'routeTest', done: false, detail: 'no route test has reached its destination yet: use "Test the route" on a rule of the Default routing page' },
  ];
}
