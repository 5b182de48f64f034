import { enqueue } from '../../queue/light.js';
import { isUniqueViolation } from '../../store/index.js';
import {
  createCase,
  createLead,
  insertConfirmation,
  insertDeskMessage,
  insertSuspended,
  loadCaseById,
  recordIntake,
  saveVerification,
  setCaseStatus,
  touchCase,
  type DbTransaction,
  type NewDeskMessage,
  type StoredChannel,
} from '../../store/index.js';
import { renderAcknowledgement } from '../ack-template.js';
import type { DedupeVerdict, IntakeDecision } from '../model.js';
import type { ParsedMessage } from '../parse-message.js';
import { replyHeaders } from '../reply-headers.js';
import type { LiveState } from '../../config/index.js';
import type { DeskDeps, IntakeRequest } from './intake-deps.js';
import { assignNewCase } from './assignment.js';
import { composeMail, newMessageId, outgoingRecord } from './outgoing.js';
import { emitDeskEvent } from './webhooks.js';

/**
 * Carries out one intake decision in one transaction, together with the record that
 * makes it happen only once (`desk_intake`): a redelivery finds it and does nothing.
 */
export async function applyIntakeDecision(
  deps: DeskDeps & { state?: LiveState },
  x: {
    decision: IntakeDecision;
    dedupe: DedupeVerdict;
    dedupeKey: string;
    fingerprint: string;
    channel: StoredChannel;
    parsed: ParsedMessage;
    req: IntakeRequest;
    now: number;
  },
): Promise<string> {
  const { decision: d, channel, parsed, req, now } = x;
  // Acknowledgements go out under the configuration in force now (routes, desk domain).
  const state = deps.state ?? (await deps.live.current());
  if (d.kind === 'duplicate') return `duplicate of an earlier intake (#${d.of}); nothing done`;
  const reused = x.dedupe.kind === 'new' ? x.dedupe.reused : null;
  // Said in the trace line, so the email log shows why a second message under one Message-ID was kept.
  const reusedLine =
    reused === null
      ? ''
      : `; its Message-ID ${reused.messageId} was already used by a different message (${reused.queueIds.join(', ')}), so it was not taken for a duplicate`;
  // Spam that reached the desk (a route that bypasses the filter, or mail straight to a
  // channel address) never opens anything: an agent looks at it first.
  const spamStop = req.spam && (d.kind === 'new-case' || d.kind === 'new-lead');
  const incoming = (target: { caseId: number | null; leadId: number | null }, machineKind: string | null = null): NewDeskMessage => ({
    ...target,
    direction: 'in',
    messageId: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    from: parsed.from,
    recipients: { to: parsed.to.map((t) => t.address), cc: parsed.cc.map((t) => t.address) },
    subject: parsed.subject,
    text: parsed.text,
    html: parsed.html,
    queueId: req.queueId,
    author: null,
    machineKind,
    messageIdReused: reused !== null,
    now,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename,
      originalFilename: a.originalFilename,
      contentType: a.contentType,
      size: a.size,
      contentId: a.contentId,
      inline: a.inline,
      content: a.content,
    })),
  });
  // What the parser's limits left out is said on the case, or an agent never learns it was there.
  const cut = [...parsed.omitted.map((a) => `${a.filename} (${a.size} bytes): ${a.reason}`), ...parsed.problems.filter((p) => /^text cut at /.test(p))];
  const noteLimits = async (trx: DbTransaction, target: { caseId: number | null; leadId: number | null }) => {
    if (cut.length === 0) return;
    await insertDeskMessage(trx, {
      ...target,
      direction: 'note',
      messageId: null,
      inReplyTo: null,
      from: null,
      recipients: { to: [], cc: [] },
      subject: 'Not kept from this message',
      text: `Left out by the desk's size limits:\n${cut.join('\n')}\nThe whole message is in the gateway's store as ${req.queueId}.`,
      html: null,
      queueId: req.queueId,
      author: 'system',
      machineKind: null,
      now,
      attachments: [],
    });
  };
  let acked = false;
  const summary = await retryOnNumberRace(() =>
    deps.db.transaction().execute(async (trx) => {
      const done = (effect: string, target: string | null, line: string) =>
        recordIntake(trx, {
          channelId: channel.id,
          dedupeKey: x.dedupeKey,
          messageId: parsed.messageId,
          fingerprint: x.fingerprint,
          queueId: req.queueId,
          effect,
          target,
          replaces: x.dedupe.kind === 'new' ? x.dedupe.replaces.map(Number) : [],
          now,
        }).then(() => line + reusedLine);
      if (spamStop) {
        const detail = 'classified as spam by the gateway';
        await insertSuspended(trx, {
          channelId: channel.id,
          queueId: req.queueId,
          recipient: req.recipient,
          reason: 'spam',
          detail,
          from: parsed.from?.address ?? null,
          subject: parsed.subject,
          createdAt: now,
        });
        return done('suspend', null, `suspended (spam): ${detail}; kept in the suspended list (relaydesk desk suspended)`);
      }
      switch (d.kind) {
        case 'verification':
          await saveVerification(trx, {
            channelId: channel.id,
            state: 'verified',
            verifiedAt: now,
            detail: `verification mail came back through <${req.recipient}>`,
            now,
          });
          return done('verification', null, `channel ${channel.name} verified`);
        case 'forwarding-confirmation':
          await insertConfirmation(trx, { channelId: channel.id, code: d.code, url: d.url, forwardFrom: d.forwardFrom, queueId: req.queueId, now });
          return done('forwarding-confirmation', null, `Gmail forwarding confirmation code ${d.code} kept for the admin (relaydesk desk channels)`);
        case 'append': {
          const id = Number(d.caseId);
          const messageId = await insertDeskMessage(trx, incoming({ caseId: id, leadId: null }));
          await noteLimits(trx, { caseId: id, leadId: null });
          await emitDeskEvent(trx, { type: 'message.received', caseId: id, leadId: null, deskMessageId: messageId, at: now });
          if (d.reopen) await setCaseStatus(trx, { caseId: id, status: 'open', now });
          else await touchCase(trx, id, now);
          const c = await loadCaseById(trx, id);
          return done('append', d.caseId, `appended to case #${c?.number ?? id} (${d.via})${d.reopen ? ', reopened' : ''}`);
        }
        case 'new-case': {
          const c = await createCase(trx, {
            channelId: channel.id,
            subject: d.subject,
            requester: d.requester,
            participants: d.participants,
            linkedTo: d.linkedTo === null ? null : Number(d.linkedTo),
            originalRecipient: parsed.xOriginalTo ?? req.recipient,
            now,
            test: d.routeTest === true,
          });
          await insertDeskMessage(trx, incoming({ caseId: c.id, leadId: null }));
          await noteLimits(trx, { caseId: c.id, leadId: null });
          // A route test's case is closed at once: nobody's work, and no round-robin turn.
          const assigned = d.routeTest
            ? null
            : await assignNewCase(trx, state.config.desk, {
                caseId: c.id,
                channel,
                facts: { channel: channel.name, requester: d.requester.address, subject: d.subject, body: parsed.text },
                now,
              });
          if (d.acknowledge && channel.publicAddress) {
            const ackMessageId = newMessageId(state.config.desk?.domain ?? deps.hostname);
            const rendered = renderAcknowledgement({
              caseNumber: c.number,
              subject: d.subject,
              requesterName: d.requester.name,
              channelName: channel.name,
              publicAddress: channel.publicAddress,
            });
            const headers = replyHeaders({
              caseMessageIds: parsed.messageId ? [parsed.messageId] : [],
              inReplyTo: parsed.messageId ?? '',
              ourMessageId: ackMessageId,
              loopId: deps.keys.loopId,
              kind: 'ack',
            }).filter(([k]) => k.toLowerCase() !== 'message-id');
            const mail = {
              from: { name: channel.name, address: channel.publicAddress },
              to: [d.requester],
              subject: rendered.subject,
              text: rendered.text,
              messageId: ackMessageId,
              headers,
              date: new Date(now),
            };
            const raw = await composeMail(mail);
            const out = outgoingRecord({ raw, mail, snapshot: state.snapshot, now, hostname: deps.hostname, origin: `acknowledgement of case #${c.number}` });
            if (out.record.deliveries.length > 0) {
              await enqueue(trx, out.record);
              await insertDeskMessage(trx, {
                caseId: c.id,
                leadId: null,
                direction: 'out',
                messageId: ackMessageId,
                inReplyTo: parsed.messageId,
                from: mail.from,
                recipients: { to: [d.requester.address], cc: [] },
                subject: rendered.subject,
                text: rendered.text,
                html: null,
                queueId: out.queueId,
                author: 'auto-acknowledgement',
                machineKind: null,
                now,
                attachments: [],
              });
              acked = true;
            }
          }
          // A route test's case is no work for a CRM or chat channel that webhooks feed.
          if (d.routeTest) return done('new-case', String(c.id), `opened route test case #${c.number}, closed at once (no acknowledgement, no webhook)`);
          await emitDeskEvent(trx, { type: 'case.created', caseId: c.id, at: now });
          return done(
            'new-case',
            String(c.id),
            `opened case #${c.number}${d.linkedTo ? ` (follows up a closed case)` : ''}${acked ? ', acknowledged' : ''}${assigned ? `, ${assigned.summary}` : ''}`,
          );
        }
        case 'new-lead': {
          const id = await createLead(trx, {
            channelId: channel.id,
            name: d.lead.name,
            email: d.lead.email,
            company: d.lead.company,
            companyDomain: d.lead.companyDomain,
            subject: d.lead.subject,
            now,
          });
          await insertDeskMessage(trx, incoming({ caseId: null, leadId: id }));
          await noteLimits(trx, { caseId: null, leadId: id });
          await emitDeskEvent(trx, { type: 'lead.created', leadId: id, at: now });
          return done('new-lead', String(id), `opened lead ${id} (${d.lead.email}${d.lead.company ? `, ${d.lead.company}` : ''})`);
        }
        case 'append-lead': {
          const messageId = await insertDeskMessage(trx, incoming({ caseId: null, leadId: Number(d.leadId) }));
          await noteLimits(trx, { caseId: null, leadId: Number(d.leadId) });
          await emitDeskEvent(trx, { type: 'message.received', caseId: null, leadId: Number(d.leadId), deskMessageId: messageId, at: now });
          return done('append-lead', d.leadId, `appended to lead ${d.leadId} (${d.via})`);
        }
        case 'attach-machine-mail': {
          const target = d.target.kind === 'case' ? { caseId: Number(d.target.caseId), leadId: null } : { caseId: null, leadId: Number(d.target.leadId) };
          await insertDeskMessage(trx, incoming(target, d.machine));
          if (d.flagAddresses.length > 0) {
            // A bounce names addresses that do not work: note them on the case or lead for the agent.
            await insertDeskMessage(trx, {
              ...target,
              direction: 'note',
              messageId: null,
              inReplyTo: null,
              from: null,
              recipients: { to: [], cc: [] },
              subject: 'Undeliverable address',
              text: `Mail to ${d.flagAddresses.join(', ')} bounced; check the address.`,
              html: null,
              queueId: req.queueId,
              author: 'system',
              machineKind: 'bounce',
              now,
              attachments: [],
            });
          }
          return done(
            'attach-machine-mail',
            d.target.kind === 'case' ? d.target.caseId : d.target.leadId,
            `${d.machine} attached to ${d.target.kind} ${d.target.kind === 'case' ? d.target.caseId : d.target.leadId} without reopening it`,
          );
        }
        case 'suspend':
          await insertSuspended(trx, {
            channelId: channel.id,
            queueId: req.queueId,
            recipient: req.recipient,
            reason: d.reason,
            detail: d.detail,
            from: parsed.from?.address ?? null,
            subject: parsed.subject,
            createdAt: now,
          });
          return done('suspend', null, `suspended (${d.reason}): ${d.detail}; kept in the suspended list (relaydesk desk suspended)`);
      }
    }),
  );
  if (acked) deps.wake();
  return summary;
}

/**
 * Two nodes (PostgreSQL) opening cases at once can pick the same next number; the
 * unique index refuses one, which then starts over with a fresh number.
 */
async function retryOnNumberRace<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isUniqueViolation(e, 'number') || attempt >= 5) throw e;
    }
  }
}
