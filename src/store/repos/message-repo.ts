import type { Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database, DeliveryStatus } from '../schema.js';
import { runCompiledOnce } from '../compiled-once.js';
import { headerEnd } from '../../base/header-end.js';
import type { MessageSource } from '../../base/message-source.js';
import { insertChunks, openBlob, readChunk, toChunks, unspool } from './blob-repo.js';
import type { DeliverySummary } from './delivery-summary.js';
import { appendTrace, type TraceEvent } from './trace-repo.js';

export interface NewMessage {
  readonly queueId: string;
  readonly messageId: string | null;
  readonly mailFrom: string;
  readonly helo: string;
  readonly clientIp: string;
  readonly subject: string | null;
  readonly headerFrom: string | null;
  readonly receivedAt: number;
  readonly configVersion: number;
  readonly spam: boolean;
  readonly spamScore: number;
  readonly spamReasons: readonly string[];
  readonly authResults: Record<string, unknown>;
}

export interface NewDelivery {
  readonly recipient: string;
  readonly originalRecipient: string;
  readonly transport: string;
  readonly route: string | null;
  readonly requireTls: boolean;
  readonly suppressBounces: boolean;
  readonly spamFlag: boolean;
  readonly transform: unknown;
  readonly rules: readonly string[];
  readonly status: Extract<DeliveryStatus, 'queued' | 'held' | 'active'>;
  readonly holdReason: string | null;
  readonly nextAttemptAt: number;
  /** With status 'active': claimed at birth by this lease (the node that received it delivers it). */
  readonly lease?: { readonly owner: string; readonly until: number };
}

/**
 * The bytes of a message to store: its header block (chunk 0 of the message's blob),
 * and its body, partly stored already while DATA arrived (`spooled`: chunks 1…n under
 * the queue id) and the rest in memory (`body`), stored with the message.
 */
export interface MessageContent {
  readonly header: Buffer;
  readonly body: readonly Buffer[];
  readonly spooled?: { readonly chunks: number; readonly bytes: number };
}

export interface ReceivedRecord {
  readonly message: NewMessage;
  readonly content: MessageContent;
  readonly deliveries: readonly NewDelivery[];
  readonly trace: readonly TraceEvent[];
}

/** A whole message in memory (one we wrote) as content to store. */
export function contentOf(raw: Buffer): MessageContent {
  const end = headerEnd(raw);
  return { header: raw.subarray(0, end), body: [raw.subarray(end)] };
}

export function contentSize(c: MessageContent): number {
  return c.body.reduce((n, b) => n + b.length, c.header.length + (c.spooled?.bytes ?? 0));
}

/**
 * Message, body, deliveries and trace: all or nothing, in the caller's transaction.
 * Returns the deliveries' ids, in the order given.
 */
