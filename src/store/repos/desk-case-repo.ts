import { sql, type Kysely, type SelectQueryBuilder, type Selectable, type Transaction } from 'kysely';
import { randomToken } from '../../base/ids.js';
import type { Db } from '../db.js';
import { insertChunks, toChunks, unspool } from './blob-repo.js';
import type { Database, DeskCaseTable } from '../schema.js';

type Exec = Kysely<Database> | Transaction<Database>;

/** Case numbers are human and sequential; the first is #1001 (a desk that looks lived in). */
export const FIRST_CASE_NUMBER = 1001;

export interface CaseRow {
  readonly id: number;
  readonly number: number;
  readonly channelId: string;
  readonly subject: string;
  readonly requester: { name: string; address: string };
  readonly status: string;
  readonly assignee: string | null;
  readonly linkedTo: number | null;
  readonly originalRecipient: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly participants: { name: string; address: string }[];
  /** Opened by the console's route test: closed at once, out of the default views. */
  readonly test: boolean;
  readonly sla: CaseSla;
}

/** A case's SLA clock as stored (the desk's `SlaClock`) and when each breach was recorded. */
export interface CaseSla {
  readonly targets: { readonly firstResponse: number | null; readonly resolution: number | null };
  readonly elapsed: number;
  readonly runningSince: number | null;
  readonly firstResponseAt: number | null;
  readonly firstResponseDue: number | null;
  readonly resolutionDue: number | null;
  readonly breachedAt: { readonly firstResponse: number | null; readonly resolution: number | null };
}

const num = (v: number | null): number | null => (v === null ? null : Number(v));

export interface DeskMessageRow {
  readonly id: number;
  readonly caseId: number | null;
  readonly leadId: number | null;
  readonly direction: 'in' | 'out' | 'note';
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly from: { name: string; address: string } | null;
  readonly recipients: { to: string[]; cc: string[] };
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly queueId: string | null;
  readonly author: string | null;
  readonly machineKind: string | null;
  /** A received message whose Message-ID an earlier, different message already used. */
  readonly messageIdReused: boolean;
  readonly createdAt: number;
  readonly attachments: {
    id: number;
    filename: string;
    /** The name as sent; null when none was given or not recorded. */
    originalFilename: string | null;
    contentType: string;
    size: number;
    contentId: string | null;
    inline: boolean;
  }[];
}

export async function loadCaseById(db: Exec, id: number): Promise<CaseRow | null> {
  const r = await db.selectFrom('desk_cases').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? withParticipants(db, r) : null;
}

export async function loadCaseByNumber(db: Exec, number: number): Promise<CaseRow | null> {
  const r = await db.selectFrom('desk_cases').selectAll().where('number', '=', number).executeTakeFirst();
  return r ? withParticipants(db, r) : null;
}

async function withParticipants(db: Exec, r: Selectable<DeskCaseTable>): Promise<CaseRow> {
  const ps = await db.selectFrom('desk_participants').select(['name', 'address']).where('case_id', '=', r.id).orderBy('address').execute();
  return {
    id: r.id,
    number: r.number,
    channelId: r.channel_id,
    subject: r.subject,
    requester: { name: r.requester_name, address: r.requester_address },
    status: r.status,
    assignee: r.assignee,
    linkedTo: r.linked_to,
    originalRecipient: r.original_recipient,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    participants: ps,
    test: Number(r.is_test) === 1,
    sla: {
      targets: { firstResponse: num(r.sla_first_response_target), resolution: num(r.sla_resolution_target) },
      elapsed: Number(r.sla_elapsed),
      runningSince: num(r.sla_running_since),
      firstResponseAt: num(r.first_response_at),
      firstResponseDue: num(r.sla_first_response_due),
      resolutionDue: num(r.sla_resolution_due),
      breachedAt: { firstResponse: num(r.sla_first_response_breached_at), resolution: num(r.sla_resolution_breached_at) },
    },
  };
}

