import { refusalText } from '../../base/refusal-texts.js';
import { randomToken } from '../../base/ids.js';
import { RelaydeskError } from '../../base/errors.js';
import { enqueue } from '../../queue/light.js';
import {
  applyConfigText,
  loadConfigInForce,
  pointRulesAt,
  renderConfigYaml,
  rulesPointingAt,
  type DeskChannel,
  type RulePointing,
} from '../../config/index.js';
import type { RoutingSnapshot } from '../../routing/index.js';
import {
  createAccount,
  createContact,
  createOpportunity,
  findAccountByName,
  findContactByEmail,
  insertCaseEvent,
  insertDeskMessage,
  listDeskChannels,
  loadCaseByNumber,
  loadDeskMessages,
  loadLead,
  rotateInboundAddress,
  saveVerification,
  setCaseStatus,
  setLeadStatus,
  type Db,
  type StoredChannel,
} from '../../store/index.js';
import { replySubject } from '../ack-template.js';
import { FORWARDING_CHECK_SENDER, renderAutoMail } from '../auto-mail.js';
import { handAssignmentEvent } from '../assign.js';
import { applyStatusEvent } from '../case-status.js';
import { newInboundAddress } from '../channel-address.js';
import { applyLeadEvent, planConversion } from '../lead.js';
import type { CaseStatus, LeadStatus } from '../model.js';
import { replyHeaders } from '../reply-headers.js';
import type { SlaSettings } from '../sla.js';
import { composeMail, newMessageId, outgoingRecord, type DeskKeys } from './outgoing.js';
import { advanceCaseSla } from './case-sla.js';
import { emitDeskEvent } from './webhooks.js';

/** What an agent's action needs: the store, the routing in force, our names and keys. */
export interface DeskContext {
  readonly db: Db;
  readonly snapshot: RoutingSnapshot;
  readonly deskDomain: string | null;
  /** The channels as configured: their language and templates are in the configuration only. */
  readonly channels: readonly DeskChannel[];
  readonly hostname: string;
  readonly keys: DeskKeys;
  readonly now: number;
  /** Business hours and each channel's service targets, from the configuration in force. */
  readonly sla: SlaSettings;
}

async function channelOf(db: Db, id: string): Promise<StoredChannel> {
  const ch = (await listDeskChannels(db)).find((c) => c.id === id);
  if (!ch) throw new RelaydeskError('NOT_FOUND', `the case's channel ${id} no longer exists`);
  return ch;
}

async function caseOrFail(db: Db, number: number) {
  const c = await loadCaseByNumber(db, number);
  if (!c) throw new RelaydeskError('NOT_FOUND', `no case #${number}; see \`relaydesk desk cases\``, [], { text: refusalText('case-not-found', { number }) });
  return c;
}

/**
 * An agent's answer: an email from the channel's public address to the requester (and
 * the participants), threaded with In-Reply-To/References and our `[#N]` token, queued
 * durably with the case's record of it. With `note`, an internal note that is never mailed.
 */
