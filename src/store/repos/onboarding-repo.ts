import type { Db } from '../db.js';

/**
 * What the console's first-steps checklist reads from the store besides the configuration.
 * Proofs that something worked once are kept as marks in the per-installation key/value table
 * (`secrets`, under an `onboarding:` prefix, never secret themselves): the mail that proved it
 * is purged with retention, the fact that it was proved is not.
 */
export type OnboardingMark = 'route-tested' | 'direct-delivery';

const key = (mark: OnboardingMark) => `onboarding:${mark}`;

export async function loadOnboardingMarks(db: Db): Promise<ReadonlySet<OnboardingMark>> {
  const rows = await db
    .selectFrom('secrets')
    .select('name')
    .where('name', 'in', [key('route-tested'), key('direct-delivery')])
    .execute();
  return new Set(rows.map((r) => r.name.slice('onboarding:'.length) as OnboardingMark));
}

/** The first proof wins; `value` says what proved it (a queue id, a next hop's reply). */
export async function recordOnboardingMark(db: Db, mark: OnboardingMark, value: string): Promise<void> {
  await db
    .insertInto('secrets')
    .values({ name: key(mark), value })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

/**
 * The queue id of a route test (mail the console sent as `route-test@<node>`) that reached
 * its destination, or null: a delivery still in the store, or the summary a purge left.
 */
export async function findDeliveredRouteTest(db: Db): Promise<string | null> {
  const live = await db
    .selectFrom('messages')
    .innerJoin('deliveries', 'deliveries.queue_id', 'messages.queue_id')
    .select('messages.queue_id')
    .where('messages.mail_from', 'like', 'route-test@%')
    .where('deliveries.status', '=', 'delivered')
    .limit(1)
    .executeTakeFirst();
  if (live) return live.queue_id;
  const purged = await db
    .selectFrom('messages')
    .select('queue_id')
    .where('mail_from', 'like', 'route-test@%')
    .where('delivery_summary', 'like', '%"status":"delivered"%')
    .limit(1)
    .executeTakeFirst();
  return purged?.queue_id ?? null;
}
