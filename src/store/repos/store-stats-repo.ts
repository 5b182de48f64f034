import { stat } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Db, StoreHandle } from '../db.js';

/**
 * What the store holds, by kind, for `relaydesk store stats`: rows, bytes and the oldest
 * item of each. Chunk bytes are summed from their lengths, which SQLite reads without the
 * overflow pages and PostgreSQL from the TOAST pointer; a table's bytes come from dbstat
 * (SQLite) or pg_total_relation_size (PostgreSQL), indexes included.
 */
export type StoreKind = 'bodies' | 'traces' | 'deliveries' | 'log' | 'quarantine' | 'deskAttachments' | 'setAside' | 'spool';

export interface KindStats {
  readonly rows: number;
  readonly bytes: number;
  /** When the oldest item was received, written or set aside; null when there is none. */
  readonly oldest: number | null;
}

export interface StoreStats {
  readonly kinds: Readonly<Record<StoreKind, KindStats>>;
  /** Log entries whose body, deliveries and trace retention removed. */
  readonly purgedLogEntries: number;
  /** The whole store on disk: the file and its WAL (SQLite), or the database (PostgreSQL). */
  readonly onDisk: { readonly bytes: number; readonly file?: number; readonly wal?: number; readonly freeInside?: number };
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const time = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function loadStoreStats(store: Pick<StoreHandle, 'db' | 'caps' | 'where'>): Promise<StoreStats> {
  const { db } = store;
  const chunks = await sql<{ kind: string; bytes: unknown }>`
    select case when blob_id in (select blob_id from spool) then 'spool' when blob_id like 'att-%' then 'att' else 'body' end as kind,
           sum(length(data)) as bytes
    from blob_chunks group by 1`.execute(db);
  const chunkBytes = (kind: string) => num(chunks.rows.find((r) => r.kind === kind)?.bytes);
  const tableBytes = store.caps.sizeSource === 'file' ? (t: string) => sqliteTableBytes(db, t) : (t: string) => catalogTableBytes(db, t);

  const [messages, traces, deliveries, held, attachments, suspended, failed, spool] = await Promise.all([
    db
      .selectFrom('messages')
      .select((eb) => [
        eb.fn.countAll().as('n'),
        eb.fn.count('body_purged_at').as('purged'),
        eb.fn.min('received_at').as('oldest'),
        eb.fn.min(eb.case().when('body_purged_at', 'is', null).then(eb.ref('received_at')).end()).as('oldestKept'),
      ])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('trace_events')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('at').as('oldest')])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('deliveries')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('created_at').as('oldest')])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('messages')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('size').as('bytes'), eb.fn.min('received_at').as('oldest')])
      .where('queue_id', 'in', db.selectFrom('deliveries').select('queue_id').where('status', '=', 'held'))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('desk_attachments as a')
      .innerJoin('desk_messages as dm', 'dm.id', 'a.desk_message_id')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('dm.created_at').as('oldest')])
      .where('a.blob_id', 'is not', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('desk_suspended')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('created_at').as('oldest')])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('desk_failed')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('created_at').as('oldest')])
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('spool')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('started_at').as('oldest')])
      .executeTakeFirstOrThrow(),
  ]);
  const [messagesBytes, traceBytes, deliveryBytes, suspendedBytes, failedBytes] = await Promise.all(
    ['messages', 'trace_events', 'deliveries', 'desk_suspended', 'desk_failed'].map(tableBytes),
  );
  const oldestOf = (...ts: unknown[]) => {
    const known = ts.map(time).filter((t): t is number => t !== null);
    return known.length ? Math.min(...known) : null;
  };
  return {
    kinds: {
      bodies: { rows: num(messages.n) - num(messages.purged), bytes: chunkBytes('body'), oldest: time(messages.oldestKept) },
      traces: { rows: num(traces.n), bytes: traceBytes!, oldest: time(traces.oldest) },
      deliveries: { rows: num(deliveries.n), bytes: deliveryBytes!, oldest: time(deliveries.oldest) },
      log: { rows: num(messages.n), bytes: messagesBytes!, oldest: time(messages.oldest) },
      quarantine: { rows: num(held.n), bytes: num(held.bytes), oldest: time(held.oldest) },
      deskAttachments: { rows: num(attachments.n), bytes: chunkBytes('att'), oldest: time(attachments.oldest) },
      setAside: { rows: num(suspended.n) + num(failed.n), bytes: suspendedBytes! + failedBytes!, oldest: oldestOf(suspended.oldest, failed.oldest) },
      spool: { rows: num(spool.n), bytes: chunkBytes('spool'), oldest: time(spool.oldest) },
    },
    purgedLogEntries: num(messages.purged),
    onDisk:
      store.caps.sizeSource === 'file'
        ? await sqliteOnDisk(db, store.where)
        : { bytes: num((await sql<{ bytes: unknown }>`select pg_database_size(current_database()) as bytes`.execute(db)).rows[0]?.bytes) },
  };
}

/** A table and its indexes, from dbstat (which better-sqlite3's SQLite is built with): only those b-trees are read. */
async function sqliteTableBytes(db: Db, table: string): Promise<number> {
  const trees = await sql<{ name: string }>`select name from sqlite_schema where tbl_name = ${table} and type in ('table', 'index')`.execute(db);
  let bytes = 0;
  for (const { name } of trees.rows) {
    const r = await sql<{ bytes: unknown }>`select sum(pgsize) as bytes from dbstat where name = ${name} and aggregate = 1`.execute(db);
    bytes += num(r.rows[0]?.bytes);
  }
  return bytes;
}

async function catalogTableBytes(db: Db, table: string): Promise<number> {
  const r = await sql<{ bytes: unknown }>`select pg_total_relation_size(${table}::regclass) as bytes`.execute(db);
  return num(r.rows[0]?.bytes);
}

async function sqliteOnDisk(db: Db, file: string): Promise<StoreStats['onDisk']> {
  const size = async (f: string) => (await stat(f).catch(() => null))?.size ?? 0;
  const [main, wal] = await Promise.all([size(file), size(`${file}-wal`)]);
  const page = num((await sql<{ page_size: unknown }>`pragma page_size`.execute(db)).rows[0]?.page_size);
  const free = num((await sql<{ freelist_count: unknown }>`pragma freelist_count`.execute(db)).rows[0]?.freelist_count);
  return { bytes: main + wal, file: main, wal, freeInside: free * page };
}
