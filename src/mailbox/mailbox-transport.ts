import { summarizeHeaders } from '../base/headers.js';
import { replyText } from '../base/trace-texts.js';
import type { AttemptOutcome, Transport } from '../queue/index.js';

/**
 * The queue's `mailbox` transport. The delivery is the mailbox row: it goes back with the
 * outcome and the queue writes both in one transaction, so nothing here touches the store.
 */
export function mailboxTransport(now: () => number): Transport {
  return {
    key: 'mailbox',
    async deliver({ message, source, deliveries }) {
      const h = summarizeHeaders(source.header);
      const out = new Map<number, AttemptOutcome>();
      for (const d of deliveries) {
        out.set(d.id, {
          kind: 'delivered',
          reply: 'stored in mailbox',
          replyText: replyText('reply.mailbox-stored', {}),
          mailbox: {
            address: d.recipient.toLowerCase(),
            queueId: message.queueId,
            subject: h.subject,
            from: h.from,
            date: h.date,
            messageId: h.messageId,
            spam: d.spamFlag,
            storedAt: now(),
          },
        });
      }
      return out;
    },
  };
}
