/**
 * inbound — the SMTP server for hosted domains.
 *
 * JOB      Speaks ESMTP (PIPELINING, 8BITMIME, SMTPUTF8, SIZE, ENHANCEDSTATUSCODES,
 *          STARTTLS with a certificate), asks routing about each RCPT, reads DATA
 *          within the size limit, and answers 250 only after the message and all its
 *          deliveries are committed (fsync) in one transaction.
 * INPUTS   TCP clients; the live configuration. OUTPUTS committed messages; a wake-up
 *          for the queue runner.
 * TRUSTS   Everything from the client is hostile: addresses are only looked up (and must
 *          be UTF-8, and ASCII without SMTPUTF8), line endings are normalised (no SMTP
 *          smuggling), size, recipients and sessions per client are capped, and idle
 *          sessions are dropped sooner when most places are taken.
 * SECURITY Needs the store and, for STARTTLS, the certificate key. No console or CRM
 *          credentials. Not an open relay: a recipient outside hosted domains gets 550 5.7.1.
 * EVENTS   inbound.connected, inbound.recipient_rejected, inbound.rejected, inbound.accepted,
 *          inbound.pressure; in the log only, inbound.error, inbound.draining,
 *          inbound.drain_cut and inbound.stopped.
 */
export * from './accept.js';
export { startSmtpListener, type ListenerDeps, type ListenerOptions, type RunningListener } from './io/smtp-listener.js';
export { HELD_BODIES_BYTES, Receiver, type ReceiverDeps, type SpamCheck, type SpamCheckRefusal, type SpamCheckResult } from './io/receive.js';
