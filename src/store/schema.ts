import type { Generated } from 'kysely';

/**
 * The one schema both dialects share. Times are integer milliseconds since the
 * epoch; flags are 0/1 integers; structured values are JSON text. Keeping to these
 * types is what lets one set of migrations serve SQLite and PostgreSQL.
 */
export interface ConfigVersionTable {
  version: number;
  yaml: string;
  applied_at: number;
  applied_by: string;
  summary: string;
}

export interface MessageTable {
  queue_id: string;
  message_id: string | null;
  mail_from: string;
  helo: string;
  client_ip: string;
  size: number;
  subject: string | null;
  header_from: string | null;
  received_at: number;
  config_version: number;
  spam: number;
  spam_score: number;
  spam_reasons: string;
  auth_results: string;
}

export interface MessageBodyTable {
  queue_id: string;
  raw: Buffer;
}

export type DeliveryStatus = 'queued' | 'active' | 'deferred' | 'held' | 'delivered' | 'bounced' | 'expired' | 'deleted';

export interface DeliveryTable {
  id: Generated<number>;
  queue_id: string;
  recipient: string;
  original_recipient: string;
  transport: string;
  route: string | null;
  require_tls: number;
  suppress_bounces: number;
  spam_flag: number;
  transform: string;
  rules: string;
  status: DeliveryStatus;
  hold_reason: string | null;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  lease_owner: string | null;
  last_reply: string | null;
  created_at: number;
  updated_at: number;
}

export interface TraceEventTable {
  id: Generated<number>;
  queue_id: string;
  delivery_id: number | null;
  at: number;
  code: string;
  summary: string;
  data: string;
}

export interface MailboxMessageTable {
  id: Generated<number>;
  address: string;
  queue_id: string;
  subject: string | null;
  from_addr: string | null;
  date: string | null;
  message_id: string | null;
  spam: number;
  stored_at: number;
}

export interface SecretTable {
  name: string;
  value: string;
}

export interface Database {
  config_versions: ConfigVersionTable;
  messages: MessageTable;
  message_bodies: MessageBodyTable;
  deliveries: DeliveryTable;
  trace_events: TraceEventTable;
  mailbox_messages: MailboxMessageTable;
  secrets: SecretTable;
}