export async function answerCase(
  ctx: DeskContext,
  input: { caseNumber: number; body: string; author: string; status?: 'pending' | 'solved'; note?: boolean },
): Promise<{ queueId: string | null; status: string; messageId: string | null }> {
  if (input.body.trim() === '')
    throw new RelaydeskError('BAD_INPUT', 'the answer is empty; write something with --body', [], { text: refusalText('answer-empty', {}) });
  const c = await caseOrFail(ctx.db, input.caseNumber);
  if (input.note) {
    await ctx.db.transaction().execute(async (trx) => {
      await insertDeskMessage(trx, {
        caseId: c.id,
        leadId: null,
        direction: 'note',
        messageId: null,
        inReplyTo: null,
        from: null,
        recipients: { to: [], cc: [] },
        subject: 'Internal note',
        text: input.body,
        html: null,
        queueId: null,
        author: input.author,
        machineKind: null,
        now: ctx.now,
        attachments: [],
      });
      await emitDeskEvent(trx, { type: 'case.updated', caseId: c.id, at: ctx.now, change: 'note' });
    });
    return { queueId: null, status: c.status, messageId: null };
  }
  const channel = await channelOf(ctx.db, c.channelId);
  if (!channel.publicAddress)
    throw new RelaydeskError('BAD_INPUT', `channel ${channel.name} has no publicAddress to answer from; set it in the configuration`, [], {
      text: refusalText('answer-no-public-address', { channel: channel.name }),
    });
  const change = applyStatusEvent(c.status as CaseStatus, { kind: 'agent-reply', ...(input.status ? { status: input.status } : {}) });
  if (change.kind === 'rejected')
    throw new RelaydeskError('CONFLICT', `case #${c.number}: ${change.reason}`, [], {
      text:
        c.status === 'closed'
          ? refusalText('case-closed', { number: c.number })
          : refusalText('case-status-not-allowed', { number: c.number, from: c.status, to: input.status ?? c.status }),
    });
  const history = await loadDeskMessages(ctx.db, { caseId: c.id });
  const ids = history.map((m) => m.messageId).filter((m): m is string => Boolean(m));
  const lastIn = [...history].reverse().find((m) => m.direction === 'in' && m.messageId)?.messageId ?? '';
  const messageId = newMessageId(ctx.deskDomain ?? ctx.hostname);
  const headers = replyHeaders({ caseMessageIds: ids, inReplyTo: lastIn, ourMessageId: messageId, loopId: ctx.keys.loopId, kind: 'reply' }).filter(
    ([k]) => k.toLowerCase() !== 'message-id',
  );
  const to = [c.requester];
  const cc = c.participants.filter((p) => p.address !== c.requester.address && p.address !== channel.publicAddress);
  const mail = {
    from: { name: channel.name, address: channel.publicAddress },
    to,
    cc,
    subject: replySubject(c.subject, c.number, ctx.channels.find((x) => x.name === channel.name)?.language),
    text: input.body,
    messageId,
    headers,
    date: new Date(ctx.now),
  };
  const raw = await composeMail(mail);
  const out = outgoingRecord({
    raw,
    mail,
    snapshot: ctx.snapshot,
    now: ctx.now,
    hostname: ctx.hostname,
    origin: { summary: `answer to case #${c.number} by ${input.author}`, code: 'inbound.envelope/answer', params: { number: c.number, author: input.author } },
  });
  if (out.record.deliveries.length === 0)
    throw new RelaydeskError('BAD_INPUT', `no recipient of the answer can be reached (${out.undeliverable.join(', ')})`, [], {
      text: refusalText('answer-unreachable', { addresses: out.undeliverable.join(', ') }),
    });
  const status = change.kind === 'changed' ? change.to : c.status;
  await ctx.db.transaction().execute(async (trx) => {
    await enqueue(trx, out.record);
    await insertDeskMessage(trx, {
      caseId: c.id,
      leadId: null,
      direction: 'out',
      messageId,
      inReplyTo: lastIn || null,
      from: mail.from,
      recipients: { to: to.map((t) => t.address), cc: cc.map((t) => t.address) },
      subject: mail.subject,
      text: input.body,
      html: null,
      queueId: out.queueId,
      author: input.author,
      machineKind: null,
      now: ctx.now,
      attachments: [],
    });
    await setCaseStatus(trx, { caseId: c.id, status, now: ctx.now });
    await advanceCaseSla(trx, c, ctx.sla.hours, [
      { kind: 'first-response', at: ctx.now },
      { kind: 'status', at: ctx.now, status: status as CaseStatus },
    ]);
    await emitDeskEvent(trx, { type: 'case.updated', caseId: c.id, at: ctx.now, change: 'reply' });
  });
  return { queueId: out.queueId, status, messageId };
}

export async function changeCase(
  ctx: DeskContext,
  input: { caseNumber: number; status?: CaseStatus; assignee?: string | null; by: string },
): Promise<{ status: string; assignee: string | null }> {
  const c = await caseOrFail(ctx.db, input.caseNumber);
  let status = c.status;
  if (input.status) {
    const change = applyStatusEvent(c.status as CaseStatus, { kind: 'agent-set', to: input.status });
    if (change.kind === 'rejected')
      throw new RelaydeskError('CONFLICT', `case #${c.number}: ${change.reason}`, [], {
        text: refusalText('case-status-not-allowed', { number: c.number, from: c.status, to: input.status ?? c.status }),
      });
    if (change.kind === 'changed') status = change.to;
  }
  await ctx.db.transaction().execute(async (trx) => {
    await setCaseStatus(trx, { caseId: c.id, status, now: ctx.now, ...(input.assignee !== undefined ? { assignee: input.assignee } : {}) });
    if (status !== c.status) await advanceCaseSla(trx, c, ctx.sla.hours, [{ kind: 'status', at: ctx.now, status: status as CaseStatus }]);
    const assigned = input.assignee === undefined ? null : handAssignmentEvent(c.assignee, input.assignee, input.by);
    if (assigned) await insertCaseEvent(trx, { caseId: c.id, at: ctx.now, ...assigned, actor: input.by });
    await emitDeskEvent(trx, { type: 'case.updated', caseId: c.id, at: ctx.now, change: input.status ? 'status' : 'assignee' });
  });
  return { status, assignee: input.assignee !== undefined ? input.assignee : c.assignee };
}

