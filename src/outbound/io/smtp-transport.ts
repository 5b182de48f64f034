import { EVENTS } from '../../base/events.js';
import { replyText, traceText } from '../../base/trace-texts.js';
import { wholeMessage } from '../../base/message-source.js';
import type { AttemptOutcome, Transport } from '../../queue/index.js';
import { arcKeyFor, forwardedByRule, ourAuthResults, sealArc } from '../arc-seal.js';
import { keyForMessage, signDkim } from '../dkim-sign.js';
import { chooseNextHop } from '../next-hop.js';
import { connectionFailed, downRetryAt } from '../dead-destination.js';
import { destinationOf, isTryLater, pacingRetryAt } from '../pacing.js';
import type { PacingGate } from './pacing-gate.js';
import { srsForward } from '../srs.js';
import type { SendResult, SmtpSender } from './smtp-sender.js';

/**
 * The queue's `smtp` transport: the next hop (route, hosts, smarthost, MX), SRS for forwarded
 * foreign senders so the next hop's SPF check holds, DKIM where configured, an ARC seal on
 * copies a rule forwarded, then one send for the group's recipients. `hostname` names us in
 * the Authentication-Results we wrote at receipt, which the seal carries on. With `pacing`,
 * a send needs a slot of its recipient domain first (outbound.limits); without one the group
 * is held back, not attempted.
 */
export function smtpTransport(deps: { sender: SmtpSender; srsSecret: string; now: () => number; hostname: string; pacing?: PacingGate }): Transport {
  return {
    key: 'smtp',
    async deliver({ message, source, deliveries, config: state, note }) {
      const first = deliveries[0]!;
      const { snapshot, config } = state;
      const domain = first.recipient.slice(first.recipient.lastIndexOf('@') + 1);
      const hop = chooseNextHop(domain, first.route ?? undefined, snapshot.hosts, snapshot.smarthost);
      // The recipient domain, whichever host carries it: a limit is the admin's promise to that domain.
      const destination = destinationOf(first.recipient);
      const entry = deps.pacing ? await deps.pacing.enter(destination, config.outbound.limits, deliveries.length) : null;
      if (entry?.kind === 'wait') {
        const now = deps.now();
        const down = entry.down;
        return new Map<number, AttemptOutcome>(
          deliveries.map((d) => [
            d.id,
            down
              ? { kind: 'paced', reply: entry.reason, retryAt: downRetryAt(down, now, d.id), down: { destination, since: down.since } }
              : { kind: 'paced', reply: entry.reason, retryAt: pacingRetryAt(entry.wait, now, d.id) },
          ]),
        );
      }
      let result: SendResult;
      try {
        result = await send();
      } catch (e) {
        await entry?.leave({ delivered: false });
        throw e;
      }
      const replies = [...result.perRecipient.values()];
      const tryLater = replies.find((o) => o.kind === 'deferred' && isTryLater(o.reply));
      if (deps.pacing && tryLater) await deps.pacing.tryLater(destination, tryLater.reply, deliveries.length);
      const up = await entry?.leave({ delivered: replies.some((o) => o.kind === 'delivered'), reached: !connectionFailed(replies) });
      if (up)
        note(
          EVENTS.destinationUp,
          `${destination} answers again: the deliveries held for it go now`,
          { destination },
          traceText('queue.destination_up', { destination }),
        );
      const out = new Map<number, AttemptOutcome>();
      for (const d of deliveries) {
        const o = result.perRecipient.get(d.recipient);
        out.set(d.id, o ?? { kind: 'deferred', reply: 'the next hop gave no answer for this recipient', replyText: replyText('reply.hop-silent', {}) });
      }
      return out;

      async function send(): Promise<SendResult> {
        const senderDomain = message.mailFrom.slice(message.mailFrom.lastIndexOf('@') + 1).toLowerCase();
        const srsDomain = config.srs?.domain ?? [...snapshot.domains][0];
        const mailFrom =
          message.mailFrom && srsDomain && !snapshot.domains.has(senderDomain)
            ? srsForward(message.mailFrom, {
                domain: srsDomain,
                secret: config.srs?.secret ?? deps.srsSecret,
                now: new Date(deps.now()),
                isLocalDomain: (d) => snapshot.domains.has(d.toLowerCase()),
              })
            : message.mailFrom;
        const key = keyForMessage(source.header, config.dkim);
        const dkimSigned = key ? await signDkim(source, key) : source;
        const arcKey = forwardedByRule(deliveries) ? arcKeyFor({ arc: config.arc, dkim: config.dkim, domains: config.domains }) : null;
        let sealed = null;
        if (arcKey) {
          sealed = await sealArc(dkimSigned, arcKey, {
            authResults: ourAuthResults(source.header, deps.hostname),
            arcResultAtReceipt: arcResultOf(message.authResults),
            now: new Date(deps.now()),
          });
          if (sealed) {
            const { instance, cv } = sealed;
            note(
              EVENTS.arcSealed,
              `ARC set i=${instance} sealed by ${arcKey.domain} (selector ${arcKey.selector}), cv=${cv}`,
              {
                instance,
                cv,
                domain: arcKey.domain,
                selector: arcKey.selector,
              },
              traceText('outbound.arc_sealed', { instance, domain: arcKey.domain, selector: arcKey.selector, cv }),
            );
          }
        }
        const signed = sealed?.source ?? dkimSigned;
        return deps.sender.send({
          hop,
          mailFrom,
          recipients: deliveries.map((d) => d.recipient),
          raw: () => wholeMessage(signed),
          ...(signed.size !== null ? { size: signed.size } : {}),
          requireTls: first.requireTls,
        });
      }
    },
  };
}

/** The ARC result stored with the message at receipt (the spam check's summary). */
function arcResultOf(authResults: Record<string, unknown>): string | undefined {
  const arc = authResults.arc;
  return typeof arc === 'object' && arc !== null && 'result' in arc && typeof arc.result === 'string' ? arc.result : undefined;
}
