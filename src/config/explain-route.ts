/**
 * `relaydesk route explain` and GET /api/routing/explain: routing's explanation of one
 * address under a configuration, as plain data for JSON and as the lines the CLI prints.
 * The sender only matters to the spam lists: routing itself never looks at it.
 */
import { buildSnapshot, describeMatch, describeOutcome, explainRecipient, renderExplanation, type RuleOutcome } from '../routing/index.js';
import { matchSenderList } from '../spam/index.js';
import type { Config } from './schema.js';
import { toSnapshotInput } from './to-snapshot-input.js';

export interface RouteExplanationView {
  /** The configuration version explained; 0 for a file not applied. */
  readonly version: number;
  readonly recipient: string;
  readonly recognized: boolean;
  readonly before: 'postmaster' | 'desk' | 'not-hosted' | null;
  readonly rules: readonly {
    readonly index: number;
    readonly description: string;
    readonly action: string;
    readonly match: string;
    /** The match as data, for a console that words it in its own language. */
    readonly matchOn: { readonly kind: 'single' | 'pattern' | 'group' | 'all'; readonly value: string | null };
    readonly outcome: RuleOutcome;
    readonly text: string;
  }[];
  readonly decision:
    | { readonly kind: 'reject'; readonly reply: string; readonly rule: string | null }
    | {
        readonly kind: 'accept';
        readonly quarantine: boolean;
        readonly requireTls: boolean;
        readonly rules: readonly string[];
        readonly targets: readonly {
          readonly recipient: string;
          readonly transport: string;
          readonly route: string | null;
          readonly role: 'primary' | 'added';
          /** What happens to spam: held, delivered flagged, or held anyway (quarantine rule). */
          readonly spam: 'held' | 'flagged' | 'quarantined';
        }[];
      };
  readonly sender: { readonly address: string; readonly list: 'allow' | 'deny' | null; readonly text: string } | null;
  readonly lines: readonly string[];
}

export function explainRoute(config: Config, version: number, address: string, from?: string): RouteExplanationView {
  const rules = config.defaultRouting;
  const x = explainRecipient(address, buildSnapshot(toSnapshotInput(config, version)));
  const d = x.decision;
  const sender = from === undefined ? null : senderFacts(config, from);
  const lines = [...renderExplanation(x, rules), ...(sender ? [`sender: ${sender.text}`] : [])];
  return {
    version,
    recipient: x.recipient,
    recognized: x.recognized,
    before: x.before ?? null,
    rules: x.rules.map((e) => {
      const r = rules[e.index];
      return {
        index: e.index,
        description: e.description,
        action: r?.action ?? 'modify',
        match: r ? describeMatch(r.match) : '',
        matchOn: r ? matchOn(r.match) : { kind: 'all' as const, value: null },
        outcome: e.outcome,
        text: describeOutcome(e, rules, x.recipient),
      };
    }),
    decision:
      d.kind === 'reject'
        ? { kind: 'reject', reply: `${d.reply.code} ${d.reply.enhanced} ${d.reply.text}`, rule: d.rule ?? null }
        : {
            kind: 'accept',
            quarantine: d.plan.quarantine,
            requireTls: d.plan.requireTls,
            rules: d.plan.rules,
            targets: d.plan.targets.map((t) => ({
              recipient: t.recipient,
              transport: t.transport,
              route: t.route ?? null,
              role: t.role,
              spam: d.plan.quarantine ? 'quarantined' : t.holdIfSpam ? 'held' : 'flagged',
            })),
          },
    sender,
    lines,
  };
}

function matchOn(m: Config['defaultRouting'][number]['match']): RouteExplanationView['rules'][number]['matchOn'] {
  if ('single' in m) return { kind: 'single', value: m.single };
  if ('pattern' in m) return { kind: 'pattern', value: m.pattern };
  if ('group' in m) return { kind: 'group', value: m.group };
  return { kind: 'all', value: null };
}

function senderFacts(config: Config, from: string): NonNullable<RouteExplanationView['sender']> {
  const address = from.trim().toLowerCase();
  if (matchSenderList(address, config.spam.denySenders)) {
    return { address, list: 'deny', text: `${address} is on spam.denySenders, so its mail is spam: the copies marked "held if spam" are held` };
  }
  if (matchSenderList(address, config.spam.allowSenders)) {
    return {
      address,
      list: 'allow',
      text: `${address} is on spam.allowSenders: its mail is not spam when it is authenticated (SPF for the envelope sender, or DMARC or aligned DKIM for From)`,
    };
  }
  return { address, list: null, text: `${address} is on neither spam list; the spam verdict depends on the message` };
}