export type LeadAction = 'work' | 'qualify' | 'disqualify' | 'convert';

export async function actOnLead(
  ctx: DeskContext,
  input: { leadId: number; action: LeadAction; amount?: number; stage?: string },
): Promise<{ status: string; contactId?: number; accountId?: number; opportunityId?: number }> {
  const lead = await loadLead(ctx.db, input.leadId);
  if (!lead)
    throw new RelaydeskError('NOT_FOUND', `no lead ${input.leadId}; see \`relaydesk desk leads\``, [], {
      text: refusalText('lead-not-found', { id: input.leadId }),
    });
  if (input.action !== 'convert') {
    const event = input.action === 'work' ? 'start-working' : input.action;
    const change = applyLeadEvent(lead.status as LeadStatus, { kind: event });
    if (change.kind === 'rejected') throw new RelaydeskError('CONFLICT', `lead ${lead.id}: ${change.reason}`);
    const status = change.kind === 'changed' ? change.to : lead.status;
    await setLeadStatus(ctx.db, { leadId: lead.id, status, now: ctx.now });
    return { status };
  }
  const existingAccount = lead.company ? await findAccountByName(ctx.db, lead.company) : null;
  const existingContact = await findContactByEmail(ctx.db, lead.email);
  const plan = planConversion(
    { ...lead, id: String(lead.id), status: lead.status as LeadStatus, source: 'email', createdAt: new Date(lead.createdAt) },
    {
      ...(input.amount !== undefined ? { amount: input.amount } : {}),
      ...(input.stage !== undefined ? { stage: input.stage as never } : {}),
      existingAccountByCompany: existingAccount ? { id: String(existingAccount.id) } : null,
      existingContactByEmail: existingContact ? { id: String(existingContact.id) } : null,
    },
  );
  if (plan.kind === 'rejected') throw new RelaydeskError('CONFLICT', `lead ${lead.id} cannot be converted: ${plan.reason}`);
  return ctx.db.transaction().execute(async (trx) => {
    const accountId =
      plan.account.kind === 'reuse'
        ? Number(plan.account.accountId)
        : await createAccount(trx, { name: plan.account.name, domain: plan.account.domain, now: ctx.now });
    const contactId =
      plan.contact.kind === 'reuse'
        ? Number(plan.contact.contactId)
        : await createContact(trx, { name: plan.contact.name, email: plan.contact.email, accountId, now: ctx.now });
    const opportunityId = await createOpportunity(trx, {
      name: plan.opportunity.name,
      accountId,
      contactId,
      leadId: lead.id,
      amount: plan.opportunity.amount,
      stage: plan.opportunity.stage,
      now: ctx.now,
    });
    await setLeadStatus(trx, { leadId: lead.id, status: plan.leadStatus, now: ctx.now, contactId, accountId, opportunityId });
    await emitDeskEvent(trx, { type: 'lead.converted', leadId: lead.id, at: ctx.now });
    return { status: plan.leadStatus, contactId, accountId, opportunityId };
  });
}

async function channelByName(db: Db, name: string): Promise<StoredChannel> {
  const chs = await listDeskChannels(db);
  const ch = chs.find((c) => c.name.toLowerCase() === name.toLowerCase() || c.id === name);
  if (!ch)
    throw new RelaydeskError(
      'NOT_FOUND',
      `no desk channel "${name}"; channels: ${chs.map((c) => c.name).join(', ') || 'none (add desk.channels to the configuration)'}`,
    );
  return ch;
}

export interface RotateResult {
  readonly channel: string;
  readonly address: string;
  readonly retired: string[];
  /** Default routing rules that named an address of the channel before the rotation (all retired now). */
  readonly rules: RulePointing[];
  /** The configuration version that points them at the new address; null when they were left alone. */
  readonly version: number | null;
}

/**
 * A new inbound address for the channel. With `updateRules`, the rules that pointed at the old
 * address point at the new one in a new configuration version, saved in the same transaction
 * as the rotation: when the version cannot be saved (another change came first), the channel
 * keeps its address and nothing changed.
 */
