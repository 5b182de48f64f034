/**
 * The RCPT-time decision for one envelope recipient: reject it, or accept it with the
 * destinations it will have. Independent of spam, which is only known after DATA;
 * `planDeliveries` applies the verdict to the plan made here.
 */
import { smtpReply } from '../base/errors.js';
import { applyEnvelopeChange, domainOf, inDomainTree, normalizeAddress } from './address.js';
import { applyingRules, isRecognized } from './match.js';
import { decidePostmaster, isPostmasterRecipient } from './postmaster.js';
import type {
  AddedRecipient,
  DeliveryTarget,
  EnvelopeRecipientChange,
  MessageTransform,
  RecipientDecision,
  RecipientPlan,
  RoutingRule,
  RoutingSnapshot,
} from './model.js';
import { resolveAddress } from './resolve.js';

export const DEFAULT_REJECT_TEXT = 'Mail to this address is refused by the routing rules of this domain';

/** What the applying `modify` rules add up to, combined in table order. */
export interface CombinedModify {
  readonly change?: EnvelopeRecipientChange;
  readonly route?: string;
  readonly bypassSpamFilter: boolean;
  readonly requireTls: boolean;
  readonly removeAttachments: boolean;
  readonly addXOriginalToHeader: boolean;
  readonly addSpamHeaders: boolean;
  readonly addRecipients: readonly AddedRecipient[];
  readonly headers: readonly (readonly [string, string])[];
  readonly prependSubject: readonly string[];
}

/** First change and first route win; lists accumulate, each item once; flags hold if any rule sets them. */
export function combineModifyRules(rules: readonly RoutingRule[]): CombinedModify {
  let change: EnvelopeRecipientChange | undefined;
  let route: string | undefined;
  let bypassSpamFilter = false;
  let requireTls = false;
  let removeAttachments = false;
  let addXOriginalToHeader = false;
  let addSpamHeaders = false;
  const added = new Map<string, AddedRecipient>();
  const headers = new Map<string, readonly [string, string]>();
  const prefixes = new Set<string>();
  for (const { modify: m } of rules) {
    change ??= m.changeEnvelopeRecipient;
    route ??= m.changeRoute;
    bypassSpamFilter ||= m.bypassSpamFilter;
    requireTls ||= m.requireTls;
    removeAttachments ||= m.removeAttachments;
    addXOriginalToHeader ||= m.addXOriginalToHeader;
    addSpamHeaders ||= m.addSpamHeaders;
    for (const a of m.addRecipients) {
      const key = normalizeAddress(a.address);
      if (!added.has(key)) added.set(key, { ...a, address: key });
    }
    for (const [name, value] of Object.entries(m.customHeaders)) {
      // Header names are case-insensitive; the same header with the same value is added once.
      const key = `${name.toLowerCase()}\u0000${value}`;
      if (!headers.has(key)) headers.set(key, [name, value]);
    }
    if (m.prependSubject !== undefined && m.prependSubject !== '') prefixes.add(m.prependSubject);
  }
  return {
    ...(change !== undefined ? { change } : {}),
    ...(route !== undefined ? { route } : {}),
    bypassSpamFilter,
    requireTls,
    removeAttachments,
    addXOriginalToHeader,
    addSpamHeaders,
    addRecipients: [...added.values()],
    headers: [...headers.values()],
    prependSubject: [...prefixes],
  };
}

function unknownRecipient(recipient: string): RecipientDecision {
  return {
    kind: 'reject',
    reply: smtpReply(550, '5.1.1', `<${recipient}>: no such user here; check the address`),
  };
}

export function decideRecipient(address: string, snapshot: RoutingSnapshot): RecipientDecision {
  const recipient = normalizeAddress(address);
  const domain = domainOf(recipient);
  const noTransform: MessageTransform = { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false };

  if (isPostmasterRecipient(recipient, snapshot)) return decidePostmaster(recipient, snapshot);

  if (!snapshot.domains.has(domain)) {
    // The desk's intake is ours too, but it is not a hosted domain: the rules are not for it.
    if (domain !== '' && inDomainTree(domain, snapshot.deskDomains)) {
      const target: DeliveryTarget = {
        recipient,
        transport: 'desk',
        role: 'primary',
        holdIfSpam: false,
        suppressBounces: false,
      };
      return {
        kind: 'accept',
        plan: { recipient, recognized: false, quarantine: false, requireTls: false, transform: noTransform, rules: [], targets: [target] },
      };
    }
    return {
      kind: 'reject',
      reply: smtpReply(550, '5.7.1', `Relaying denied: ${domain || 'that address'} is not a domain this server accepts mail for`),
    };
  }

  const recognized = isRecognized(recipient, snapshot);
  const applying = applyingRules(recipient, recognized, snapshot).map((i) => snapshot.rules[i] as RoutingRule);
  const reject = applying.find((r) => r.action === 'reject');
  if (reject) {
    return {
      kind: 'reject',
      reply: smtpReply(550, '5.7.1', reject.rejectText?.trim() || DEFAULT_REJECT_TEXT),
      rule: reject.description,
    };
  }

  const combined = combineModifyRules(applying.filter((r) => r.action === 'modify'));
  const targets = new Map<string, DeliveryTarget>();
  const put = (t: DeliveryTarget): void => {
    const key = `${t.transport}\u0000${t.recipient}\u0000${t.route ?? ''}`;
    const prev = targets.get(key);
    targets.set(key, prev ? mergeTargets(prev, t) : t);
  };

  if (combined.change !== undefined || combined.route !== undefined) {
    const destination = combined.change ? applyEnvelopeChange(recipient, combined.change) : recipient;
    for (const d of resolveAddress(destination, snapshot, combined.route)) {
      // Spam is not forwarded by a rule unless it bypasses the filter; a mailbox just flags it.
      const holdIfSpam = d.transport !== 'mailbox' && !combined.bypassSpamFilter;
      put({ ...d, role: 'primary', holdIfSpam, suppressBounces: false });
    }
  } else if (recognized) {
    for (const d of resolveAddress(recipient, snapshot)) {
      put({ ...d, role: 'primary', holdIfSpam: false, suppressBounces: false });
    }
  }
  for (const a of combined.addRecipients) {
    for (const d of resolveAddress(a.address, snapshot)) {
      put({ ...d, role: 'added', holdIfSpam: a.doNotDeliverSpam, suppressBounces: a.suppressBounces });
    }
  }
  if (targets.size === 0) return unknownRecipient(recipient);

  const plan: RecipientPlan = {
    recipient,
    recognized,
    quarantine: applying.some((r) => r.action === 'quarantine'),
    requireTls: combined.requireTls,
    transform: {
      ...(combined.addXOriginalToHeader ? { xOriginalTo: recipient } : {}),
      headers: combined.headers,
      prependSubject: combined.prependSubject,
      spamHeaders: combined.addSpamHeaders,
      removeAttachments: combined.removeAttachments,
    },
    rules: applying.map((r) => r.description),
    targets: [...targets.values()],
  };
  return { kind: 'accept', plan };
}

/** One destination reached twice (say, as the recipient and as an added copy): the more generous terms win. */
function mergeTargets(a: DeliveryTarget, b: DeliveryTarget): DeliveryTarget {
  return {
    ...a,
    role: a.role === 'primary' || b.role === 'primary' ? 'primary' : 'added',
    holdIfSpam: a.holdIfSpam && b.holdIfSpam,
    suppressBounces: a.suppressBounces && b.suppressBounces,
  };
}
