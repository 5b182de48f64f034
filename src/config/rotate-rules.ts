/**
 * When a desk channel's inbound address is rotated, the default routing rules that send mail
 * to the old address (as the replaced recipient or an added one) must follow, or customers'
 * mail is refused as sent to a retired address.
 */
import { normalizeAddress } from '../routing/index.js';
import type { Config } from './schema.js';

/** A rule that names one of the addresses, with the fields that do (the paths of apply's warnings). */
export interface RulePointing {
  readonly index: number;
  readonly description: string;
  readonly paths: readonly string[];
}

export function rulesPointingAt(config: Config, addresses: readonly string[]): RulePointing[] {
  const wanted = new Set(addresses.map(normalizeAddress));
  const hit = (a: string) => wanted.has(normalizeAddress(a));
  return config.defaultRouting.flatMap((r, i) => {
    const paths: string[] = [];
    const change = r.modify.changeEnvelopeRecipient;
    if (change && 'replaceRecipient' in change && hit(change.replaceRecipient))
      paths.push(`defaultRouting[${i}].modify.changeEnvelopeRecipient.replaceRecipient`);
    r.modify.addRecipients.forEach((a, j) => {
      if (hit(a.address)) paths.push(`defaultRouting[${i}].modify.addRecipients[${j}].address`);
    });
    return paths.length === 0 ? [] : [{ index: i, description: r.description, paths }];
  });
}

/** The configuration with every such field naming `to` instead; nothing else changes. */
export function pointRulesAt(config: Config, from: readonly string[], to: string): Config {
  const wanted = new Set(from.map(normalizeAddress));
  const swap = (a: string) => (wanted.has(normalizeAddress(a)) ? to : a);
  return {
    ...config,
    defaultRouting: config.defaultRouting.map((r) => {
      const change = r.modify.changeEnvelopeRecipient;
      return {
        ...r,
        modify: {
          ...r.modify,
          ...(change && 'replaceRecipient' in change ? { changeEnvelopeRecipient: { replaceRecipient: swap(change.replaceRecipient) } } : {}),
          addRecipients: r.modify.addRecipients.map((a) => ({ ...a, address: swap(a.address) })),
        },
      };
    }),
  };
}
