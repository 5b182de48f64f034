import type { Selectable } from 'kysely';
import type { Db } from '../db.js';
import type { ImapMailboxTable } from '../schema.js';

export interface ImapMailboxRow {
  readonly channelId: string;
  readonly mailbox: string;
  readonly uidValidity: number | null;
  readonly lastUid: number;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number;
  readonly connectedAt: number | null;
  readonly lastTakenAt: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorAt: number | null;
}

const toRow = (r: Selectable<ImapMailboxTable>): ImapMailboxRow => ({
  channelId: r.channel_id,
  mailbox: r.mailbox,
  uidValidity: r.uid_validity === null ? null : Number(r.uid_validity),
  lastUid: Number(r.last_uid),
  leaseOwner: r.lease_owner,
  leaseUntil: Number(r.lease_until),
  connectedAt: r.connected_at === null ? null : Number(r.connected_at),
  lastTakenAt: r.last_taken_at === null ? null : Number(r.last_taken_at),
  lastSuccessAt: r.last_success_at === null ? null : Number(r.last_success_at),
  lastError: r.last_error,
  lastErrorCode: r.last_error_code,
  lastErrorAt: r.last_error_at === null ? null : Number(r.last_error_at),
});

/**
 * Takes or renews the lease on a channel's mailbox until `until`: granted to its holder, or
 * to anyone once it has expired (a node that died). Null when another node holds it. A
 * different mailbox (another host, user or folder) starts again from its first UID.
 */
export async function claimImapMailbox(
  db: Db,
  m: { channelId: string; mailbox: string; owner: string; now: number; until: number },
): Promise<ImapMailboxRow | null> {
  await db
    .insertInto('imap_mailboxes')
    .values({ channel_id: m.channelId, mailbox: m.mailbox, updated_at: m.now })
    .onConflict((oc) => oc.column('channel_id').doNothing())
    .execute();
  const r = await db
    .updateTable('imap_mailboxes')
    .set({ lease_owner: m.owner, lease_until: m.until, updated_at: m.now })
    .where('channel_id', '=', m.channelId)
    .where((eb) => eb.or([eb('lease_owner', '=', m.owner), eb('lease_owner', 'is', null), eb('lease_until', '<', m.now)]))
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return null;
  await db
    .updateTable('imap_mailboxes')
    .set({ mailbox: m.mailbox, uid_validity: null, last_uid: 0, last_taken_at: null })
    .where('channel_id', '=', m.channelId)
    .where('mailbox', '<>', m.mailbox)
    .execute();
  const row = await db.selectFrom('imap_mailboxes').selectAll().where('channel_id', '=', m.channelId).executeTakeFirstOrThrow();
  return toRow(row);
}

/** Lets another node take the mailbox at once (this one stops reading it). */
export async function releaseImapMailbox(db: Db, m: { channelId: string; owner: string; now: number }): Promise<void> {
  await db
    .updateTable('imap_mailboxes')
    .set({ lease_owner: null, lease_until: 0, connected_at: null, updated_at: m.now })
    .where('channel_id', '=', m.channelId)
    .where('lease_owner', '=', m.owner)
    .execute();
}

/**
 * Records a UID as taken, in the transaction that stores what it became. Fails (so the
 * transaction rolls back) when the lease has passed to another node: that node reads the
 * mailbox now, and would take the same UID.
 */
export async function recordImapTaken(trx: Db, m: { channelId: string; owner: string; uidValidity: number; uid: number; now: number }): Promise<void> {
  const r = await trx
    .updateTable('imap_mailboxes')
    .set({ uid_validity: m.uidValidity, last_uid: m.uid, last_taken_at: m.now, updated_at: m.now })
    .where('channel_id', '=', m.channelId)
    .where('lease_owner', '=', m.owner)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) {
    throw new Error(`the mailbox of channel ${m.channelId} is read by another node now; UID ${m.uid} is left to it`);
  }
}

/** A new UIDVALIDITY (the folder was rebuilt): its UIDs start again; the desk's dedupe keeps what was taken from a second effect. */
export async function restartImapMailbox(db: Db, m: { channelId: string; owner: string; uidValidity: number; now: number }): Promise<void> {
  await db
    .updateTable('imap_mailboxes')
    .set({ uid_validity: m.uidValidity, last_uid: 0, updated_at: m.now })
    .where('channel_id', '=', m.channelId)
    .where('lease_owner', '=', m.owner)
    .execute();
}

/** How the mailbox is doing, for the console: connected or not, the last good pass, the last error. */
export async function recordImapState(
  db: Db,
  m: { channelId: string; owner: string; now: number } & ({ kind: 'connected' } | { kind: 'success' } | { kind: 'error'; code: string; error: string }),
): Promise<void> {
  const set =
    m.kind === 'connected'
      ? { connected_at: m.now, last_error: null, last_error_code: null, last_error_at: null }
      : m.kind === 'success'
        ? { last_success_at: m.now, last_error: null, last_error_code: null, last_error_at: null }
        : { connected_at: null, last_error: m.error.slice(0, 1000), last_error_code: m.code, last_error_at: m.now };
  await db
    .updateTable('imap_mailboxes')
    .set({ ...set, updated_at: m.now })
    .where('channel_id', '=', m.channelId)
    .where('lease_owner', '=', m.owner)
    .execute();
}

export async function listImapMailboxes(db: Db): Promise<ImapMailboxRow[]> {
  const rows = await db.selectFrom('imap_mailboxes').selectAll().orderBy('channel_id').execute();
  return rows.map(toRow);
}
