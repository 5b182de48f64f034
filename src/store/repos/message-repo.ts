import type { Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database, DeliveryStatus } from '../schema.js';
import { rowIndexes, runCompiledRows } from '../compiled-once.js';
import { headerEnd } from '../../base/header-end.js';
import type { MessageSource } from '../../base/message-source.js';
import { insertChunkRows, openBlob, readChunk, toChunks, unspool } from './blob-repo.js';
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
  return (await insertReceivedMany(trx, [rec]))[0]!;
}

/**
 * Several records in the caller's transaction, with a few statements per table for all
 * of them (a group commit's batch). Returns each record's deliveries' ids, in the order given.
 */
export async function insertReceivedMany(trx: Transaction<Database>, recs: readonly ReceivedRecord[]): Promise<number[][]> {
  await runCompiledRows(trx, 'insert-message', recs.map(messageValues), (p, n) =>
    trx.insertInto('messages').values(
      rowIndexes(n).map((i) => ({
        queue_id: p(i, 0),
        message_id: p(i, 1),
        mail_from: p(i, 2),
        helo: p(i, 3),
        client_ip: p(i, 4),
        size: p(i, 5),
        subject: p(i, 6),
        header_from: p(i, 7),
        received_at: p(i, 8),
        config_version: p(i, 9),
        spam: p(i, 10),
        spam_score: p(i, 11),
        spam_reasons: p(i, 12),
        auth_results: p(i, 13),
      })),
    ),
  );
  const chunks: { blobId: string; seq: number; data: Buffer }[] = [];
  for (const { message: m, content: c } of recs) {
    chunks.push({ blobId: m.queueId, seq: 0, data: c.header });
    const first = 1 + (c.spooled?.chunks ?? 0);
    toChunks(c.body).forEach((data, i) => chunks.push({ blobId: m.queueId, seq: first + i, data }));
  }
  await insertChunkRows(trx, chunks);
  for (const { message: m, content: c } of recs) if (c.spooled && c.spooled.chunks > 0) await unspool(trx, m.queueId);
  const returned = await runCompiledRows(
    trx,
    'insert-delivery',
    recs.flatMap((rec) => rec.deliveries.map((d) => deliveryValues(rec.message, d))),
    (p, n) =>
      trx
        .insertInto('deliveries')
        .values(
          rowIndexes(n).map((i) => ({
            queue_id: p(i, 0),
            recipient: p(i, 1),
            original_recipient: p(i, 2),
            transport: p(i, 3),
            route: p(i, 4),
            require_tls: p(i, 5),
            suppress_bounces: p(i, 6),
            spam_flag: p(i, 7),
            transform: p(i, 8),
            rules: p(i, 9),
            status: p(i, 10),
            hold_reason: p(i, 11),
            attempts: p(i, 12),
            next_attempt_at: p(i, 13),
            lease_until: p(i, 14),
            lease_owner: p(i, 15),
            last_reply: p(i, 16),
            created_at: p(i, 17),
            updated_at: p(i, 18),
          })),
        )
        .returning('id'),
  );
  await appendTrace(
    trx,
    recs.flatMap((rec) => rec.trace),
  );
  return deliveryIdsOf(recs, returned);
}

/**
 * Each record's deliveries' ids, from the rows the batch's delivery INSERTs returned (the
 * only rows `insertReceivedMany`'s statements return). Neither database promises
 * RETURNING's rows in the order of VALUES, but both number the rows of one INSERT as they
 * insert them, in that order: ascending ids are the deliveries as given.
 */
export function deliveryIdsOf(recs: readonly ReceivedRecord[], returned: readonly { id: unknown }[]): number[][] {
  const ids = returned.map((r) => Number(r.id)).sort((a, b) => a - b);
  let at = 0;
  return recs.map((rec) => ids.slice(at, (at += rec.deliveries.length)));
}

function messageValues(rec: ReceivedRecord): unknown[] {
  const m = rec.message;
  return [
    m.queueId,
    m.messageId,
    m.mailFrom,
    m.helo,
    m.clientIp,
    contentSize(rec.content),
    m.subject,
    m.headerFrom,
    m.receivedAt,
    m.configVersion,
    m.spam ? 1 : 0,
    m.spamScore,
    JSON.stringify(m.spamReasons),
    JSON.stringify(m.authResults),
  ];
}

function deliveryValues(m: NewMessage, d: NewDelivery): unknown[] {
  return [
    m.queueId,
    d.recipient,
    d.originalRecipient,
    d.transport,
    d.route,
    d.requireTls ? 1 : 0,
    d.suppressBounces ? 1 : 0,
    d.spamFlag ? 1 : 0,
    JSON.stringify(d.transform),
    JSON.stringify(d.rules),
    d.status,
    d.holdReason,
    0,
    d.nextAttemptAt,
    d.lease?.until ?? null,
    d.lease?.owner ?? null,
    null,
    m.receivedAt,
    m.receivedAt,
  ];
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
