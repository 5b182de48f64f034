/**
 * outbound — relay a message to the next hop over SMTP, and the pure pieces around it.
 *
 * JOB
 *   Choose the next hop of a delivery (its fixed route, a host serving the recipient
 *   domain, the smarthost, or MX); make the delivery's copy of the message (the rules'
 *   headers, subject prefixes, removed attachments); rewrite a forwarded sender with
 *   SRS and reverse SRS bounces; send over pooled, reused connections and say per
 *   recipient whether it was delivered, deferred or bounced; render RFC 3464 DSNs.
 *   Retrying, scheduling and deciding to send a DSN belong to the queue.
 *
 * INPUTS / OUTPUTS
 *   chooseNextHop(domain, route, hosts, smarthost?) → NextHop (static | mx | error).
 *   orderMxRecords(domain, records, tieSeed?) → MxOrder (hosts in order | null-mx).
 *   applyTransform(raw, MessageTransform, { spamVerdict? }) → Promise<Buffer>; the same
 *     Buffer when the transform is empty; the body's bytes are never re-encoded.
 *   renderDsn(DsnInput) → Buffer: multipart/report; send it with MAIL FROM:<>.
 *   srsForward(sender, opts) → string; srsReverse(address, opts) → { ok, address | reason }.
 *   classifyReply(reply, command?) / classifySendFailure(failure, host) → ClassifiedReply.
 *   new SmtpSender(opts).send(SendRequest) → Promise<SendResult>: `perRecipient`, one
 *     DeliveryOutcome (delivered | deferred | bounced) per distinct recipient. `close()`.
 *   smtpTransport({ sender, srsSecret, now, hostname, pacing? }) → the queue's `smtp` Transport:
 *     next hop, SRS for foreign senders, DKIM where configured, an ARC seal (RFC 8617) on copies
 *     a rule re-addressed or added, one send per group of deliveries; with a PacingGate, a slot
 *     of the recipient domain first (outbound.limits), else the group is `paced` (held back).
 *   new PacingGate({ db, owner, now }).enter(domain, limits, count) → go (leave() after) | wait;
 *     an attempt whose process holds every slot waits in-process for one; a slot held is used
 *     again without the store; a domain down (dead-destination.ts) lets only its one probe go.
 *     tryLater(domain, reply, count) slows a domain down. Pure: limitFor, effectiveLimit,
 *     slowDown, slowedUntil, isTryLater (421, 451 4.7.x), destinationOf, connectionFailed,
 *     downRetryAt; the gate's decisions are pure too (destination-slots.ts: decideEntry,
 *     decideAnswer, sweepSlots; dead-destination.ts: onOutcome and the shared record's
 *     transitions, which store/repos/destination-repo.ts writes).
 *
 * TRUSTS
 *   Remote SMTP replies and DNS answers are untrusted: replies are flattened to one line
 *   without control characters before they reach traces and DSNs; DNS answers only pick
 *   where to connect. Message bytes are untrusted and passed through, never interpreted
 *   beyond the header block (and MIME structure when removing attachments). A sender's
 *   own X-Relaydesk-Spam headers are dropped when ours are added. SRS bounces are only
 *   reversed with a valid HMAC and a timestamp at most maxAgeDays old (no open relay).
 *
 * SECURITY
 *   Needs outbound TCP to port 25 (MX) and to configured hosts, and DNS. Holds the SRS
 *   secret and the DKIM and ARC keys only as arguments. TLS: "opportunistic" (MX default) encrypts when STARTTLS
 *   is offered, without verifying certificates (MX names are not authenticated either);
 *   "required" fails the attempt (temporary, 4.7.5) when TLS cannot be set up.
 *   Bodies are never logged.
 *
 * EVENTS
 *   queue.paced (a group held back by pacing, recorded by the queue, once per run of a reason);
 *   queue.destination_down (a group held for a down domain, recorded by the queue, one line
 *   counted per delivery), queue.destination_up (noted by the probe that brought it back; in
 *   the log with queue.destination_down when a domain goes down);
 *   outbound.arc_sealed (through the attempt's `note`, in the trace before the outcome: the
 *   instance, cv, domain and selector). The queue records queue.attempt, queue.delivered,
 *   queue.deferred, queue.bounced and queue.dsn_* with the outcome's reply and remoteMta.
 */
export { chooseNextHop, orderMxRecords, normalizeDomain, type MxOrder, type MxRecord, type NextHop } from './next-hop.js';
export { applyTransform, isAllowedCustomHeaderName, isIdentityTransform, type TransformContext } from './transform.js';
export { renderDsn, type DsnInput, type DsnRecipient } from './dsn.js';
export { srsForward, srsReverse, type SrsForwardOptions, type SrsReverseOptions, type SrsReverseResult } from './srs.js';
export { classifyReply, classifySendFailure, parseReply, type ClassifiedReply, type OutcomeKind, type SendFailure } from './classify-reply.js';
export {
  SmtpSender,
  DEFAULT_MAX_CONNECTIONS_PER_DESTINATION,
  DEFAULT_MAX_MESSAGES_PER_CONNECTION,
  type DeliveryOutcome,
  type SendRequest,
  type SendResult,
  type SmtpSenderOptions,
} from './io/smtp-sender.js';
export { smtpTransport } from './io/smtp-transport.js';
export { PacingGate } from './io/pacing-gate.js';
export type { PacingEntry } from './io/known-destination.js';
export { DEAD_AFTER, connectionFailed, downReason, downRetryAt, probeSchedule, type DownState, type ProbeSchedule } from './dead-destination.js';
export {
  DEFAULT_DESTINATION,
  DEFAULT_LIMIT,
  RECOVER_STEP_MS,
  destinationOf,
  effectiveLimit,
  isTryLater,
  limitFor,
  slowDown,
  slowedUntil,
  type DestinationLimit,
  type DestinationLimitEntry,
  type SlowState,
} from './pacing.js';
export { resolverFromLookup, type DnsResolver, type LookupFunction } from './io/mx-targets.js';
export { keyForMessage, signDkim, type DkimKey } from './dkim-sign.js';
