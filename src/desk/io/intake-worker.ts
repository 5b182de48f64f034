import type { LiveState } from '../../config/index.js';
import { Slots } from '../../base/slots.js';
import type { AttemptOutcome, Transport } from '../../queue/light.js';
import {
  BlobWriter,
  deleteSpooledBlobs,
  isTransientStoreError,
  newAttachmentBlobId,
  countRecentOpenedBy,
  findCaseByMessageIds,
  findEarlierIntakes,
  findLeadByMessageIds,
  findOpenLeadByEmail,
  insertFailed,
  insertSuspended,
  listDeskChannels,
  loadCaseByNumber,
  type CaseRow,
} from '../../store/index.js';
import { findCaseToken } from '../ack-template.js';
import { matchChannel, parseCaseReplyAddress } from '../channel-address.js';
import { classifyMachineMail, requesterOf } from '../classify-machine-mail.js';
import { decideDedupe } from '../decide-dedupe.js';
import { decideIntake, DEFAULT_INTAKE_LIMITS } from '../decide-intake.js';
import { isRouteTestMark } from '../route-test-mark.js';
import { fingerprintMessage } from '../message-fingerprint.js';
import type { CaseRef, Channel, IntakeDecision, IntakeMessage } from '../model.js';
import { parseInboundMessage } from '../parse-message.js';
import { DEFAULT_PART_BUDGET } from '../stored-parts.js';
import { applyIntakeDecision, type IntakeResult } from './apply-intake.js';
import { replyText, suspendText } from '../../base/trace-texts.js';
import { readInbound } from './read-inbound.js';
import type { DeskDeps, IntakeRequest } from './intake-deps.js';
import { EVENTS } from '../../base/events.js';

export type { DeskDeps, IntakeRequest } from './intake-deps.js';

/**
 * Messages parsed at once. Parsing is CPU work with up to a budget of memory each
 * (DEFAULT_PART_BUDGET): more at a time would only queue on two cores and add memory.
 */
const PARALLEL_INTAKES = 2;

const HOUR_MS = 3_600_000;

/**
 * The desk as the queue's `desk` transport: each delivery to a channel address runs the
 * intake once. A message that cannot be processed goes to the dead-letter list
 * (`relaydesk desk failed`) and counts as delivered, so it never blocks the queue;
 * a store that is down is a temporary failure and the queue retries.
 */
export function deskTransport(deps: DeskDeps): Transport {
  const slots = new Slots(PARALLEL_INTAKES);
  return {
    key: 'desk',
    async deliver({ message, source, deliveries, config }) {
      const out = new Map<number, AttemptOutcome>();
      for (const d of deliveries) {
        try {
          const r = await slots.run(() =>
            runIntake({ ...deps, state: config }, { queueId: message.queueId, recipient: d.recipient, mailFrom: message.mailFrom, source, spam: d.spamFlag }),
          );
          out.set(d.id, { kind: 'delivered', reply: r.line, replyText: r.text, ...(r.note ? { note: r.note } : {}) });
        } catch (e) {
          const error = (e as Error).message;
          if (isTransientStoreError(e)) {
            out.set(d.id, { kind: 'deferred', reply: `desk store unavailable: ${error}`, replyText: replyText('reply.desk-store-unavailable', { error }) });
            continue;
          }
          deps.logger.error(
            { event: EVENTS.deskFailed, qid: message.queueId, rcpt: d.recipient, err: error },
            'desk intake failed; message set aside in the failed list',
          );
          deps.metrics?.deskIntake('failed', '');
          try {
            const id = await insertFailed(deps.db, { queueId: message.queueId, recipient: d.recipient, error, now: deps.clock.now() });
            out.set(d.id, {
              kind: 'delivered',
              reply: `desk could not process it: ${error}; kept as failed #${id} (relaydesk desk failed)`,
              replyText: replyText('reply.desk-failed', { error, id }),
            });
          } catch (e2) {
            const recordError = (e2 as Error).message;
            out.set(d.id, {
              kind: 'deferred',
              reply: `desk intake failed (${error}) and could not be recorded (${recordError})`,
              replyText: replyText('reply.desk-failed-unrecorded', { error, recordError }),
            });
          }
        }
      }
      return out;
    },
  };
}

