import { describeActor, type ActorDisplay } from '../base/actors.js';
import type { CaseRow, DeskMessageRow, LeadRow, StoredChannel } from '../store/index.js';
import { SLA_TARGETS, slaRemaining, type SlaTarget } from './sla.js';

/**
 * How the desk's records look to the outside (the REST API and webhook payloads): one
 * shape for both, times as ISO 8601, internal row ids only where they are the handle
 * (messages, leads). Cases are known by their number.
 */
export interface ChannelRef {
  readonly id: string;
  readonly name: string;
}

export interface CaseView {
  readonly number: number;
  readonly subject: string;
  readonly status: string;
  readonly channel: ChannelRef;
  readonly requester: { name: string; address: string };
  readonly assignee: string | null;
  readonly participants: { name: string; address: string }[];
  readonly originalRecipient: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly test: boolean;
  /** Null when the case has no service targets. */
  readonly sla: SlaView | null;
}

export interface SlaView {
  /** When the first answer is due; null once answered in time, while paused or stopped. A past one stays: it was missed. */
  readonly firstResponseDue: string | null;
  readonly resolutionDue: string | null;
  readonly firstResponseAt: string | null;
  /** Targets whose breach is recorded (and whose case.sla_breached was sent). */
  readonly breached: SlaTarget[];
  /** The case waits on the customer (pending): the clock stands still. */
  readonly paused: boolean;
  /** While paused: the business time (ms) left on each target not met yet. */
  readonly remaining: { readonly firstResponse: number | null; readonly resolution: number | null } | null;
}

export interface MessageView {
  readonly id: number;
  readonly direction: 'in' | 'out' | 'note';
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly from: { name: string; address: string } | null;
  readonly to: string[];
  readonly cc: string[];
  readonly subject: string;
  readonly text: string;
  /** Sanitised at intake; show it in a sandboxed frame all the same. */
  readonly html: string | null;
  readonly author: string | null;
  readonly authorActor: ActorDisplay | null;
  readonly machineKind: string | null;
  /** An earlier, different message came with the same Message-ID; this one was kept all the same. */
  readonly messageIdReused: boolean;
  readonly queueId: string | null;
  readonly createdAt: string;
  readonly attachments: {
    id: number;
    filename: string;
    /** The name as sent, when it differs from the safe name the desk shows; null otherwise. */
    originalFilename: string | null;
    contentType: string;
    size: number;
    contentId: string | null;
    inline: boolean;
  }[];
}

/** A stored lead as the API shows it: its channel named, its times in ISO. */
export type LeadView = Omit<LeadRow, 'channelId' | 'createdAt' | 'updatedAt'> & {
  readonly channel: ChannelRef;
  readonly createdAt: string;
  readonly updatedAt: string;
};

export const isoTime = (ms: number): string => new Date(Number(ms)).toISOString();

function channelRef(id: string, channels: readonly Pick<StoredChannel, 'id' | 'name'>[]): ChannelRef {
  return { id, name: channels.find((c) => c.id === id)?.name ?? id };
}

export function caseView(c: CaseRow, channels: readonly Pick<StoredChannel, 'id' | 'name'>[]): CaseView {
  return {
    number: c.number,
    subject: c.subject,
    status: c.status,
    channel: channelRef(c.channelId, channels),
    requester: c.requester,
    assignee: c.assignee,
    participants: c.participants,
    originalRecipient: c.originalRecipient,
    createdAt: isoTime(c.createdAt),
    updatedAt: isoTime(c.updatedAt),
    test: c.test,
    sla: slaView(c),
  };
}

function slaView(c: CaseRow): SlaView | null {
  const s = c.sla;
  if (s.targets.firstResponse === null && s.targets.resolution === null) return null;
  const at = (ms: number | null) => (ms === null ? null : isoTime(ms));
  const paused = c.status === 'pending';
  return {
    firstResponseDue: at(s.firstResponseDue),
    resolutionDue: at(s.resolutionDue),
    firstResponseAt: at(s.firstResponseAt),
    breached: SLA_TARGETS.filter((t) => s.breachedAt[t] !== null),
    paused,
    remaining: paused ? { firstResponse: slaRemaining(s, 'firstResponse'), resolution: slaRemaining(s, 'resolution') } : null,
  };
}

export function messageView(m: DeskMessageRow): MessageView {
  return {
    id: Number(m.id),
    direction: m.direction,
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    from: m.from,
    to: m.recipients.to,
    cc: m.recipients.cc,
    subject: m.subject,
    text: m.text,
    html: m.html,
    author: m.author,
    authorActor: m.author === null ? null : describeActor(m.author),
    machineKind: m.machineKind,
    messageIdReused: m.messageIdReused,
    queueId: m.queueId,
    createdAt: isoTime(m.createdAt),
    attachments: m.attachments.map((a) => ({ ...a, id: Number(a.id), originalFilename: a.originalFilename === a.filename ? null : a.originalFilename })),
  };
}

export function leadView(l: LeadRow, channels: readonly Pick<StoredChannel, 'id' | 'name'>[]): LeadView {
  return {
    id: Number(l.id),
    channel: channelRef(l.channelId, channels),
    name: l.name,
    email: l.email,
    company: l.company,
    companyDomain: l.companyDomain,
    subject: l.subject,
    status: l.status,
    contactId: l.contactId,
    accountId: l.accountId,
    opportunityId: l.opportunityId,
    createdAt: isoTime(l.createdAt),
    updatedAt: isoTime(l.updatedAt),
  };
}

export interface ConversionView {
  readonly contact: { id: number; name: string; email: string; accountId: number | null };
  readonly account: { id: number; name: string; domain: string | null };
  readonly opportunity: { id: number; name: string; amount: number | null; stage: string; createdAt: string };
}

type Row = Record<string, unknown> | undefined;
const num = (v: unknown): number => Number(v);
const str = (v: unknown): string => String(v ?? '');
const orNull = <T>(v: unknown, f: (x: unknown) => T): T | null => (v === null || v === undefined ? null : f(v));

/** The contact, account and opportunity a converted lead became (store rows as they are kept). */
export function conversionView(c: { contact: unknown; account: unknown; opportunity: unknown } | null): ConversionView | null {
  if (!c) return null;
  const contact = c.contact as Row;
  const account = c.account as Row;
  const opportunity = c.opportunity as Row;
  if (!contact || !account || !opportunity) return null;
  return {
    contact: { id: num(contact.id), name: str(contact.name), email: str(contact.email), accountId: orNull(contact.account_id, num) },
    account: { id: num(account.id), name: str(account.name), domain: orNull(account.domain, str) },
    opportunity: {
      id: num(opportunity.id),
      name: str(opportunity.name),
      amount: orNull(opportunity.amount, num),
      stage: str(opportunity.stage),
      createdAt: isoTime(num(opportunity.created_at)),
    },
  };
}