export async function rotateChannel(ctx: DeskContext, name: string, opts: { updateRules?: boolean; appliedBy?: string } = {}): Promise<RotateResult> {
  if (!ctx.deskDomain) throw new RelaydeskError('BAD_INPUT', 'the configuration has no desk.domain');
  const ch = await channelByName(ctx.db, name);
  const address = newInboundAddress(ch.kind, ctx.deskDomain, randomToken(16));
  const retired = ch.inboundAddresses.filter((a) => !a.retired).map((a) => a.address);
  const { version, config } = await loadConfigInForce(ctx.db);
  // Every address the channel ever had: rules left behind by an earlier rotation come along too.
  const old = ch.inboundAddresses.map((a) => a.address);
  const rules = rulesPointingAt(config, old);
  if (!opts.updateRules || rules.length === 0) {
    await rotateInboundAddress(ctx.db, { channelId: ch.id, address, now: ctx.now });
    return { channel: ch.name, address, retired, rules, version: null };
  }
  const applied = await applyConfigText(ctx.db, renderConfigYaml(pointRulesAt(config, old, address)), {
    appliedBy: opts.appliedBy ?? 'desk rotate',
    now: ctx.now,
    basedOn: version,
    rotation: { channelId: ch.id, address },
  });
  return { channel: ch.name, address, retired, rules, version: applied.version };
}

/** The rules a rotation of the channel would update (for the console's dialog, before it asks). */
export async function rotationRules(db: Db, name: string): Promise<{ channel: string; rules: RulePointing[] }> {
  const ch = await channelByName(db, name);
  const { config } = await loadConfigInForce(db);
  return {
    channel: ch.name,
    rules: rulesPointingAt(
      config,
      ch.inboundAddresses.map((a) => a.address),
    ),
  };
}

/** How long a verification mail may take to come back before the check counts as failed. */
export const VERIFY_TIMEOUT_MS = 10 * 60_000;

/**
 * Sends a mail with a nonce to the channel's public address through the normal path;
 * the intake marks the channel verified when it arrives at the channel. When routing
 * refuses the public address at once, the check fails with the reason.
 */
export async function verifyChannel(ctx: DeskContext, name: string): Promise<{ channel: string; state: string; queueId: string | null; detail: string }> {
  const ch = await channelByName(ctx.db, name);
  if (!ch.publicAddress) throw new RelaydeskError('BAD_INPUT', `channel ${ch.name} has no publicAddress to verify`);
  const nonce = randomToken(24);
  const from = `verify@${ctx.deskDomain ?? ctx.hostname}`;
  const configured = ctx.channels.find((x) => x.name === ch.name);
  const rendered = renderAutoMail(
    { name: ch.name, publicAddress: ch.publicAddress, language: configured?.language, templates: configured?.templates },
    { kind: 'forwardingCheck', code: nonce },
  );
  const mail = {
    from: { name: FORWARDING_CHECK_SENDER[rendered.language], address: from },
    to: [{ name: '', address: ch.publicAddress }],
    subject: rendered.subject,
    text: rendered.text,
    messageId: newMessageId(ctx.deskDomain ?? ctx.hostname),
    headers: [['X-Relaydesk-Loop', ctx.keys.loopId]] as [string, string][],
    date: new Date(ctx.now),
  };
  const raw = await composeMail(mail);
  const out = outgoingRecord({
    raw,
    mail,
    snapshot: ctx.snapshot,
    now: ctx.now,
    hostname: ctx.hostname,
    origin: { summary: `forwarding check of channel ${ch.name}`, code: 'inbound.envelope/forwarding-check', params: { channel: ch.name } },
  });
  if (out.record.deliveries.length === 0) {
    const detail = `mail to ${ch.publicAddress} has nowhere to go: no user, group or routing rule takes it (550 5.1.1); add the default routing rule to the channel's inbound address`;
    await saveVerification(ctx.db, { channelId: ch.id, state: 'failed', nonce: null, queueId: null, sentAt: ctx.now, detail, now: ctx.now });
    return { channel: ch.name, state: 'failed', queueId: null, detail };
  }
  await ctx.db.transaction().execute(async (trx) => {
    await enqueue(trx, out.record);
    await saveVerification(trx, {
      channelId: ch.id,
      state: 'pending',
      nonce,
      queueId: out.queueId,
      sentAt: ctx.now,
      verifiedAt: null,
      detail: `check sent as ${out.queueId}; waiting for it to come back`,
      now: ctx.now,
    });
  });
  return { channel: ch.name, state: 'pending', queueId: out.queueId, detail: `check sent as ${out.queueId}` };
}

/** A pending check older than the timeout has failed; the caller shows its trace. */
export function verificationState(ch: StoredChannel, now: number): StoredChannel['verification']['state'] {
  const v = ch.verification;
  if (v.state === 'pending' && v.sentAt !== null && now - v.sentAt > VERIFY_TIMEOUT_MS) return 'failed';
  return v.state;
}
