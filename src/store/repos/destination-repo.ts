import type { Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database } from '../schema.js';

/**
 * Pacing per destination, shared by every node of the store (outbound/pacing.ts decides,
 * outbound/io/pacing-gate.ts asks). A connection slot is a row keyed by its number below the
 * destination's limit, so two nodes cannot take the same one; a slot whose lease ran out
 * (its node died, or lost the store) is anyone's. The minute's count is raised by a
 * conditional update, so the cap holds across nodes too.
 */

export interface DestinationState {
  readonly destination: string;
  readonly minuteStart: number;
  readonly minuteCount: number;
  readonly slow: { readonly level: number; readonly at: number };
  readonly tryLater: number;
  readonly deferred: number;
  readonly lastReason: string | null;
  readonly lastReasonAt: number | null;
  /** Connection failures in a row. */
  readonly failures: number;
  /** Set while the destination is down (outbound/dead-destination.ts). */
  readonly down: { readonly since: number; readonly probeAt: number; readonly probing: { readonly owner: string; readonly until: number } | null } | null;
}

/** A slot, or why there is none, with the limit that was in force; `state` as read in the same transaction. */
export type SlotAnswer = (
  | { readonly kind: 'slot'; readonly slot: number }
  | { readonly kind: 'connections'; readonly limit: number }
  | { readonly kind: 'rate'; readonly limit: number }
) & { readonly state: DestinationState };

/**
 * Takes a connection slot of `destination` for `owner` until `until` and counts one attempt in
 * the minute starting at `minute`. `limitNow` says, from the stored slow-down, how many
 * connections and messages a minute are allowed now. The slot is one below that number that
 * is free, expired, or the owner's own and not in `busy` (its idle connection is used
 * again). No slot: `connections`; the minute's count reached: `rate`, and the slot is given back.
 */
export async function takeDestinationSlot(
  db: Db,
  input: {
    destination: string;
    owner: string;
    now: number;
    until: number;
    minute: number;
    limitNow: (slow: DestinationState['slow']) => { readonly connections: number; readonly perMinute: number | null };
    busy: readonly number[];
  },
): Promise<SlotAnswer> {
  const { destination, owner, now, until, minute } = input;
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('destinations')
      .values({ destination, updated_at: now })
      .onConflict((oc) => oc.column('destination').doNothing())
      .execute();
    const state = stateOf(await trx.selectFrom('destinations').selectAll().where('destination', '=', destination).executeTakeFirstOrThrow());
    const limit = input.limitNow(state.slow);
    const rows = await trx.selectFrom('destination_slots').select(['slot', 'owner', 'until']).where('destination', '=', destination).execute();
    const held = new Map(rows.map((r) => [r.slot, { owner: r.owner, until: Number(r.until) }]));
    const candidates: number[] = [];
    for (let i = 0; i < limit.connections; i++) if (!input.busy.includes(i)) candidates.push(i);
    // Our own idle slot first (its pooled connection is still open), then a free one, then an expired one.
    const rank = (i: number) => {
      const h = held.get(i);
      return h === undefined ? 1 : h.owner === owner ? 0 : h.until <= now ? 2 : 3;
    };
    candidates.sort((x, y) => rank(x) - rank(y) || x - y);
    let got: number | null = null;
    for (const slot of candidates) {
      const r = rank(slot);
      if (r === 3) break;
      if (r === 1) {
        const ins = await trx
          .insertInto('destination_slots')
          .values({ destination, slot, owner, until })
          .onConflict((oc) => oc.columns(['destination', 'slot']).doNothing())
          .executeTakeFirst();
        if (Number(ins.numInsertedOrUpdatedRows ?? 0) > 0) got = slot;
      } else {
        const upd = await trx
          .updateTable('destination_slots')
          .set({ owner, until })
          .where('destination', '=', destination)
          .where('slot', '=', slot)
          .where((eb) => eb.or([eb('owner', '=', owner), eb('until', '<=', now)]))
          .executeTakeFirst();
        if (Number(upd.numUpdatedRows) > 0) got = slot;
      }
      if (got !== null) break;
    }
    if (got === null) return { kind: 'connections', limit: limit.connections, state } as const;
    if (limit.perMinute !== null && !(await countDestinationMessage(trx, { destination, now, minute, perMinute: limit.perMinute }))) {
      await trx.deleteFrom('destination_slots').where('destination', '=', destination).where('slot', '=', got).where('owner', '=', owner).execute();
      return { kind: 'rate', limit: limit.perMinute, state } as const;
    }
    return { kind: 'slot', slot: got, state } as const;
  });
}

/**
 * Counts one attempt in the minute starting at `minute` unless `perMinute` of them are
 * counted already (false). One conditional update, so the cap holds across nodes.
 */
export async function countDestinationMessage(
  db: Db | Transaction<Database>,
  input: { destination: string; now: number; minute: number; perMinute: number },
): Promise<boolean> {
  const { minute, perMinute } = input;
  const counted = await db
    .updateTable('destinations')
    .set((eb) => ({
      minute_count: eb
        .case()
        .when('minute_start', '=', minute)
        .then(eb('minute_count', '+', 1))
        .else(1)
        .end(),
      minute_start: minute,
      updated_at: input.now,
    }))
    .where('destination', '=', input.destination)
    .where((eb) => eb.or([eb('minute_start', '<>', minute), eb('minute_count', '<', perMinute)]))
    .executeTakeFirst();
  return Number(counted.numUpdatedRows) > 0;
}