/** One message in, exactly one effect; returns a line for the trace. */
export async function runIntake(deps: DeskDeps & { state?: LiveState }, req: IntakeRequest): Promise<IntakeResult> {
  const now = deps.clock.now();
  const lazy = deps.lazyTransaction ?? ((fn) => deps.db.transaction().execute(fn));
  const read = await readInbound(
    req.source,
    () => new BlobWriter({ lazyTransaction: lazy }, newAttachmentBlobId(), { owner: `desk/${process.pid}`, now: () => deps.clock.now() }),
    DEFAULT_PART_BUDGET,
  );
  try {
    return await intakeOf(deps, req, read, now);
  } finally {
    // Stored parts that no message kept (a duplicate, mail set aside, a failure) go now.
    if (read.stored.size > 0) await deleteSpooledBlobs(deps.db, [...read.stored.keys()]).catch(() => undefined);
  }
}

async function intakeOf(
  deps: DeskDeps & { state?: LiveState },
  req: IntakeRequest,
  read: Awaited<ReturnType<typeof readInbound>>,
  now: number,
): Promise<IntakeResult> {
  if (read.refused) {
    const head = await parseInboundMessage(read.message.subarray(0, Math.min(read.message.length, 64 * 1024)));
    await insertSuspended(deps.db, {
      channelId: null,
      queueId: req.queueId,
      recipient: req.recipient,
      reason: 'mime-limits',
      detail: `the message has ${read.refused}; the desk reads no further (the whole message is in the gateway's store as ${req.queueId})`,
      from: head.from?.address ?? null,
      subject: head.subject,
      createdAt: now,
    });
    deps.metrics?.deskIntake('set_aside', 'mime_limits');
    return { line: `suspended: mime-limits (${read.refused})`, text: suspendText('mime-limits'), note: null };
  }
  const parsed = await parseInboundMessage(read.message, {}, read.stored);
  parsed.problems.push(...read.problems);
  const stored = await listDeskChannels(deps.db);
  const channels: Channel[] = stored.map((c) => ({
    id: c.id,
    name: c.name,
    kind: c.kind,
    publicAddress: c.publicAddress,
    inboundAddresses: c.inboundAddresses,
  }));
  const match = matchChannel(req.recipient, { xOriginalTo: parsed.xOriginalTo, deliveredTo: parsed.deliveredTo, to: parsed.to }, channels);
  if (match.kind !== 'channel') {
    const reason = match.kind === 'retired' ? 'retired-address' : 'unknown-address';
    const detail = `no current channel has the address <${req.recipient}>`;
    await insertSuspended(deps.db, {
      channelId: match.kind === 'retired' ? match.channelId : null,
      queueId: req.queueId,
      recipient: req.recipient,
      reason,
      detail,
      from: parsed.from?.address ?? null,
      subject: parsed.subject,
      createdAt: now,
    });
    deps.metrics?.deskIntake('set_aside', labelOf(reason));
    return { line: `suspended (${reason}): ${detail}; kept in the suspended list (relaydesk desk suspended)`, text: suspendText(reason), note: null };
  }
  const channel = stored.find((c) => c.id === match.channelId)!;
  const message: IntakeMessage = { ...parsed, envelope: { mailFrom: req.mailFrom, recipient: req.recipient } };
  const fingerprint = fingerprintMessage(parsed);
  const dedupeKey = parsed.messageId === null ? fingerprint : `${parsed.messageId} ${fingerprint}`;
  const earlier = await findEarlierIntakes(deps.db, channel.id, { messageId: parsed.messageId, dedupeKey, queueId: req.queueId });
  const dedupe = decideDedupe({
    messageId: parsed.messageId,
    fingerprint,
    queueId: req.queueId,
    earlier: earlier.map((e) => ({ intakeId: String(e.id), queueId: e.queueId, fingerprint: e.fingerprint })),
    redo: req.redo === true,
  });
  const ids = [...(parsed.inReplyTo ? [parsed.inReplyTo] : []), ...parsed.references];
  const token = findCaseToken(parsed.subject);
  const tokenCase = token === null ? null : await loadCaseByNumber(deps.db, token);
  const reply = match.via === 'reply-address' ? parseCaseReplyAddress(req.recipient, channel.id, deps.keys.sign) : null;
  const replyCase = reply?.kind === 'case-reply' ? await loadCaseByNumber(deps.db, reply.caseNumber) : null;
  const requester = requesterOf(message, channel.publicAddress);
  const inChannel = (c: CaseRow | null) => (c && c.channelId === channel.id ? c : null);
  const decision = decideIntake({
    message,
    channel: { id: channel.id, kind: channel.kind, publicAddress: channel.publicAddress, autoAcknowledge: channel.autoAcknowledge },
    now: new Date(now),
    verdict: classifyMachineMail(message, { ourLoopId: deps.keys.loopId }),
    duplicateOf: dedupe.kind === 'duplicate' ? { intakeId: dedupe.of } : null,
    pendingVerificationNonces: channel.verification.state === 'pending' && channel.verification.nonce ? [channel.verification.nonce] : [],
    subjectToken: token === null ? null : { caseNumber: token, case: caseRef(inChannel(tokenCase)) },
    replyAddressCase: caseRef(inChannel(replyCase)),
    referencedCase: caseRef(await findCaseByMessageIds(deps.db, channel.id, ids)),
    referencedLead: await findLeadByMessageIds(deps.db, channel.id, ids).then((l) => (l ? { id: String(l.id), status: l.status as never } : null)),
    openLeadForSender:
      requester && channel.kind === 'sales'
        ? await findOpenLeadByEmail(deps.db, channel.id, requester.address).then((l) => (l ? { id: String(l.id), status: l.status as never } : null))
        : null,
    recentCasesFromSender: requester ? await countRecentOpenedBy(deps.db, requester.address, now - HOUR_MS) : 0,
    limits: req.redo ? { ...DEFAULT_INTAKE_LIMITS, maxNewCasesPerSenderPerHour: Number.MAX_SAFE_INTEGER } : DEFAULT_INTAKE_LIMITS,
    routeTest: isRouteTestMark(deps.keys.signRouteTest, parsed.xRouteTest, parsed.messageId, now),
  });
  const summary = await applyIntakeDecision(deps, { decision, dedupe, dedupeKey, fingerprint, channel, parsed, req, now });
  const reused = dedupe.kind === 'new' && dedupe.reused !== null;
  deps.logger.info(
    { event: EVENTS.deskIntake, qid: req.queueId, channel: channel.name, effect: decision.kind, ...(reused ? { messageIdReused: parsed.messageId } : {}) },
    summary.line,
  );
  const outcome = intakeOutcomeOf(decision, req.spam);
  deps.metrics?.deskIntake(outcome.outcome, outcome.reason);
  return summary;
}

