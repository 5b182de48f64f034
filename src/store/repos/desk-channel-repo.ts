import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database } from '../schema.js';

export interface StoredChannel {
  readonly id: string;
  readonly name: string;
  readonly kind: 'support' | 'sales';
  readonly publicAddress: string | null;
  readonly autoAcknowledge: boolean;
  readonly verification: {
    readonly state: 'unverified' | 'pending' | 'verified' | 'failed';
    readonly nonce: string | null;
    readonly queueId: string | null;
    readonly sentAt: number | null;
    readonly verifiedAt: number | null;
    readonly detail: string | null;
  };
  readonly inboundAddresses: readonly { address: string; retired: boolean; createdAt: number }[];
}

export interface ChannelSpec {
  readonly name: string;
  readonly kind: 'support' | 'sales';
  readonly publicAddress?: string | undefined;
  readonly autoAcknowledge: boolean;
}

/**
 * Makes the stored channels follow the configuration: new channels get an id and a
 * generated inbound address (by `newAddress`); existing ones take the new settings and
 * keep their addresses. Channels no longer configured are kept (their cases stay).
 */
export async function syncDeskChannels(
  db: Kysely<Database> | Transaction<Database>,
  input: { channels: readonly ChannelSpec[]; now: number; newId: () => string; newAddress: (spec: ChannelSpec) => string },
): Promise<string[]> {
  const created: string[] = [];
  const trx = db;
  {
    for (const ch of input.channels) {
      const existing = await trx.selectFrom('desk_channels').select(['id']).where('name', '=', ch.name).executeTakeFirst();
      if (existing) {
        await trx
          .updateTable('desk_channels')
          .set({ kind: ch.kind, public_address: ch.publicAddress?.toLowerCase() ?? null, auto_acknowledge: ch.autoAcknowledge ? 1 : 0, updated_at: input.now })
          .where('id', '=', existing.id)
          .execute();
        continue;
      }
      const id = input.newId();
      await trx
        .insertInto('desk_channels')
        .values({
          id,
          name: ch.name,
          kind: ch.kind,
          public_address: ch.publicAddress?.toLowerCase() ?? null,
          auto_acknowledge: ch.autoAcknowledge ? 1 : 0,
          verification_state: 'unverified',
          verification_nonce: null,
          verification_queue_id: null,
          verification_sent_at: null,
          verified_at: null,
          verification_detail: null,
          created_at: input.now,
          updated_at: input.now,
        })
        .execute();
      const address = input.newAddress(ch);
      await trx.insertInto('desk_inbound_addresses').values({ address, channel_id: id, retired: 0, created_at: input.now, retired_at: null }).execute();
      created.push(`+ desk channel ${ch.name}: inbound address ${address}`);
    }
  }
  return created;
}

export async function listDeskChannels(db: Db): Promise<StoredChannel[]> {
  const rows = await db.selectFrom('desk_channels').selectAll().orderBy('created_at').orderBy('name').execute();
  const addresses = await db.selectFrom('desk_inbound_addresses').selectAll().orderBy('created_at').execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind === 'sales' ? 'sales' : 'support',
    publicAddress: r.public_address,
    autoAcknowledge: r.auto_acknowledge === 1,
    verification: {
      state: r.verification_state as StoredChannel['verification']['state'],
      nonce: r.verification_nonce,
      queueId: r.verification_queue_id,
      sentAt: r.verification_sent_at,
      verifiedAt: r.verified_at,
      detail: r.verification_detail,
    },
    inboundAddresses: addresses.filter((a) => a.channel_id === r.id).map((a) => ({ address: a.address, retired: a.retired === 1, createdAt: a.created_at })),
  }));
}

/** Retires the channel's current inbound addresses and issues `address`. */
/** Inside `db` when it is a transaction (a rotation saved with the configuration version that follows it). */
export async function rotateInboundAddress(db: Db | Transaction<Database>, input: { channelId: string; address: string; now: number }): Promise<void> {
  const rotate = async (trx: Transaction<Database>) => {
    await trx
      .updateTable('desk_inbound_addresses')
      .set({ retired: 1, retired_at: input.now })
      .where('channel_id', '=', input.channelId)
      .where('retired', '=', 0)
      .execute();
    await trx
      .insertInto('desk_inbound_addresses')
      .values({ address: input.address, channel_id: input.channelId, retired: 0, created_at: input.now, retired_at: null })
      .execute();
  };
  if (db.isTransaction) await rotate(db as Transaction<Database>);
  else await db.transaction().execute(rotate);
}

export async function currentInboundAddresses(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('desk_inbound_addresses').select('address').where('retired', '=', 0).execute();
  return rows.map((r) => r.address);
}

export async function saveVerification(
  db: Kysely<Database> | Transaction<Database>,
  input: {
    channelId: string;
    state: StoredChannel['verification']['state'];
    nonce?: string | null;
    queueId?: string | null;
    sentAt?: number | null;
    verifiedAt?: number | null;
    detail?: string | null;
    now: number;
  },
): Promise<void> {
  await db
    .updateTable('desk_channels')
    .set({
      verification_state: input.state,
      ...(input.nonce !== undefined ? { verification_nonce: input.nonce } : {}),
      ...(input.queueId !== undefined ? { verification_queue_id: input.queueId } : {}),
      ...(input.sentAt !== undefined ? { verification_sent_at: input.sentAt } : {}),
      ...(input.verifiedAt !== undefined ? { verified_at: input.verifiedAt } : {}),
      ...(input.detail !== undefined ? { verification_detail: input.detail } : {}),
      updated_at: input.now,
    })
    .where('id', '=', input.channelId)
    .execute();
}

/**
 * Whether the desk takes mail for `address` at RCPT time: a current channel address, or a
 * per-case reply address (`reply+…`) on a current channel's host (its signature is
 * checked at intake). Retired and unknown addresses get 550 5.1.1.
 */
export async function deskTakesAddress(db: Db, address: string): Promise<boolean> {
  const a = address.toLowerCase();
  const exact = await db.selectFrom('desk_inbound_addresses').select('retired').where('address', '=', a).executeTakeFirst();
  if (exact) return exact.retired === 0;
  const at = a.lastIndexOf('@');
  if (at < 0 || !a.startsWith('reply+')) return false;
  const host = a.slice(at + 1);
  const sameHost = await db
    .selectFrom('desk_inbound_addresses')
    .select('address')
    .where('address', 'like', `%@${host.replace(/[\\%_]/g, (c) => `\\${c}`)}`)
    .executeTakeFirst();
  return sameHost !== undefined;
}
