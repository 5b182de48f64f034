/**
 * THE intake decision: one message in, exactly one effect. The caller has matched the channel,
 * classified the message and looked everything up in the store; this decides, and the io layer
 * carries the decision out in one transaction.
 *
 * Order: duplicate (see decideDedupe) → forwarding verification → Gmail confirmation → our own
 * loop → threading.
 * Threading, strongest evidence first: (1) a signed per-case reply address, then our `[#N]`
 * subject token; (2) In-Reply-To/References naming a message of one of this channel's cases;
 * (3) never the subject alone — two customers can write "Invoice" the same day.
 */
import { stripReplyPrefixes } from './ack-template.js';
import { applyStatusEvent } from './case-status.js';
import { domainOf, normalizeAddress } from './channel-address.js';
import { isGmailForwardingConfirmation, mayAutoAnswer, requesterOf } from './classify-machine-mail.js';
import { leadFromMessage } from './lead.js';
import type {
  Address,
  CaseRef,
  IntakeChannel,
  IntakeDecision,
  IntakeMessage,
  IntakeTarget,
  LeadRef,
  MachineMailVerdict,
  Mailbox,
  MailboxLike,
  ThreadVia,
} from './model.js';

export interface IntakeLimits {
  /** New cases (or leads) from one sender in the last hour beyond which the rest are suspended. */
  readonly maxNewCasesPerSenderPerHour: number;
  /** To/Cc addresses kept as participants: a message to 10,000 people must not mail them all. */
  readonly maxParticipants: number;
}

export const DEFAULT_INTAKE_LIMITS: IntakeLimits = { maxNewCasesPerSenderPerHour: 20, maxParticipants: 50 };

// A nonce shorter than this could occur in ordinary text by chance.
const MIN_NONCE_LENGTH = 16;

export interface IntakeInput {
  readonly message: IntakeMessage;
  readonly channel: IntakeChannel;
  readonly now: Date;
  readonly verdict: MachineMailVerdict;
  /** An earlier intake of this same message on this channel (decideDedupe's duplicate). */
  readonly duplicateOf: { readonly intakeId: string } | null;
  /** Nonces of this channel's verification mails still awaited (sent by `desk verify`). */
  readonly pendingVerificationNonces: readonly string[];
  /** Our `[#N]` token in the subject, and the case it names when that case is on this channel. */
  readonly subjectToken: { readonly caseNumber: number; readonly case: CaseRef | null } | null;
  /** The case a validly signed per-case reply address names (see parseCaseReplyAddress). */
  readonly replyAddressCase: CaseRef | null;
  /** A case of this channel owning a Message-ID in In-Reply-To/References. */
  readonly referencedCase: CaseRef | null;
  /** A lead of this channel owning a Message-ID in In-Reply-To/References. */
  readonly referencedLead: LeadRef | null;
  /** Sales: an open (not converted, not disqualified) lead with the requester's address. */
  readonly openLeadForSender: LeadRef | null;
  /** New cases (support) or leads (sales) opened for this requester in the last hour. */
  readonly recentCasesFromSender: number;
  readonly limits: IntakeLimits;
  /** Carries the route test's valid mark (see route-test-mark.ts). */
  readonly routeTest?: boolean;
}

export function decideIntake(input: IntakeInput): IntakeDecision {
  const { message: msg, channel, verdict } = input;
  if (input.duplicateOf !== null) return { kind: 'duplicate', of: input.duplicateOf.intakeId };

  // Our verification mail carries our loop header, so it must be recognised before the loop check.
  const haystack = `${msg.subject ?? ''}\n${msg.text ?? ''}`;
  const nonce = input.pendingVerificationNonces.find((n) => n.length >= MIN_NONCE_LENGTH && haystack.includes(n));
  if (nonce !== undefined) return { kind: 'verification', nonce };

  const confirmation = isGmailForwardingConfirmation(msg);
  if (confirmation !== null) {
    return { kind: 'forwarding-confirmation', code: confirmation.code, url: confirmation.confirmUrl, forwardFrom: confirmation.forwardFrom };
  }
  if (verdict.kind === 'loop') return { kind: 'suspend', reason: 'loop', detail: verdict.reason };

  switch (channel.kind) {
    case 'support':
      return decideSupport(input, verdict);
    case 'sales':
      return decideSales(input, verdict);
    default:
      return assertNever(channel.kind);
  }
}

type NonLoopVerdict = Exclude<MachineMailVerdict, { kind: 'loop' }>;

function threadTarget(input: IntakeInput): { case: CaseRef; via: ThreadVia } | null {
  if (input.replyAddressCase) return { case: input.replyAddressCase, via: 'reply-address' };
  if (input.subjectToken?.case) return { case: input.subjectToken.case, via: 'subject-token' };
  if (input.referencedCase) return { case: input.referencedCase, via: 'references' };
  return null;
}

/** Machine mail joins the thread it refers to, never waking it; with no thread it waits for a person. */
function decideMachineMail(verdict: Exclude<NonLoopVerdict, { kind: 'human' }>, target: IntakeTarget | null): IntakeDecision {
  if (target === null) return { kind: 'suspend', reason: verdict.kind, detail: verdict.reason };
  return {
    kind: 'attach-machine-mail',
    target,
    machine: verdict.kind,
    flagAddresses: verdict.kind === 'bounce' ? verdict.reportedRecipients : [],
  };
}

