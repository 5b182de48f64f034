import { machineText, replyText, suspendText, viaText, type Text } from '../../base/trace-texts.js';
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
import { renderAutoMail } from '../auto-mail.js';
import type { DedupeVerdict, IntakeDecision } from '../model.js';
import type { ParsedMessage } from '../parse-message.js';
import { replyHeaders } from '../reply-headers.js';
import { slaSettingsOf } from '../sla.js';
import type { LiveState } from '../../config/index.js';
import type { DeskDeps, IntakeRequest } from './intake-deps.js';
import { assignNewCase } from './assignment.js';
import { composeMail, newMessageId, outgoingRecord } from './outgoing.js';
import { advanceCaseSla, startCaseSla } from './case-sla.js';
import { emitDeskEvent } from './webhooks.js';

/**
 * Carries out one intake decision in one transaction, together with the record that
 * makes it happen only once (`desk_intake`): a redelivery finds it and does nothing.
 */
/** What the intake did: the trace's English line, the same as a text, and a note on a reused Message-ID. */
export interface IntakeResult {
  readonly line: string;
  readonly text: Text;
  readonly note: Text | null;
}

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
): Promise<IntakeResult> {
  const { decision: d, channel, parsed, req, now } = x;
  // Acknowledgements go out under the configuration in force now (routes, desk domain).
  const state = deps.state ?? (await deps.live.current());
  const sla = slaSettingsOf(state.config.desk);
  if (d.kind === 'duplicate')
    return { line: `duplicate of an earlier intake (#${d.of}); nothing done`, text: replyText('desk.duplicate', { of: d.of }), note: null };
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
      const done = (effect: string, target: string | null, line: string, text: Text): Promise<IntakeResult> =>
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
        }).then(() => ({
          line: line + reusedLine,
          text,
          note: reused === null ? null : replyText('desk.message-id-reused', { messageId: reused.messageId, queueIds: reused.queueIds.join(', ') }),
        }));
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
        return done('suspend', null, `suspended (spam): ${detail}; kept in the suspended list (relaydesk desk suspended)`, suspendText('spam'));
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
          return done('verification', null, `channel ${channel.name} verified`, replyText('desk.verification', { channel: channel.name }));
        case 'forwarding-confirmation':
          await insertConfirmation(trx, { channelId: channel.id, code: d.code, url: d.url, forwardFrom: d.forwardFrom, queueId: req.queueId, now });
          return done(
            'forwarding-confirmation',
            null,
            `Gmail forwarding confirmation code ${d.code} kept for the admin (relaydesk desk channels)`,
            replyText('desk.forwarding-confirmation', { code: d.code }),
          );
        case 'append': {
          const id = Number(d.caseId);
          const messageId = await insertDeskMessage(trx, incoming({ caseId: id, leadId: null }));
          await noteLimits(trx, { caseId: id, leadId: null });
          await emitDeskEvent(trx, { type: 'message.received', caseId: id, leadId: null, deskMessageId: messageId, at: now });
          if (d.reopen) await setCaseStatus(trx, { caseId: id, status: 'open', now });
          else await touchCase(trx, id, now);
          const c = await loadCaseById(trx, id);
          // The customer answered: a clock paused on them runs again (a reopened solved case's too).
          if (d.reopen && c) await advanceCaseSla(trx, c, sla.hours, [{ kind: 'status', at: now, status: 'open' }]);
          const number = c?.number ?? id;
          return done(
            'append',
            d.caseId,
            `appended to case #${number} (${d.via})${d.reopen ? ', reopened' : ''}`,
            replyText(d.reopen ? 'desk.append/reopened' : 'desk.append', { number, via: viaText(d.via) }),
          );
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
          if (!d.routeTest) await startCaseSla(trx, c.id, { targets: sla.targets.get(channel.name), hours: sla.hours, at: now, status: 'new' });
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
            // Language and templates live in the configuration only; the stored channel has neither.
            const configured = state.config.desk?.channels.find((x) => x.name === channel.name);
            const rendered = renderAutoMail(
              { name: channel.name, publicAddress: channel.publicAddress, language: configured?.language, templates: configured?.templates },
              { kind: 'acknowledgement', caseNumber: c.number, subject: d.subject, customer: d.requester },
            );
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
            const out = outgoingRecord({
              raw,
              mail,
              snapshot: state.snapshot,
              now,
              hostname: deps.hostname,
              origin: { summary: `acknowledgement of case #${c.number}`, code: 'inbound.envelope/acknowledgement', params: { number: c.number } },
            });
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
          if (d.routeTest)
            return done(
              'new-case',
              String(c.id),
              `opened route test case #${c.number}, closed at once (no acknowledgement, no webhook)`,
              replyText('desk.new-case/route-test', { number: c.number }),
            );
          await emitDeskEvent(trx, { type: 'case.created', caseId: c.id, at: now });
          const form = d.linkedTo
            ? acked
              ? 'desk.new-case/follow-up-acknowledged'
              : 'desk.new-case/follow-up'
            : acked
              ? 'desk.new-case/acknowledged'
              : 'desk.new-case';
          return done(
            'new-case',
            String(c.id),
            `opened case #${c.number}${d.linkedTo ? ` (follows up a closed case)` : ''}${acked ? ', acknowledged' : ''}${assigned ? `, ${assigned.summary}` : ''}`,
            replyText(form, { number: c.number }),
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
          return done(
            'new-lead',
            String(id),
            `opened lead ${id} (${d.lead.email}${d.lead.company ? `, ${d.lead.company}` : ''})`,
            d.lead.company
              ? replyText('desk.new-lead/company', { id, email: d.lead.email, company: d.lead.company })
              : replyText('desk.new-lead', { id, email: d.lead.email }),
          );
        }
        case 'append-lead': {
          const messageId = await insertDeskMessage(trx, incoming({ caseId: null, leadId: Number(d.leadId) }));
          await noteLimits(trx, { caseId: null, leadId: Number(d.leadId) });
          await emitDeskEvent(trx, { type: 'message.received', caseId: null, leadId: Number(d.leadId), deskMessageId: messageId, at: now });
          return done('append-lead', d.leadId, `appended to lead ${d.leadId} (${d.via})`, replyText('desk.append-lead', { id: d.leadId, via: viaText(d.via) }));
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
            d.target.kind === 'case'
              ? replyText('desk.attach-machine-mail/case', { machine: machineText(d.machine), id: d.target.caseId })
              : replyText('desk.attach-machine-mail/lead', { machine: machineText(d.machine), id: d.target.leadId }),
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
          return done('suspend', null, `suspended (${d.reason}): ${d.detail}; kept in the suspended list (relaydesk desk suspended)`, suspendText(d.reason));
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