/** The metric's outcome and reason for a decision carried out (spam never opens a case or lead: see applyIntakeDecision). */
function intakeOutcomeOf(d: IntakeDecision, spam: boolean): { outcome: string; reason: string } {
  switch (d.kind) {
    case 'new-case':
    case 'new-lead':
      return spam ? { outcome: 'set_aside', reason: 'spam' } : { outcome: labelOf(d.kind), reason: '' };
    case 'append':
      return { outcome: 'threaded', reason: '' };
    case 'append-lead':
      return { outcome: 'lead_threaded', reason: '' };
    case 'attach-machine-mail':
      return { outcome: 'machine_mail_attached', reason: '' };
    case 'suspend':
      return { outcome: 'set_aside', reason: labelOf(d.reason) };
    case 'duplicate':
    case 'verification':
    case 'forwarding-confirmation':
      return { outcome: labelOf(d.kind), reason: '' };
  }
}

/** Prometheus label values in the families' own spelling (snake_case). */
function labelOf(word: string): string {
  return word.replace(/-/g, '_');
}

function caseRef(c: CaseRow | null): CaseRef | null {
  if (!c) return null;
  return {
    id: String(c.id),
    number: c.number,
    status: c.status as CaseRef['status'],
    requester: c.requester.address,
    participants: c.participants.map((p) => p.address),
  };
}