/** The case of `channelId` that owns any of these Message-IDs (sent or received), newest first. */
export async function findCaseByMessageIds(db: Exec, channelId: string, ids: readonly string[]): Promise<CaseRow | null> {
  if (ids.length === 0) return null;
  const r = await db
    .selectFrom('desk_messages')
    .innerJoin('desk_cases', 'desk_cases.id', 'desk_messages.case_id')
    .select('desk_cases.id')
    .where('desk_messages.message_id', 'in', ids.slice(0, 200))
    .where('desk_cases.channel_id', '=', channelId)
    .orderBy('desk_messages.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r ? loadCaseById(db, r.id) : null;
}

export async function createCase(
  trx: Exec,
  input: {
    channelId: string;
    subject: string;
    requester: { name: string; address: string };
    participants: readonly { name: string; address: string }[];
    linkedTo: number | null;
    originalRecipient: string | null;
    now: number;
    /** A route test's case: opened closed, marked so the default views leave it out. */
    test?: boolean;
  },
): Promise<{ id: number; number: number }> {
  const max = await trx
    .selectFrom('desk_cases')
    .select((eb) => eb.fn.max('number').as('n'))
    .executeTakeFirst();
  const number = Math.max(FIRST_CASE_NUMBER - 1, Number(max?.n ?? 0)) + 1;
  const row = await trx
    .insertInto('desk_cases')
    .values({
      number,
      channel_id: input.channelId,
      subject: input.subject.slice(0, 998),
      requester_name: input.requester.name.slice(0, 200),
      requester_address: input.requester.address.toLowerCase(),
      status: input.test ? 'closed' : 'new',
      assignee: null,
      linked_to: input.linkedTo,
      original_recipient: input.originalRecipient,
      created_at: input.now,
      updated_at: input.now,
      is_test: input.test ? 1 : 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await addParticipants(trx, row.id, input.participants);
  return { id: row.id, number };
}

export async function addParticipants(trx: Exec, caseId: number, people: readonly { name: string; address: string }[]): Promise<void> {
  for (const p of people) {
    await trx
      .insertInto('desk_participants')
      .values({ case_id: caseId, address: p.address.toLowerCase(), name: p.name.slice(0, 200) })
      .onConflict((oc) => oc.columns(['case_id', 'address']).doNothing())
      .execute();
  }
}

export async function setCaseStatus(trx: Exec, input: { caseId: number; status: string; now: number; assignee?: string | null }): Promise<void> {
  await trx
    .updateTable('desk_cases')
    .set({ status: input.status, updated_at: input.now, ...(input.assignee !== undefined ? { assignee: input.assignee } : {}) })
    .where('id', '=', input.caseId)
    .execute();
}

export async function touchCase(trx: Exec, caseId: number, now: number): Promise<void> {
  await trx.updateTable('desk_cases').set({ updated_at: now }).where('id', '=', caseId).execute();
}

/**
 * An attachment's bytes: in memory (small ones, written with the message), or a blob
 * already written while the message was read (large ones; the message's transaction
 * makes it kept). Null: listed without content.
 */
export type AttachmentContent = { readonly bytes: Buffer } | { readonly blobId: string } | null;

/** A message to record on a case or lead: the stored fields, with its time and its attachments' bytes. */
export interface NewDeskMessage extends Omit<DeskMessageRow, 'id' | 'createdAt' | 'attachments' | 'messageIdReused'> {
  /** Only the intake knows; everything else the desk records is false. */
  readonly messageIdReused?: boolean;
  readonly now: number;
  readonly attachments: readonly {
    filename: string;
    originalFilename?: string | null;
    contentType: string;
    size: number;
    contentId: string | null;
    inline: boolean;
    content: AttachmentContent;
  }[];
}

/** A name for a new attachment blob, apart from queue ids (which are upper case). */
export function newAttachmentBlobId(): string {
  return `att-${randomToken(20)}`;
}

export async function insertDeskMessage(trx: Exec, m: NewDeskMessage): Promise<number> {
  const row = await trx
    .insertInto('desk_messages')
    .values({
      case_id: m.caseId,
      lead_id: m.leadId,
      direction: m.direction,
      message_id: m.messageId,
      in_reply_to: m.inReplyTo,
      from_name: m.from?.name ?? null,
      from_address: m.from?.address.toLowerCase() ?? null,
      recipients: JSON.stringify(m.recipients),
      subject: m.subject.slice(0, 998),
      text: m.text,
      html: m.html,
      queue_id: m.queueId,
      author: m.author,
      machine_kind: m.machineKind,
      message_id_reused: m.messageIdReused ? 1 : 0,
      created_at: m.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const a of m.attachments) {
    let blobId: string | null = null;
    if (a.content && 'bytes' in a.content) {
      blobId = newAttachmentBlobId();
      await insertChunks(trx, blobId, 0, a.content.bytes.length > 0 ? toChunks([a.content.bytes]) : [a.content.bytes]);
    } else if (a.content) {
      blobId = a.content.blobId;
      await unspool(trx, blobId);
    }
    await trx
      .insertInto('desk_attachments')
      .values({
        desk_message_id: row.id,
        filename: a.filename,
        original_filename: a.originalFilename ?? null,
        content_type: a.contentType,
        size: a.size,
        content_id: a.contentId,
        inline: a.inline ? 1 : 0,
        blob_id: blobId,
      })
      .execute();
  }
  return row.id;
}

/** What a desk message belongs to, by row id: a case or a lead. */
export type DeskMessageOwner = { readonly caseId: number } | { readonly leadId: number };

export async function loadDeskMessages(db: Exec, where: DeskMessageOwner): Promise<DeskMessageRow[]> {
  let q = db.selectFrom('desk_messages').selectAll();
  q = 'caseId' in where ? q.where('case_id', '=', where.caseId) : q.where('lead_id', '=', where.leadId);
  const rows = await q.orderBy('id').execute();
  const ids = rows.map((r) => r.id);
  const atts = ids.length
    ? await db
        .selectFrom('desk_attachments')
        .select(['id', 'desk_message_id', 'filename', 'original_filename', 'content_type', 'size', 'content_id', 'inline'])
        .where('desk_message_id', 'in', ids)
        .orderBy('id')
        .execute()
    : [];
  return rows.map((r) => ({
    id: r.id,
    caseId: r.case_id,
    leadId: r.lead_id,
    direction: r.direction,
    messageId: r.message_id,
    inReplyTo: r.in_reply_to,
    from: r.from_address ? { name: r.from_name ?? '', address: r.from_address } : null,
    recipients: JSON.parse(r.recipients) as { to: string[]; cc: string[] },
    subject: r.subject,
    text: r.text,
    html: r.html,
    queueId: r.queue_id,
    author: r.author,
    machineKind: r.machine_kind,
    messageIdReused: Number(r.message_id_reused) === 1,
    createdAt: r.created_at,
    attachments: atts
      .filter((a) => a.desk_message_id === r.id)
      .map((a) => ({
        id: a.id,
        filename: a.filename,
        originalFilename: a.original_filename,
        contentType: a.content_type,
        size: a.size,
        contentId: a.content_id,
        inline: Number(a.inline) === 1,
      })),
  }));
}

export interface CaseFilter {
  readonly status?: string;
  readonly channelId?: string;
  readonly assignee?: string | null;
  readonly search?: string;
  readonly limit?: number;
  readonly beforeNumber?: number;
  /** Route tests' cases: left out (default), the only ones listed, or listed with the others. */
  readonly tests?: 'hide' | 'only' | 'include';
  /** `breached`: cases still being worked (not solved or closed) with a breach recorded. */
  readonly sla?: 'breached';
  /** `number` (newest first, the default) or `due`: the nearest due time first, cases without one last. */
  readonly sort?: 'number' | 'due';
}

/** Breached and still being worked: what the breached view lists and its badge counts. */
function whereBreached<O>(q: SelectQueryBuilder<Database, 'desk_cases', O>): SelectQueryBuilder<Database, 'desk_cases', O> {
  return q
    .where((eb) => eb.or([eb('sla_first_response_breached_at', 'is not', null), eb('sla_resolution_breached_at', 'is not', null)]))
    .where('status', 'not in', ['solved', 'closed'])
    .where('is_test', '=', 0);
}

export async function countBreachedCases(db: Exec): Promise<number> {
  const r = await whereBreached(db.selectFrom('desk_cases').select((eb) => eb.fn.countAll().as('n'))).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Writes the case's SLA clock (its targets included: set when the case opens). */
export async function saveCaseSla(trx: Exec, caseId: number, clock: Omit<CaseSla, 'breachedAt'>): Promise<void> {
  await trx
    .updateTable('desk_cases')
    .set({
      sla_first_response_target: clock.targets.firstResponse,
      sla_resolution_target: clock.targets.resolution,
      sla_elapsed: clock.elapsed,
      sla_running_since: clock.runningSince,
      first_response_at: clock.firstResponseAt,
      sla_first_response_due: clock.firstResponseDue,
      sla_resolution_due: clock.resolutionDue,
    })
    .where('id', '=', caseId)
    .execute();
}

export type SlaTargetName = 'firstResponse' | 'resolution';

const SLA_COLUMNS = {
  firstResponse: { due: 'sla_first_response_due', breached: 'sla_first_response_breached_at' },
  resolution: { due: 'sla_resolution_due', breached: 'sla_resolution_breached_at' },
} as const;

/** Targets whose due time has come and whose breach is not recorded yet, oldest first. */
export async function findUnrecordedBreaches(
  db: Exec,
  now: number,
  limit: number,
): Promise<{ caseId: number; caseNumber: number; target: SlaTargetName; due: number }[]> {
  const out: { caseId: number; caseNumber: number; target: SlaTargetName; due: number }[] = [];
  for (const [target, col] of Object.entries(SLA_COLUMNS) as [SlaTargetName, (typeof SLA_COLUMNS)[SlaTargetName]][]) {
    const rows = await db
      .selectFrom('desk_cases')
      .select(['id', 'number', col.due])
      .where(col.due, '<=', now)
      .where(col.breached, 'is', null)
      .orderBy(col.due)
      .limit(limit)
      .execute();
    for (const r of rows) out.push({ caseId: r.id, caseNumber: r.number, target, due: Number((r as Record<string, unknown>)[col.due]) });
  }
  return out.sort((a, b) => a.due - b.due).slice(0, limit);
}

/**
 * Records a breach once: of the nodes that try at the same time, only one changes the row
 * (the others find it set and get false), so one of them alone tells the webhooks.
 */
export async function recordSlaBreach(trx: Exec, caseId: number, target: SlaTargetName, now: number): Promise<boolean> {
  const col = SLA_COLUMNS[target];
  const r = await trx
    .updateTable('desk_cases')
    .set({ [col.breached]: now })
    .where('id', '=', caseId)
    .where(col.breached, 'is', null)
    .where(col.due, '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function listCases(db: Db, f: CaseFilter = {}): Promise<CaseRow[]> {
  let q = db.selectFrom('desk_cases').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  if (f.channelId) q = q.where('channel_id', '=', f.channelId);
  if (f.assignee !== undefined) q = f.assignee === null ? q.where('assignee', 'is', null) : q.where('assignee', '=', f.assignee);
  if (f.beforeNumber !== undefined) q = q.where('number', '<', f.beforeNumber);
  const tests = f.tests ?? 'hide';
  if (tests !== 'include') q = q.where('is_test', '=', tests === 'only' ? 1 : 0);
  if (f.sla === 'breached') q = whereBreached(q);
  if (f.search) {
    const like = `%${f.search}%`;
    q = q.where((eb) =>
      eb.or([
        eb('subject', 'like', like),
        eb('requester_address', 'like', like),
        eb('requester_name', 'like', like),
        eb.exists(
          eb
            .selectFrom('desk_messages')
            .select('desk_messages.id')
            .whereRef('desk_messages.case_id', '=', 'desk_cases.id')
            .where('desk_messages.text', 'like', like),
        ),
      ]),
    );
  }
  if (f.sort === 'due') {
    // The nearer of the two due times; a case without either sorts after every case with one.
    const nearest = sql<number | null>`case
      when sla_first_response_due is null then sla_resolution_due
      when sla_resolution_due is null or sla_first_response_due < sla_resolution_due then sla_first_response_due
      else sla_resolution_due end`;
    q = q.orderBy(sql`case when ${nearest} is null then 1 else 0 end`).orderBy(nearest);
  }
  const rows = await q
    .orderBy('number', 'desc')
    .limit(Math.min(f.limit ?? 50, 500))
    .execute();
  const out: CaseRow[] = [];
  for (const r of rows) out.push(await withParticipants(db, r));
  return out;
}

export async function findLinkedCases(db: Exec, caseId: number): Promise<{ id: number; number: number; status: string; relation: 'previous' | 'follow-up' }[]> {
  const me = await db.selectFrom('desk_cases').select(['linked_to']).where('id', '=', caseId).executeTakeFirst();
  const out: { id: number; number: number; status: string; relation: 'previous' | 'follow-up' }[] = [];
  if (me?.linked_to) {
    const prev = await db.selectFrom('desk_cases').select(['id', 'number', 'status']).where('id', '=', me.linked_to).executeTakeFirst();
    if (prev) out.push({ ...prev, relation: 'previous' });
  }
  const next = await db.selectFrom('desk_cases').select(['id', 'number', 'status']).where('linked_to', '=', caseId).execute();
  for (const n of next) out.push({ ...n, relation: 'follow-up' });
  return out;
}

/**
 * One attachment of one message of one case or lead, with the blob that holds its bytes
 * (null when the intake left them out). The owner is part of the lookup, so an
 * attachment is found only through the case or lead its message belongs to.
 */
export async function loadAttachment(
  db: Exec,
  input: DeskMessageOwner & { messageId: number; attachmentId: number },
): Promise<{ filename: string; contentType: string; size: number; blobId: string | null } | null> {
  const q = db
    .selectFrom('desk_attachments')
    .innerJoin('desk_messages', 'desk_messages.id', 'desk_attachments.desk_message_id')
    .select(['desk_attachments.filename', 'desk_attachments.content_type', 'desk_attachments.size', 'desk_attachments.blob_id'])
    .where('desk_attachments.id', '=', input.attachmentId)
    .where('desk_messages.id', '=', input.messageId);
  const r = await (
    'caseId' in input ? q.where('desk_messages.case_id', '=', input.caseId) : q.where('desk_messages.lead_id', '=', input.leadId)
  ).executeTakeFirst();
  return r ? { filename: r.filename, contentType: r.content_type, size: r.size, blobId: r.blob_id } : null;
}

/**
 * The attachments of one message of one case or lead that have a Content-ID and kept bytes:
 * what its HTML can name with `cid:`. Found only through the owner, as loadAttachment.
 */
export async function loadContentIdParts(
  db: Exec,
  input: DeskMessageOwner & { messageId: number },
): Promise<{ contentId: string; contentType: string; size: number; blobId: string }[]> {
  const q = db
    .selectFrom('desk_attachments')
    .innerJoin('desk_messages', 'desk_messages.id', 'desk_attachments.desk_message_id')
    .select(['desk_attachments.content_id', 'desk_attachments.content_type', 'desk_attachments.size', 'desk_attachments.blob_id'])
    .where('desk_messages.id', '=', input.messageId)
    .where('desk_attachments.content_id', 'is not', null)
    .where('desk_attachments.blob_id', 'is not', null)
    .orderBy('desk_attachments.id');
  const rows = await ('caseId' in input ? q.where('desk_messages.case_id', '=', input.caseId) : q.where('desk_messages.lead_id', '=', input.leadId)).execute();
  return rows.map((r) => ({ contentId: r.content_id!, contentType: r.content_type, size: r.size, blobId: r.blob_id! }));
}
