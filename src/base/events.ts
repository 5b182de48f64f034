/**
 * Stable event codes. Logs and the message trace use the same codes, so a line in
 * the log and a step in `relaydesk trace` name the same thing.
 */
export const EVENTS = {
  connected: 'inbound.connected',
  envelope: 'inbound.envelope',
  recipientRejected: 'inbound.recipient_rejected',
  recipientAccepted: 'inbound.recipient_accepted',
  rejected: 'inbound.rejected',
  accepted: 'inbound.accepted',
  pressure: 'inbound.pressure',
  authResults: 'spam.auth_results',
  verdict: 'spam.verdict',
  ruleApplied: 'routing.rule_applied',
  planned: 'routing.planned',
  held: 'queue.held',
  released: 'queue.released',
  deleted: 'queue.deleted',
  attempt: 'queue.attempt',
  delivered: 'queue.delivered',
  deferred: 'queue.deferred',
  bounced: 'queue.bounced',
  expired: 'queue.expired',
  dsnQueued: 'queue.dsn_queued',
  dsnSuppressed: 'queue.dsn_suppressed',
  mailboxStored: 'mailbox.stored',
  configApplied: 'config.applied',
  retentionPurged: 'retention.purged',
} as const;

export type EventCode = (typeof EVENTS)[keyof typeof EVENTS];