export async function insertReceived(trx: Transaction<Database>, rec: ReceivedRecord): Promise<number[]> {
  const m = rec.message;
  await runCompiledOnce(
    trx,
    'insert-message',
    (p) =>
      trx.insertInto('messages').values({
        queue_id: p('queue_id'),
        message_id: p('message_id'),
        mail_from: p('mail_from'),
        helo: p('helo'),
        client_ip: p('client_ip'),
        size: p('size'),
        subject: p('subject'),
        header_from: p('header_from'),
        received_at: p('received_at'),
        config_version: p('config_version'),
        spam: p('spam'),
        spam_score: p('spam_score'),
        spam_reasons: p('spam_reasons'),
        auth_results: p('auth_results'),
      }),
    {
      queue_id: m.queueId,
      message_id: m.messageId,
      mail_from: m.mailFrom,
      helo: m.helo,
      client_ip: m.clientIp,
      size: contentSize(rec.content),
      subject: m.subject,
      header_from: m.headerFrom,
      received_at: m.receivedAt,
      config_version: m.configVersion,
      spam: m.spam ? 1 : 0,
      spam_score: m.spamScore,
      spam_reasons: JSON.stringify(m.spamReasons),
      auth_results: JSON.stringify(m.authResults),
    },
  );
  const c = rec.content;
  await insertChunks(trx, m.queueId, 0, [c.header]);
  await insertChunks(trx, m.queueId, 1 + (c.spooled?.chunks ?? 0), toChunks(c.body));
  if (c.spooled && c.spooled.chunks > 0) await unspool(trx, m.queueId);
  const ids: number[] = [];
  for (const d of rec.deliveries) {
    const r = await runCompiledOnce(
      trx,
      'insert-delivery',
      (p) =>
        trx
          .insertInto('deliveries')
          .values({
            queue_id: p('queue_id'),
            recipient: p('recipient'),
            original_recipient: p('original_recipient'),
            transport: p('transport'),
            route: p('route'),
            require_tls: p('require_tls'),
            suppress_bounces: p('suppress_bounces'),
            spam_flag: p('spam_flag'),
            transform: p('transform'),
            rules: p('rules'),
            status: p('status'),
            hold_reason: p('hold_reason'),
            attempts: p('attempts'),
            next_attempt_at: p('next_attempt_at'),
            lease_until: p('lease_until'),
            lease_owner: p('lease_owner'),
            last_reply: p('last_reply'),
            created_at: p('created_at'),
            updated_at: p('updated_at'),
          })
          .returning('id'),
      {
        queue_id: m.queueId,
        recipient: d.recipient,
        original_recipient: d.originalRecipient,
        transport: d.transport,
        route: d.route,
        require_tls: d.requireTls ? 1 : 0,
        suppress_bounces: d.suppressBounces ? 1 : 0,
        spam_flag: d.spamFlag ? 1 : 0,
        transform: JSON.stringify(d.transform),
        rules: JSON.stringify(d.rules),
        status: d.status,
        hold_reason: d.holdReason,
        attempts: 0,
        next_attempt_at: d.nextAttemptAt,
        lease_until: d.lease?.until ?? null,
        lease_owner: d.lease?.owner ?? null,
        last_reply: null,
        created_at: m.receivedAt,
        updated_at: m.receivedAt,
      },
    );
    ids.push(Number(r.rows[0]!.id));
  }
  await appendTrace(trx, rec.trace);
  return ids;
}

export interface MessageRow {
  readonly queueId: string;
  readonly messageId: string | null;
  readonly mailFrom: string;
  readonly helo: string;
  readonly clientIp: string;
  readonly size: number;
  readonly subject: string | null;
  readonly headerFrom: string | null;
  readonly receivedAt: number;
  readonly configVersion: number;
  readonly spam: boolean;
  readonly spamScore: number;
  readonly spamReasons: string[];
  readonly authResults: Record<string, unknown>;
  /** When retention removed the body, deliveries and trace; null while they are kept. */
  readonly bodyPurgedAt: number | null;
  /** Once purged: how each delivery ended (see loggedDeliveries). */
  readonly deliverySummary: DeliverySummary[] | null;
}

/** The row a record becomes once committed (for the node that received it, without reading it back). */
export function messageRowOf(rec: ReceivedRecord): MessageRow {
  const m = rec.message;
  return { ...m, size: contentSize(rec.content), bodyPurgedAt: null, deliverySummary: null, spamReasons: [...m.spamReasons] };
}

function toMessageRow(r: Database['messages']): MessageRow {
  return {
    queueId: r.queue_id,
    messageId: r.message_id,
    mailFrom: r.mail_from,
    helo: r.helo,
    clientIp: r.client_ip,
    size: r.size,
    subject: r.subject,
    headerFrom: r.header_from,
    receivedAt: r.received_at,
    configVersion: r.config_version,
    spam: r.spam === 1,
    spamScore: r.spam_score,
    spamReasons: JSON.parse(r.spam_reasons) as string[],
    authResults: JSON.parse(r.auth_results) as Record<string, unknown>,
    bodyPurgedAt: r.body_purged_at === null ? null : Number(r.body_purged_at),
    deliverySummary: r.delivery_summary === null ? null : (JSON.parse(r.delivery_summary) as DeliverySummary[]),
  };
}

