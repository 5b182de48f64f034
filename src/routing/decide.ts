/**
 * The RCPT-time decision for one envelope recipient: reject it, or accept it with the
 * destinations it will have. Independent of spam, which is only known after DATA;
 * `planDeliveries` applies the verdict to the plan made here.
 */
import { smtpReply } from '../base/errors.js';
import { applyEnvelopeChange, domainOf, inDomainTree, normalizeAddress } from './address.js';
import { applyingRules, isRecognized, ruleVerdict, type RuleVerdict } from './match.js';
import { decidePostmaster, isPostmasterRecipient } from './postmaster.js';
import type {
  AddedRecipient,
  DeliveryTarget,
  EnvelopeRecipientChange,
  MessageTransform,
  RecipientDecision,
  RecipientExplanation,
  RecipientPlan,
  RoutingRule,
  RoutingSnapshot,
  RuleOutcome,
} from './model.js';
import { resolveAddress } from './resolve.js';

export const DEFAULT_REJECT_TEXT = 'Mail to this address is refused by the routing rules of this domain';

/** What the applying `modify` rules add up to, combined in table order. */
export interface CombinedModify {
  readonly change?: EnvelopeRecipientChange;
  /** Position, in the list given, of the rule whose change is used (the first one). */
  readonly changeFrom?: number;
  readonly route?: string;
  readonly routeFrom?: number;
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
  let changeFrom: number | undefined;
  let route: string | undefined;
  let routeFrom: number | undefined;
  let bypassSpamFilter = false;
  let requireTls = false;
  let removeAttachments = false;
  let addXOriginalToHeader = false;
  let addSpamHeaders = false;
  const added = new Map<string, AddedRecipient>();
  const headers = new Map<string, readonly [string, string]>();
  const prefixes = new Set<string>();
  rules.forEach(({ modify: m }, i) => {
    if (change === undefined && m.changeEnvelopeRecipient !== undefined) {
      change = m.changeEnvelopeRecipient;
      changeFrom = i;
    }
    if (route === undefined && m.changeRoute !== undefined) {
      route = m.changeRoute;
      routeFrom = i;
    }
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
  });
  return {
    ...(change !== undefined ? { change, changeFrom } : {}),
    ...(route !== undefined ? { route, routeFrom } : {}),
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
  return decide(address, snapshot, false).decision;
}

/**
 * The decision for one recipient, with each rule's part in it (applied, or why not). The
 * same code decides both: `decideRecipient` is this without the per-rule account, which
 * it skips so that deciding keeps to the indexed rules (see match.ts).
 */
export function explainRecipient(address: string, snapshot: RoutingSnapshot): RecipientExplanation {
  return decide(address, snapshot, true);
}

function decide(address: string, snapshot: RoutingSnapshot, explain: boolean): RecipientExplanation {
  const recipient = normalizeAddress(address);
  const domain = domainOf(recipient);
  const noTransform: MessageTransform = { headers: [], prependSubject: [], spamHeaders: false, removeAttachments: false };
  const early = (before: 'postmaster' | 'desk' | 'not-hosted', decision: RecipientDecision): RecipientExplanation => ({
    recipient,
    recognized: false,
    before,
    rules: [],
    decision,
  });

  if (isPostmasterRecipient(recipient, snapshot)) return early('postmaster', decidePostmaster(recipient, snapshot));

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
      return early('desk', {
        kind: 'accept',
        plan: { recipient, recognized: false, quarantine: false, requireTls: false, transform: noTransform, rules: [], targets: [target] },
      });
    }
    return early('not-hosted', {
      kind: 'reject',
      reply: smtpReply(550, '5.7.1', `Relaying denied: ${domain || 'that address'} is not a domain this server accepts mail for`),
    });
  }

  const recognized = isRecognized(recipient, snapshot);
  // Explaining looks at every rule; deciding only at the indexed candidates. Both ask ruleVerdict.
  const verdicts = explain ? everyVerdict(recipient, recognized, snapshot) : [];
  const applyingIndexes = explain ? verdicts.flatMap((v, i) => (v === 'applies' ? [i] : [])) : applyingRules(recipient, recognized, snapshot);
  const applying = applyingIndexes.map((i) => snapshot.rules[i] as RoutingRule);
  const explained = (decision: RecipientDecision, outcomeOf: (i: number) => RuleOutcome): RecipientExplanation => ({
    recipient,
    recognized,
    rules: explain
      ? snapshot.rules.map((r, i) => {
          const v = verdicts[i];
          return { index: i, description: r.description, outcome: v === 'applies' ? outcomeOf(i) : { kind: v as Exclude<RuleVerdict, 'applies'> } };
        })
      : [],
    decision,
  });

  const rejectAt = applying.findIndex((r) => r.action === 'reject');
  const reject = applying[rejectAt];
  if (reject) {
    const by = applyingIndexes[rejectAt] as number;
    return explained({ kind: 'reject', reply: smtpReply(550, '5.7.1', reject.rejectText?.trim() || DEFAULT_REJECT_TEXT), rule: reject.description }, (i) =>
      i === by ? { kind: 'applied' } : { kind: 'rejected', by },
    );
  }

  const modifying = applyingIndexes.filter((i) => (snapshot.rules[i] as RoutingRule).action === 'modify');
  const combined = combineModifyRules(modifying.map((i) => snapshot.rules[i] as RoutingRule));
  const changeBy = combined.changeFrom !== undefined ? modifying[combined.changeFrom] : undefined;
  const routeBy = combined.routeFrom !== undefined ? modifying[combined.routeFrom] : undefined;
  const outcomeOf = (i: number): RuleOutcome => {
    const m = (snapshot.rules[i] as RoutingRule).modify;
    if (changeBy !== undefined && i !== changeBy && m.changeEnvelopeRecipient !== undefined) {
      return { kind: 'overridden', by: changeBy, option: 'changeEnvelopeRecipient' };
    }
    if (routeBy !== undefined && i !== routeBy && m.changeRoute !== undefined) return { kind: 'overridden', by: routeBy, option: 'changeRoute' };
    return { kind: 'applied' };
  };
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
  if (targets.size === 0) return explained(unknownRecipient(recipient), outcomeOf);

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
  return explained({ kind: 'accept', plan }, outcomeOf);
}

function everyVerdict(recipient: string, recognized: boolean, snapshot: RoutingSnapshot): RuleVerdict[] {
  const utf8 = Buffer.from(recipient);
  return snapshot.rules.map((r, i) => ruleVerdict(r, i, recipient, recognized, snapshot, utf8));
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