function floodCheck(input: IntakeInput, requester: Mailbox): IntakeDecision | null {
  const limit = input.limits.maxNewCasesPerSenderPerHour;
  if (input.recentCasesFromSender < limit) return null;
  return {
    kind: 'suspend',
    reason: 'flood',
    detail: `${requester.address} already opened ${input.recentCasesFromSender} in the last hour (limit ${limit})`,
  };
}

function noRequester(): IntakeDecision {
  return { kind: 'suspend', reason: 'no-requester', detail: 'no usable From, Reply-To or envelope sender to answer' };
}

function decideSupport(input: IntakeInput, verdict: NonLoopVerdict): IntakeDecision {
  const msg = input.message;
  if (input.routeTest) {
    // Its sender is this node, which takes no acknowledgement; any number of tests is no flood.
    const requester = requesterOf(msg, input.channel.publicAddress);
    if (requester === null) return noRequester();
    return {
      kind: 'new-case',
      linkedTo: null,
      subject: caseSubject(msg.subject),
      requester,
      participants: [],
      acknowledge: false,
      receivedAt: input.now,
      routeTest: true,
    };
  }
  const target = threadTarget(input);
  if (verdict.kind !== 'human') {
    return decideMachineMail(verdict, target === null ? null : { kind: 'case', caseId: target.case.id });
  }
  const requester = requesterOf(msg, input.channel.publicAddress);
  if (requester === null) return noRequester();

  let linkedTo: string | null = null;
  if (target !== null) {
    const sender = senderRole(target.case, requester.address, msg.from);
    const change = applyStatusEvent(target.case.status, { kind: 'inbound-reply', from: sender });
    switch (change.kind) {
      case 'changed':
      case 'unchanged':
      case 'rejected':
        return { kind: 'append', caseId: target.case.id, via: target.via, reopen: change.kind === 'changed', sender };
      case 'new-linked-case':
        linkedTo = target.case.id;
        break;
      default:
        return assertNever(change);
    }
  }
  const flood = floodCheck(input, requester);
  if (flood !== null) return flood;
  const ours = input.channel.publicAddress === null ? '' : normalizeAddress(input.channel.publicAddress);
  return {
    kind: 'new-case',
    linkedTo,
    subject: caseSubject(msg.subject),
    requester,
    participants: participantsOf(msg, requester, input),
    // Only people get acknowledgements, and never our own address (that would mail ourselves).
    acknowledge: input.channel.autoAcknowledge && mayAutoAnswer(requester.address) && requester.address !== ours,
    receivedAt: input.now,
  };
}

function decideSales(input: IntakeInput, verdict: NonLoopVerdict): IntakeDecision {
  const msg = input.message;
  if (verdict.kind !== 'human') {
    const lead = input.referencedLead ?? input.openLeadForSender;
    return decideMachineMail(verdict, lead === null ? null : { kind: 'lead', leadId: lead.id });
  }
  if (input.referencedLead) return { kind: 'append-lead', leadId: input.referencedLead.id, via: 'references' };
  if (input.openLeadForSender) return { kind: 'append-lead', leadId: input.openLeadForSender.id, via: 'sender' };
  const lead = leadFromMessage(msg, input.channel.publicAddress);
  if (lead === null) return noRequester();
  const flood = floodCheck(input, { name: lead.name, address: lead.email });
  if (flood !== null) return flood;
  return { kind: 'new-lead', lead, receivedAt: input.now };
}

/** Requester and participants may wake a case; the From of a form relay counts as the requester's. */
function senderRole(c: CaseRef, requester: Address, from: MailboxLike | null | undefined): 'requester' | 'participant' | 'other' {
  const candidates = [requester, normalizeAddress(from?.address ?? '')];
  if (candidates.includes(normalizeAddress(c.requester))) return 'requester';
  const participants = new Set(c.participants.map(normalizeAddress));
  return candidates.some((a) => participants.has(a)) ? 'participant' : 'other';
}

// Old tokens are dropped so a case split from a closed one is not named by the old number.
function caseSubject(subject: string | null | undefined): string {
  return stripReplyPrefixes((subject ?? '').replace(/\s*\[#[0-9]{1,15}\]\s*/g, ' '));
}

/** To and Cc minus the requester, our own addresses and machines; deduplicated; capped. */
export function participantsOf(msg: IntakeMessage, requester: Mailbox, input: Pick<IntakeInput, 'channel' | 'limits'>): Mailbox[] {
  const exclude = new Set([requester.address, normalizeAddress(msg.envelope.recipient)]);
  if (input.channel.publicAddress) exclude.add(normalizeAddress(input.channel.publicAddress));
  const inboundHost = domainOf(normalizeAddress(msg.envelope.recipient));
  const out: Mailbox[] = [];
  for (const m of [...(msg.to ?? []), ...(msg.cc ?? [])]) {
    if (out.length >= input.limits.maxParticipants) break;
    const address = normalizeAddress(m.address ?? '');
    if (address === '' || exclude.has(address) || domainOf(address) === inboundHost || !mayAutoAnswer(address)) continue;
    exclude.add(address);
    out.push({ name: (m.name ?? '').replace(/[\r\n]+/g, ' ').trim(), address });
  }
  return out;
}

function assertNever(x: never): never {
  throw new Error(`unhandled intake case ${JSON.stringify(x)}`);
}
