/**
 * Replay: stored envelopes planned with the configuration in force and with a draft, and
 * what would change. Envelopes arrive one at a time (the caller pages them from the store);
 * each distinct recipient is decided once per side, since a decision depends on the address
 * and the snapshot only, so a period of many messages to few addresses costs little.
 */
import { normalizeAddress } from './address.js';
import { decideRecipient, explainRecipient } from './decide.js';
import type { Address, RecipientDecision, RecipientExplanation, RoutingSnapshot } from './model.js';

export interface ReplayEnvelope {
  readonly queueId: string;
  readonly sender: Address;
  readonly recipients: readonly Address[];
  readonly receivedAt: number;
  /** The verdict the message got: it decides which copies are held. */
  readonly spam: boolean;
}

/** How many examples (queue ids) each line of the report names. */
export const REPLAY_EXAMPLES = 3;

export interface ReplayCount {
  readonly messages: number;
  readonly examples: readonly string[];
}

/** One side of a changed recipient, as data: what its mail got, or would get. */
export type ReplayPlan =
  | { readonly kind: 'reject'; readonly reply: string }
  | {
      readonly kind: 'accept';
      readonly targets: readonly { readonly recipient: Address; readonly transport: string; readonly route: string | null; readonly held: boolean }[];
    };

export interface ReplayReport {
  readonly messages: number;
  /** Each rule of the draft, with how many messages it would take (apply to at least one recipient). */
  readonly rules: readonly { readonly index: number; readonly description: string; readonly messages: number }[];
  /** Recipients whose destination would change, most messages first. */
  readonly changes: readonly (ReplayCount & {
    readonly recipient: Address;
    readonly before: string;
    readonly after: string;
    readonly plans: { readonly before: ReplayPlan; readonly after: ReplayPlan };
  })[];
  /** Messages with a recipient accepted now that the draft would reject. */
  readonly rejected: ReplayCount;
  /** Messages with a copy the draft would hold (quarantine rule or spam) where none is held now. */
  readonly held: ReplayCount;
}

export interface Replay {
  add(envelope: ReplayEnvelope): void;
  report(): ReplayReport;
}

interface Tally {
  messages: number;
  examples: string[];
}

const count = (t: Tally, queueId: string): void => {
  t.messages++;
  if (t.examples.length < REPLAY_EXAMPLES) t.examples.push(queueId);
};

export function createReplay(inForce: RoutingSnapshot, draft: RoutingSnapshot): Replay {
  const before = new Map<Address, RecipientDecision>();
  const after = new Map<Address, RecipientExplanation>();
  const ruleMessages = draft.rules.map(() => 0);
  const changes = new Map<string, Tally & { recipient: Address; before: string; after: string; plans: { before: ReplayPlan; after: ReplayPlan } }>();
  const rejected: Tally = { messages: 0, examples: [] };
  const held: Tally = { messages: 0, examples: [] };
  let messages = 0;

  return {
    add(e) {
      messages++;
      const taken = new Set<number>();
      let nowRejected = false;
      let nowHeld = false;
      for (const raw of e.recipients) {
        const address = normalizeAddress(raw);
        let old = before.get(address);
        if (old === undefined) {
          old = decideRecipient(address, inForce);
          before.set(address, old);
        }
        let next = after.get(address);
        if (next === undefined) {
          next = explainRecipient(address, draft);
          after.set(address, next);
        }
        for (const r of next.rules) if (r.outcome.kind === 'applied' || r.outcome.kind === 'overridden') taken.add(r.index);
        const wasPlan = planOf(old, e.spam);
        const willPlan = planOf(next.decision, e.spam);
        const was = destination(wasPlan);
        const will = destination(willPlan);
        if (was === will) continue;
        const key = `${address}\u0000${was}\u0000${will}`;
        const tally = changes.get(key) ?? {
          recipient: address,
          before: was,
          after: will,
          plans: { before: wasPlan, after: willPlan },
          messages: 0,
          examples: [],
        };
        changes.set(key, tally);
        count(tally, e.queueId);
        if (old.kind === 'accept' && next.decision.kind === 'reject') nowRejected = true;
        if (holds(next.decision, e.spam) && !holds(old, e.spam)) nowHeld = true;
      }
      for (const i of taken) ruleMessages[i] = (ruleMessages[i] ?? 0) + 1;
      if (nowRejected) count(rejected, e.queueId);
      if (nowHeld) count(held, e.queueId);
    },
    report() {
      return {
        messages,
        rules: draft.rules.map((r, index) => ({ index, description: r.description, messages: ruleMessages[index] ?? 0 })),
        changes: [...changes.values()]
          .sort((a, b) => b.messages - a.messages || a.recipient.localeCompare(b.recipient))
          .map((c) => ({ ...c, examples: [...c.examples] })),
        rejected: { ...rejected, examples: [...rejected.examples] },
        held: { ...held, examples: [...held.examples] },
      };
    },
  };
}

function holds(d: RecipientDecision, spam: boolean): boolean {
  return d.kind === 'accept' && (d.plan.quarantine || (spam && d.plan.targets.some((t) => t.holdIfSpam)));
}

/** Where a recipient's mail goes, targets in a fixed order so that equal plans compare equal. */
function planOf(d: RecipientDecision, spam: boolean): ReplayPlan {
  if (d.kind === 'reject') return { kind: 'reject', reply: `${d.reply.code} ${d.reply.enhanced}` };
  return {
    kind: 'accept',
    targets: d.plan.targets
      .map((t) => ({ recipient: t.recipient, transport: t.transport, route: t.route ?? null, held: d.plan.quarantine || (spam && t.holdIfSpam) }))
      .sort((a, b) => (targetText(a) < targetText(b) ? -1 : targetText(a) > targetText(b) ? 1 : 0)),
  };
}

const targetText = (t: Extract<ReplayPlan, { kind: 'accept' }>['targets'][number]): string =>
  `${t.recipient} by ${t.transport}${t.route !== null ? ` via ${t.route}` : ''}${t.held ? ' (held)' : ''}`;

/** A plan in words that compare equal exactly when nothing changes. */
function destination(p: ReplayPlan): string {
  return p.kind === 'reject' ? `rejected (${p.reply})` : p.targets.map(targetText).join(', ');
}

/** The report as `apply --dry-run --replay` prints it. */
export function renderReplay(r: ReplayReport, period: string): string[] {
  const ex = (c: ReplayCount): string => (c.examples.length > 0 ? ` (e.g. ${c.examples.join(', ')})` : '');
  const n = (k: number): string => `${k} message${k === 1 ? '' : 's'}`;
  const lines = [`replay: ${n(r.messages)} of the last ${period}, planned with the configuration in force and with this file`];
  lines.push('rules of this file:');
  for (const rule of r.rules) lines.push(`  rule ${rule.index} "${rule.description}": would take ${n(rule.messages)}`);
  if (r.changes.length === 0) lines.push('no recipient would go anywhere else');
  else {
    lines.push('recipients whose destination would change:');
    for (const c of r.changes) lines.push(`  ${c.recipient}: ${c.before} → ${c.after}: ${n(c.messages)}${ex(c)}`);
  }
  lines.push(`would now be rejected: ${n(r.rejected.messages)}${ex(r.rejected)}`);
  lines.push(`would now be held (quarantine or spam): ${n(r.held.messages)}${ex(r.held)}`);
  return lines;
}
