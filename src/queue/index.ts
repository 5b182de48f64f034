/**
 * queue — the one scheduler.
 *
 * JOB      Claims due deliveries under leases, hands each group to its transport
 *          (smtp, mailbox, desk), records the outcome, schedules retries, gives up
 *          after the configured time and sends DSNs for what failed. Its retention job
 *          removes what the `retention` windows say is old (retention.ts decides); its
 *          traffic rollup job counts each finished minute for the dashboard (traffic.ts).
 * INPUTS   Delivery rows in the store; wake-ups from the receiver after each commit.
 * OUTPUTS  Delivery states (delivered, deferred, bounced, expired), trace events, DSN messages;
 *          purged messages (the log entry kept with each delivery's outcome).
 * TRUSTS   Remote SMTP replies (recorded verbatim in the trace, capped in length).
 * SECURITY Holds no credentials of its own; talks to next hops through outbound.
 * EVENTS   queue.attempt, queue.delivered, queue.deferred, queue.bounced, queue.expired,
 *          queue.dsn_queued, queue.dsn_suppressed, mailbox.stored, queue.deleted (held
 *          mail dropped by retention), retention.purged; in the log only, queue.released,
 *          queue.reclaimed, queue.attempt_failed, queue.lease_lapsed, queue.taken_over,
 *          queue.recorded_late, queue.store_error, queue.store_back, retention.store_error,
 *          retention.no_free_space_return and traffic.store_error.
 */
export { decideRetry, DEFAULT_RETRY, type RetryDecision, type RetryPolicy } from './schedule.js';
export { groupDeliveries, type DeliveryGroup } from './group.js';
export { generatedRecord } from './generated-mail.js';
