import { summarizeHeaders } from '../../base/headers.js';
import { wholeMessage } from '../../base/message-source.js';
import { chooseNextHop, keyForMessage, signDkim, srsForward, type SmtpSender } from '../../outbound/index.js';
import type { AttemptOutcome, TransportHandler } from './queue-runner.js';

/** Local mailboxes: the delivery is the mailbox row, written with the outcome (one transaction). */
export function mailboxTransport(now: () => number): TransportHandler {
  return async ({ message, source, deliveries }) => {
    const h = summarizeHeaders(source.header);
    const out = new Map<number, AttemptOutcome>();
    for (const d of deliveries) {
      out.set(d.id, {
        kind: 'delivered',
        reply: 'stored in mailbox',
        mailbox: { address: d.recipient.toLowerCase(), queueId: message.queueId, subject: h.subject, from: h.from, date: h.date, messageId: h.messageId, spam: d.spamFlag, storedAt: now() },
      });
    }
    return out;
  };
}

/**
 * Relay over SMTP: the next hop (route, hosts, smarthost, MX), and SRS for forwarded foreign senders so the
 * next hop's SPF check holds.
 */
export function smtpTransport(deps: { sender: SmtpSender; srsSecret: string; now: () => number }): TransportHandler {
  return async ({ message, source, deliveries, config: state }) => {
    const first = deliveries[0]!;
    const { snapshot, config } = state;
    const domain = first.recipient.slice(first.recipient.lastIndexOf('@') + 1);
    const hop = chooseNextHop(domain, first.route ?? undefined, snapshot.hosts, snapshot.smarthost);
    const senderDomain = message.mailFrom.slice(message.mailFrom.lastIndexOf('@') + 1).toLowerCase();
    const srsDomain = config.srs?.domain ?? [...snapshot.domains][0];
    const mailFrom =
      message.mailFrom && srsDomain && !snapshot.domains.has(senderDomain)
        ? srsForward(message.mailFrom, { domain: srsDomain, secret: config.srs?.secret ?? deps.srsSecret, now: new Date(deps.now()), isLocalDomain: (d) => snapshot.domains.has(d.toLowerCase()) })
        : message.mailFrom;
    const key = keyForMessage(source.header, config.dkim);
    const signed = key ? await signDkim(source, key) : source;
    const result = await deps.sender.send({ hop, mailFrom, recipients: deliveries.map((d) => d.recipient), raw: () => wholeMessage(signed), ...(signed.size !== null ? { size: signed.size } : {}), requireTls: first.requireTls });
    const out = new Map<number, AttemptOutcome>();
    for (const d of deliveries) {
      const o = result.perRecipient.get(d.recipient);
      out.set(d.id, o ?? { kind: 'deferred', reply: 'the next hop gave no answer for this recipient' });
    }
    return out;
  };
}