/** Extends the leases of slots in use (a long attempt); a slot taken over meanwhile is not touched. */
export async function renewDestinationSlots(
  db: Db,
  input: { owner: string; slots: readonly { destination: string; slot: number }[]; until: number },
): Promise<void> {
  for (const s of input.slots) {
    await db
      .updateTable('destination_slots')
      .set({ until: input.until })
      .where('destination', '=', s.destination)
      .where('slot', '=', s.slot)
      .where('owner', '=', input.owner)
      .execute();
  }
}

/** Gives slots an owner no longer uses back to every node; a slot taken over meanwhile is not touched. */
export async function giveBackDestinationSlots(db: Db, input: { owner: string; slots: readonly { destination: string; slot: number }[] }): Promise<void> {
  for (const s of input.slots)
    await db.deleteFrom('destination_slots').where('destination', '=', s.destination).where('slot', '=', s.slot).where('owner', '=', input.owner).execute();
}

/** A delivery ends a run of "try later" replies. */
export async function clearTryLater(db: Db, destination: string): Promise<void> {
  await db.updateTable('destinations').set({ try_later: 0 }).where('destination', '=', destination).where('try_later', '>', 0).execute();
}

/**
 * A node starting takes the slots of its own earlier runs (owners `<nodeName>/…` other than
 * `owner`) back at once: that process is gone, and its connections with it.
 */
