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
  /** When retention removed the body, deliveries and trace (the row stays, as the email log's entry). */
  body_purged_at: number | null;
  /** Set with body_purged_at: how each delivery ended (JSON, see repos/delivery-summary.ts). */
  delivery_summary: string | null;
}

/**
 * Large values in pieces: a message is the blob named by its queue id (chunk 0 its
 * header block, chunks 1… its body); a desk attachment has a blob of its own.
 */
export interface BlobChunkTable {
  blob_id: string;
  seq: number;
  data: Buffer;
}

/** A blob still being written (DATA under way); gone once the message is committed. */
export interface SpoolTable {
  blob_id: string;
  owner: string;
  started_at: number;
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

export interface DeskChannelTable {
  id: string;
  name: string;
  kind: string;
  public_address: string | null;
  auto_acknowledge: number;
  verification_state: string;
  verification_nonce: string | null;
  verification_queue_id: string | null;
  verification_sent_at: number | null;
  verified_at: number | null;
  verification_detail: string | null;
  created_at: number;
  updated_at: number;
}

export interface DeskInboundAddressTable {
  address: string;
  channel_id: string;
  retired: number;
  created_at: number;
  retired_at: number | null;
}

export interface DeskCaseTable {
  id: Generated<number>;
  number: number;
  channel_id: string;
  subject: string;
  requester_name: string;
  requester_address: string;
  status: string;
  assignee: string | null;
  linked_to: number | null;
  original_recipient: string | null;
  created_at: number;
  updated_at: number;
  /** 1: opened by the console's route test (closed at once, out of the default views). */
  is_test: Generated<number>;
  /** Service targets (ms of business time) the case opened with; null: none. */
  sla_first_response_target: number | null;
  sla_resolution_target: number | null;
  /** Business time counted before sla_running_since; the clock runs from there (null: paused or stopped). */
  sla_elapsed: Generated<number>;
  sla_running_since: number | null;
  first_response_at: number | null;
  sla_first_response_due: number | null;
  sla_resolution_due: number | null;
  /** When the sweep recorded the breach (and sent case.sla_breached); set once. */
  sla_first_response_breached_at: number | null;
  sla_resolution_breached_at: number | null;
}

export interface DeskParticipantTable {
  case_id: number;
  address: string;
  name: string;
}

export interface DeskLeadTable {
  id: Generated<number>;
  channel_id: string;
  name: string;
  email: string;
  company: string | null;
  company_domain: string | null;
  subject: string;
  status: string;
  contact_id: number | null;
  account_id: number | null;
  opportunity_id: number | null;
  created_at: number;
  updated_at: number;
}

export interface DeskMessageTable {
  id: Generated<number>;
  case_id: number | null;
  lead_id: number | null;
  direction: 'in' | 'out' | 'note';
  message_id: string | null;
  in_reply_to: string | null;
  from_name: string | null;
  from_address: string | null;
  recipients: string;
  subject: string;
  text: string;
  html: string | null;
  queue_id: string | null;
  author: string | null;
  machine_kind: string | null;
  /** 1 when an earlier, different message came with the same Message-ID. */
  message_id_reused: Generated<number>;
  created_at: number;
}

export interface DeskAttachmentTable {
  id: Generated<number>;
  desk_message_id: number;
  filename: string;
  /** The name as the sender wrote it; null when none was given (and before migration 0015). */
  original_filename: string | null;
  content_type: string;
  size: number;
  content_id: string | null;
  inline: number;
  /** The attachment's bytes (blob_chunks); null for an attachment stored without content. */
  blob_id: string | null;
}

export interface DeskIntakeTable {
  id: Generated<number>;
  channel_id: string;
  dedupe_key: string;
  /** Null for mail without a Message-ID. */
  message_id: string | null;
  /** Null for intakes recorded before fingerprints were kept. */
  fingerprint: string | null;
  queue_id: string;
  effect: string;
  target: string | null;
  created_at: number;
}

export interface DeskSuspendedTable {
  id: Generated<number>;
  channel_id: string | null;
  queue_id: string;
  recipient: string;
  reason: string;
  detail: string;
  from_address: string | null;
  subject: string | null;
  state: string;
  created_at: number;
}

export interface DeskFailedTable {
  id: Generated<number>;
  queue_id: string;
  recipient: string;
  error: string;
  state: string;
  attempts: number;
  created_at: number;
  updated_at: number;
}

export interface DeskAccountTable {
  id: Generated<number>;
  name: string;
  domain: string | null;
  created_at: number;
}

export interface DeskContactTable {
  id: Generated<number>;
  name: string;
  email: string;
  account_id: number | null;
  created_at: number;
}

export interface DeskOpportunityTable {
  id: Generated<number>;
  name: string;
  account_id: number;
  contact_id: number;
  lead_id: number;
  amount: number | null;
  stage: string;
  created_at: number;
}

export interface DeskConfirmationTable {
  id: Generated<number>;
  channel_id: string;
  code: string;
  url: string | null;
  forward_from: string | null;
  queue_id: string;
  created_at: number;
}

/** A desk channel's IMAP mailbox: what was taken from it, who reads it now, how it went. */
export interface ImapMailboxTable {
  channel_id: string;
  /** user@host:port/folder: another mailbox starts from its first UID again. */
  mailbox: string;
  uid_validity: number | null;
  last_uid: Generated<number>;
  lease_owner: string | null;
  lease_until: Generated<number>;
  /** Null while not connected. */
  connected_at: number | null;
  last_taken_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  /** The error's kebab-case code, for the console to say it in its language. */
  last_error_code: string | null;
  last_error_at: number | null;
  updated_at: number;
}

/** A running node, as it last said so (every few seconds). */
export interface NodeTable {
  name: string;
  pid: number;
  started_at: number;
  seen_at: number;
}

/** One row per maintenance job: who runs it now (a lease), and how its last run went. */
export interface MaintenanceTable {
  job: string;
  holder: string | null;
  lease_until: number | null;
  last_started_at: number | null;
  last_duration_ms: number | null;
  last_holder: string | null;
  /** JSON: how many of each kind the last run removed. */
  last_counts: string | null;
}

/** One finished minute of traffic, as the rollup job counted it (the dashboard's source). */
export interface TrafficMinuteTable {
  /** The minute's start. */
  minute: number;
  /** Messages received (over SMTP or generated here). */
  accepted: number;
  /** Deliveries (one per recipient) that ended delivered, were deferred, or bounced or expired. */
  delivered: number;
  deferred: number;
  bounced: number;
  /** Messages classified as spam and held in quarantine. */
  spam_held: number;
  cases_opened: number;
  /** Deliveries waiting (queued, active, deferred) when the minute was sampled; null when no node sampled it. */
  queue_size: number | null;
  /** How long the oldest deferred delivery had been waiting then (null: none, or not sampled). */
  oldest_deferred_ms: number | null;
  rolled_at: number;
}

/** A next hop's health: `kind` is route (a host by name), domain (by MX or a host's domains) or the local transport. */
export interface TrafficHopTable {
  kind: string;
  name: string;
  last_success_at: number | null;
  last_error_at: number | null;
  last_error: string | null;
  /** Its deliveries waiting for a retry, at the last sample. */
  deferred: number;
  updated_at: number;
}

/** Pacing state of a destination (a recipient domain), shared by every node (see outbound/pacing.ts). */
export interface DestinationTable {
  destination: string;
  /** The minute counted in `minute_count` (attempts started in it). */
  minute_start: Generated<number>;
  minute_count: Generated<number>;
  /** Halvings in force after "try later" replies (0: full speed), raised at `slow_at`. */
  slow_level: Generated<number>;
  slow_at: Generated<number>;
  /** "Try later" replies in a row (a delivery resets it). */
  try_later: Generated<number>;
  /** Deliveries held back by pacing or deferred by a "try later" reply, since the row was made. */
  deferred: Generated<number>;
  last_reason: Generated<string | null>;
  last_reason_at: Generated<number | null>;
  updated_at: number;
  /** Connection failures in a row (refused, timed out, no greeting); a session that got anywhere resets it (migration 0019). */
  failures: Generated<number>;
  /** Set while the destination is down: no connections but one probe at `probe_at`. */
  down_since: Generated<number | null>;
  probe_at: Generated<number | null>;
  /** The wait before the next probe, doubled after each failed one. */
  probe_interval: Generated<number>;
  /** The node probing now, until `probe_until`. */
  probe_owner: Generated<string | null>;
  probe_until: Generated<number | null>;
}

/** A connection slot of a destination, leased by one node's process until `until`. */
export interface DestinationSlotTable {
  destination: string;
  slot: number;
  owner: string;
  until: number;
}

/** A channel's round-robin: the agent given its last case (migration 0018-assignment). */
export interface DeskAssignmentTurnTable {
  channel_id: string;
  last_agent: string | null;
  turns: Generated<number>;
  updated_at: number;
}

/** What happened to a case besides its messages: who was given it and why (migration 0018-assignment). */
export interface DeskCaseEventTable {
  id: Generated<number>;
  case_id: number;
  at: number;
  /** A stable code, such as case.assigned; `data` holds every value `summary` names. */
  code: string;
  summary: string;
  /** JSON object. */
  data: string;
  /** Who did it (an account's email, token:NAME); null: the desk itself. */
  actor: string | null;
}

export interface Database {
  config_versions: ConfigVersionTable;
  messages: MessageTable;
  blob_chunks: BlobChunkTable;
  spool: SpoolTable;
  nodes: NodeTable;
  imap_mailboxes: ImapMailboxTable;
  deliveries: DeliveryTable;
  trace_events: TraceEventTable;
  mailbox_messages: MailboxMessageTable;
  secrets: SecretTable;
  desk_channels: DeskChannelTable;
  desk_inbound_addresses: DeskInboundAddressTable;
  desk_cases: DeskCaseTable;
  desk_participants: DeskParticipantTable;
  desk_leads: DeskLeadTable;
  desk_messages: DeskMessageTable;
  desk_attachments: DeskAttachmentTable;
  desk_intake: DeskIntakeTable;
  desk_suspended: DeskSuspendedTable;
  desk_failed: DeskFailedTable;
  desk_accounts: DeskAccountTable;
  desk_contacts: DeskContactTable;
  desk_opportunities: DeskOpportunityTable;
  desk_confirmations: DeskConfirmationTable;
  maintenance: MaintenanceTable;
  traffic_minutes: TrafficMinuteTable;
  traffic_hops: TrafficHopTable;
  destinations: DestinationTable;
  destination_slots: DestinationSlotTable;
  desk_assignment_turns: DeskAssignmentTurnTable;
  desk_case_events: DeskCaseEventTable;
}