export async function loadMessage(db: Db, queueId: string): Promise<MessageRow | null> {
  const r = await db.selectFrom('messages').selectAll().where('queue_id', '=', queueId).executeTakeFirst();
  return r ? toMessageRow(r) : null;
}

export async function findMessagesByMessageId(db: Db, messageId: string): Promise<MessageRow[]> {
  const bare = messageId.replace(/^<|>$/g, '');
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('message_id', 'in', [`<${bare}>`, bare])
    .orderBy('received_at')
    .execute();
  return rows.map(toMessageRow);
}

/** The stored header block (ours on top, as relayed); null once the body is purged. */
export function loadHeader(db: Db, queueId: string): Promise<Buffer | null> {
  return readChunk(db, queueId, 0);
}

/** A stored message as a source: the body is read from the store as it is consumed. */
export function storedSource(db: Db, queueId: string, header: Buffer, size: number | null): MessageSource {
  return { header, size, body: () => openBlob(db, queueId, { fromSeq: 1 }) };
}

/** The stored message, or null when it is unknown or its body was purged. */
export async function loadSource(db: Db, queueId: string): Promise<{ message: MessageRow; source: MessageSource } | null> {
  const [message, header] = await Promise.all([loadMessage(db, queueId), loadHeader(db, queueId)]);
  if (!message || !header) return null;
  return { message, source: storedSource(db, queueId, header, message.size) };
}

export interface MessageSearch {
  readonly sender?: string;
  readonly recipient?: string;
  readonly subject?: string;
  readonly messageId?: string;
  readonly since?: number;
  readonly until?: number;
  /** Some delivery has this status, or the desk set the message aside (suspended) or could not process it (failed). */
  readonly outcome?: MessageOutcome;
  readonly limit?: number;
}

export type MessageOutcome = DeliveryStatus | 'suspended' | 'failed';

export async function searchMessages(db: Db, q: MessageSearch): Promise<MessageRow[]> {
  let query = db.selectFrom('messages').selectAll();
  if (q.sender) query = query.where('mail_from', 'like', `%${q.sender}%`);
  if (q.subject) query = query.where('subject', 'like', `%${q.subject}%`);
  if (q.messageId) query = query.where('message_id', 'like', `%${q.messageId}%`);
  if (q.since !== undefined) query = query.where('received_at', '>=', q.since);
  if (q.until !== undefined) query = query.where('received_at', '<=', q.until);
  // In the query, not after it: a rare outcome is found however much mail came since.
  if (q.outcome === 'suspended') query = query.where('queue_id', 'in', db.selectFrom('desk_suspended').select('queue_id'));
  else if (q.outcome === 'failed') query = query.where('queue_id', 'in', db.selectFrom('desk_failed').select('queue_id'));
  else if (q.outcome) {
    // A purged message's deliveries live on in its summary (JSON, so "status":"…" is exact).
    const outcome = q.outcome;
    query = query.where((eb) =>
      eb.or([
        eb('queue_id', 'in', db.selectFrom('deliveries').select('queue_id').where('status', '=', outcome)),
        eb.and([eb('body_purged_at', 'is not', null), eb('delivery_summary', 'like', `%"status":"${outcome}"%`)]),
      ]),
    );
  }
  if (q.recipient) {
    const r = `%${q.recipient}%`;
    query = query.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('deliveries')
            .select('deliveries.id')
            .whereRef('deliveries.queue_id', '=', 'messages.queue_id')
            .where((e2) => e2.or([e2('recipient', 'like', r), e2('original_recipient', 'like', r)])),
        ),
        // In a purged message's summary: a last reply that names the address matches too.
        eb.and([eb('body_purged_at', 'is not', null), eb('delivery_summary', 'like', r)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('received_at', 'desc')
    .limit(Math.min(q.limit ?? 100, 1000))
    .execute();
  return rows.map(toMessageRow);
}