export async function dropEarlierRunSlots(db: Db, input: { nodeName: string; owner: string }): Promise<number> {
  const owners = await db.selectFrom('destination_slots').select('owner').distinct().execute();
  const earlier = owners.map((o) => o.owner).filter((o) => o.startsWith(`${input.nodeName}/`) && o !== input.owner);
  if (earlier.length === 0) return 0;
  const r = await db.deleteFrom('destination_slots').where('owner', 'in', earlier).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Gives back every slot of an owner (a node stopping: its pools are closed). */
export async function dropDestinationSlots(db: Db, owner: string): Promise<number> {
  const r = await db.deleteFrom('destination_slots').where('owner', '=', owner).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function loadDestination(db: Db, destination: string): Promise<DestinationState | null> {
  const r = await db.selectFrom('destinations').selectAll().where('destination', '=', destination).executeTakeFirst();
  return r ? stateOf(r) : null;
}

/** Deliveries held back or deferred: counted, with the reason, for the dashboard. */
export async function recordDestinationDeferral(db: Db, input: { destination: string; now: number; count: number; reason: string }): Promise<void> {
  await db
    .insertInto('destinations')
    .values({ destination: input.destination, deferred: input.count, last_reason: input.reason, last_reason_at: input.now, updated_at: input.now })
    .onConflict((oc) =>
      oc.column('destination').doUpdateSet((eb) => ({
        deferred: eb('destinations.deferred', '+', input.count),
        last_reason: input.reason,
        last_reason_at: input.now,
        updated_at: input.now,
      })),
    )
    .execute();
}

/** A "try later" reply: the new slow-down (decided from the state read before), one more in the run. */
export async function recordTryLater(
  db: Db,
  input: { destination: string; now: number; count: number; reason: string; slow: { level: number; at: number } },
): Promise<void> {
  const { slow } = input;
  await db
    .insertInto('destinations')
    .values({
      destination: input.destination,
      slow_level: slow.level,
      slow_at: slow.at,
      try_later: 1,
      deferred: input.count,
      last_reason: input.reason,
      last_reason_at: input.now,
      updated_at: input.now,
    })
    .onConflict((oc) =>
      oc.column('destination').doUpdateSet((eb) => ({
        slow_level: slow.level,
        slow_at: slow.at,
        try_later: eb('destinations.try_later', '+', 1),
        deferred: eb('destinations.deferred', '+', input.count),
        last_reason: input.reason,
        last_reason_at: input.now,
        updated_at: input.now,
      })),
    )
    .execute();
}

/** Destinations with something to show: held back or deferred, or slowed down; the latest first. */
export async function loadDestinations(db: Db, limit = 50): Promise<DestinationState[]> {
  const rows = await db
    .selectFrom('destinations')
    .selectAll()
    .where((eb) => eb.or([eb('deferred', '>', 0), eb('slow_level', '>', 0), eb('down_since', 'is not', null)]))
    .orderBy('last_reason_at', 'desc')
    .orderBy('destination')
    .limit(limit)
    .execute();
  return rows.map(stateOf);
}

function stateOf(r: {
  failures: number;
  down_since: number | null;
  probe_at: number | null;
  probe_owner: string | null;
  probe_until: number | null;
  destination: string;
  minute_start: number;
  minute_count: number;
  slow_level: number;
  slow_at: number;
  try_later: number;
  deferred: number;
  last_reason: string | null;
  last_reason_at: number | null;
}): DestinationState {
  return {
    destination: r.destination,
    minuteStart: Number(r.minute_start),
    minuteCount: Number(r.minute_count),
    slow: { level: Number(r.slow_level), at: Number(r.slow_at) },
    tryLater: Number(r.try_later),
    deferred: Number(r.deferred),
    lastReason: r.last_reason,
    lastReasonAt: r.last_reason_at === null ? null : Number(r.last_reason_at),
    failures: Number(r.failures),
    down:
      r.down_since === null
        ? null
        : {
            since: Number(r.down_since),
            probeAt: Number(r.probe_at ?? r.down_since),
            probing: r.probe_owner !== null && r.probe_until !== null ? { owner: r.probe_owner, until: Number(r.probe_until) } : null,
          },
  };
}

/**
 * A connection to the destination failed: one more in the run; the run reaching `deadAfter`
 * marks it down, first probe at `now + firstProbeMs`. A failed probe (by `prober`, who holds
 * the claim) doubles the wait up to `maxProbeMs` and gives the claim up. Returns the state after.
 */
export async function recordConnectionFailure(
  db: Db,
  input: { destination: string; now: number; deadAfter: number; firstProbeMs: number; maxProbeMs: number; prober?: string },
): Promise<DestinationState> {
  const { destination, now, deadAfter, firstProbeMs, maxProbeMs } = input;
  await db
    .insertInto('destinations')
    .values({ destination, updated_at: now })
    .onConflict((oc) => oc.column('destination').doNothing())
    .execute();
  if (input.prober !== undefined) {
    await db
      .updateTable('destinations')
      .set((eb) => ({
        failures: eb('failures', '+', 1),
        probe_interval: eb
          .case()
          .when(eb('probe_interval', '*', 2), '>', maxProbeMs)
          .then(maxProbeMs)
          .else(eb('probe_interval', '*', 2))
          .end(),
        probe_at: eb
          .case()
          .when(eb('probe_interval', '*', 2), '>', maxProbeMs)
          .then(now + maxProbeMs)
          .else(eb(eb.val(now), '+', eb('probe_interval', '*', 2)))
          .end(),
        probe_owner: null,
        probe_until: null,
        updated_at: now,
      }))
      .where('destination', '=', destination)
      .where('probe_owner', '=', input.prober)
      .execute();
  } else {
    await db
      .updateTable('destinations')
      .set((eb) => ({
        failures: eb('failures', '+', 1),
        down_since: eb
          .case()
          .when('down_since', 'is not', null)
          .then(eb.ref('down_since'))
          .when('failures', '>=', deadAfter - 1)
          .then(now)
          .else(null)
          .end(),
        probe_at: eb
          .case()
          .when('down_since', 'is not', null)
          .then(eb.ref('probe_at'))
          .when('failures', '>=', deadAfter - 1)
          .then(now + firstProbeMs)
          .else(null)
          .end(),
        probe_interval: eb.case().when('down_since', 'is not', null).then(eb.ref('probe_interval')).else(firstProbeMs).end(),
        updated_at: now,
      }))
      .where('destination', '=', destination)
      .execute();
  }
  return stateOf(await db.selectFrom('destinations').selectAll().where('destination', '=', destination).executeTakeFirstOrThrow());
}

/**
 * The destination answered: the run of failures ends and a down destination is up again.
 * True when it was down (its held deliveries may go now).
 */
export async function recordConnectionSuccess(db: Db, input: { destination: string; now: number }): Promise<boolean> {
  const was = await db.selectFrom('destinations').select('down_since').where('destination', '=', input.destination).executeTakeFirst();
  await db
    .updateTable('destinations')
    .set({ failures: 0, down_since: null, probe_at: null, probe_interval: 0, probe_owner: null, probe_until: null, updated_at: input.now })
    .where('destination', '=', input.destination)
    .where((eb) => eb.or([eb('failures', '>', 0), eb('down_since', 'is not', null)]))
    .execute();
  return was?.down_since !== null && was?.down_since !== undefined;
}

/**
 * Claims the probe of a down destination for `owner` until `until`: only when its time has
 * come and nobody else holds an unexpired claim. One conditional update, so one node probes.
 */
export async function claimDestinationProbe(db: Db, input: { destination: string; owner: string; now: number; until: number }): Promise<boolean> {
  const r = await db
    .updateTable('destinations')
    .set({ probe_owner: input.owner, probe_until: input.until, updated_at: input.now })
    .where('destination', '=', input.destination)
    .where('down_since', 'is not', null)
    .where('probe_at', '<=', input.now)
    .where((eb) => eb.or([eb('probe_owner', 'is', null), eb('probe_until', '<=', input.now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * A destination is up again: the deliveries held for it (their last reply is `reason`) are
 * due now rather than at the next probe. Returns how many.
 */
export async function releaseHeldDeliveries(db: Db, input: { reason: string; now: number }): Promise<number> {
  const r = await db
    .updateTable('deliveries')
    .set({ next_attempt_at: input.now })
    .where('status', '=', 'deferred')
    .where('last_reply', '=', input.reason)
    .where('next_attempt_at', '>', input.now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
