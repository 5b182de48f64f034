import type { Logger } from '../../base/log.js';
import { giveBackDestinationSlots, loadDestination, releaseHeldDeliveries, renewDestinationSlots, type Db } from '../../store/index.js';
import { ATTEMPT_LEASE_MS, forgettable, sweepSlots } from '../destination-slots.js';
import { learn, view, type Destination, type OwnSlot } from './known-destination.js';
import { POOL_IDLE_CLOSE_MS } from './smtp-sender.js';

/**
 * After an attempt the process keeps the slot while its pooled connection may still be open
 * (a pool idle that long is closed at the next sweep), and uses it again first.
 */
const IDLE_HOLD_MS = 2 * POOL_IDLE_CLOSE_MS + 5_000;

/**
 * One sweep of a process's slots (what to do with each: destination-slots.ts sweepSlots):
 * releases once more the deliveries held for destinations back up (`late`: their reasons),
 * renews the leases of slots in use that run low, gives back slots idle longer than
 * IDLE_HOLD_MS (or whose lease runs low), forgets destinations with nothing left to
 * remember, and reads the shared state of the others again.
 */
export async function sweepDestinations(
  deps: { readonly db: Db; readonly owner: string; readonly now: () => number; readonly logger?: Logger | undefined },
  destinations: Map<string, Destination>,
  late: readonly string[],
): Promise<void> {
  const now = deps.now();
  const renew: { destination: string; slot: number; h: OwnSlot }[] = [];
  const giveBack: { destination: string; slot: number }[] = [];
  for (const d of destinations.values()) {
    const work = sweepSlots(d.held, now, IDLE_HOLD_MS);
    for (const slot of work.renew) renew.push({ destination: d.name, slot, h: d.held.get(slot)! });
    for (const slot of work.giveBack) {
      d.held.delete(slot);
      giveBack.push({ destination: d.name, slot });
    }
    if (forgettable(view(d), d.entering)) destinations.delete(d.name);
  }
  const { db, owner, logger } = deps;
  for (const reason of late) await releaseHeldDeliveries(db, { reason, now }).catch(() => 0);
  if (renew.length > 0) {
    const until = now + ATTEMPT_LEASE_MS;
    try {
      await renewDestinationSlots(db, { owner, slots: renew, until });
      for (const r of renew) r.h.until = until;
    } catch (e) {
      logger?.warn({ component: 'outbound', err: (e as Error).message }, 'pacing: cannot renew the slots in use; they expire unless renewed later');
    }
  }
  if (giveBack.length > 0)
    await giveBackDestinationSlots(db, { owner, slots: giveBack }).catch((e: unknown) =>
      logger?.debug({ component: 'outbound', err: (e as Error).message }, 'pacing: idle slots not given back; their leases expire'),
    );
  for (const d of destinations.values()) {
    const state = await loadDestination(db, d.name).catch(() => null);
    if (state) learn(d, state);
  }
}
