import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from '../db.js';
import type { Database, DeliveryStatus } from '../schema.js';
import { insertReceivedMany, type ReceivedRecord } from './message-repo.js';
import { appendOrMergeTrace, appendTrace, type TraceEvent } from './trace-repo.js';
import { storeInMailbox, type MailboxEntry } from './mailbox-repo.js';
import { recordStatements, rowIndexes, rowSlices, runCompiledRows } from '../compiled-once.js';
import type { ThreadStatement } from '../chunk-write.js';

/**
 * The end of a delivery attempt in the store: its results under the claim it was made under,
 * its trace, and what it causes (DSNs, mailbox entries), on the connection (`completeIn`) or
 * as statements for the store's thread (`completionStatements`).
 */

export interface AttemptResult {
  readonly id: number;
  readonly status: Extract<DeliveryStatus, 'delivered' | 'deferred' | 'bounced' | 'expired'>;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastReply: string | null;
}

/**
 * Records attempt outcomes, their trace, and any messages they cause (DSNs) in one
 * transaction, so a bounce is never recorded without its DSN (nor a mailbox
 * delivery without its mailbox entry), or the reverse.
 * Only rows still leased by `owner` (the claim's own token) change: a release, a delete,
 * or another node that took the delivery over after this lease expired is not overwritten,
 * and then the attempt's trace and messages are not recorded either.
 */
export interface AttemptCompletion {
  readonly owner: string;
  readonly now: number;
  readonly results: readonly AttemptResult[];
  readonly trace: readonly TraceEvent[];
  readonly newMessages: readonly ReceivedRecord[];
  readonly mailbox?: readonly Omit<MailboxEntry, 'id'>[];
}

/**
 * Several attempts' completions in one transaction (outcomes kept while the store was away).
 * Resolves, for each, whether it was recorded (false: its lease was no longer its own).
 */
export async function completeMany(db: Db, inputs: readonly AttemptCompletion[]): Promise<boolean[]> {
  return db.transaction().execute((trx) => completeIn(trx, inputs));
}

/** completeMany inside a transaction of the caller's (the node's group commit, StoreWriter). */
export async function completeIn(trx: Transaction<Database>, inputs: readonly AttemptCompletion[]): Promise<boolean[]> {
  const updated = await recordResults(trx, inputs);
  const recorded = inputs.map((input, i) => input.results.length === 0 || updated[i]!);
  const kept = inputs.filter((_, i) => recorded[i]);
  await appendOrMergeTrace(
    trx,
    kept.flatMap((input) => input.trace),
  );
  for (const input of kept) for (const e of input.mailbox ?? []) await storeInMailbox(trx, e);
  await insertReceivedMany(
    trx,
    kept.flatMap((input) => input.newMessages),
  );
  return recorded;
}

/**
 * Whether `completionStatements` can take a completion: one that adds no mail (a DSN), no
 * mailbox entry and merges no trace line, so nothing it writes depends on what it reads.
 * Most are: a delivery, a deferral, a hold.
 */
export function compilesAhead(input: AttemptCompletion): boolean {
  return input.newMessages.length === 0 && (input.mailbox?.length ?? 0) === 0 && !input.trace.some((e) => e.merge);
}

/**
 * `completeIn` for completions that all `compilesAhead`, as statements compiled here to run
 * elsewhere (the store's thread, see StoreWriter) without reading what they did. Each UPDATE
 * of results expects every one of its rows to change: if a claim is gone (a lease that
 * expired, a delivery taken over or deleted), the thread rolls the whole batch back and it is
 * run by `completeIn`, which records the others. Null for a batch that names a delivery twice
 * (`completeIn` updates it in rounds).
 */
export async function completionStatements(db: Db, inputs: readonly AttemptCompletion[]): Promise<ThreadStatement[] | null> {
  const rows = inputs.flatMap((input) => input.results.map((r) => resultRow(input, r)));
  if (new Set(rows.map((r) => r[0])).size !== rows.length) return null;
  const recorder = db as unknown as Kysely<never>;
  const slices = rowSlices(rows.length);
  const updates = await recordStatements(recorder, (trx) => updateResults(trx as unknown as Transaction<Database>, rows));
  if (updates.length !== slices.length) throw new Error(`${updates.length} statements for ${slices.length} slices of results`);
  const trace = await recordStatements(recorder, (trx) =>
    appendTrace(
      trx as unknown as Transaction<Database>,
      inputs.flatMap((input) => input.trace),
    ),
  );
  return [...updates.map((st, i) => ({ ...st, expectRows: slices[i]! })), ...trace];
}

/** A result as the row `updateResults` binds: (id, owner, status, attempts, next attempt, reply, now). */
function resultRow(input: AttemptCompletion, r: AttemptResult): unknown[] {
  return [r.id, input.owner, r.status, r.attempts, r.nextAttemptAt, r.lastReply, input.now];
}

/**
 * The results of all inputs, each row only under its input's claim; says for each input
 * whether any of its rows changed. One statement for a batch: a delivery appears at most
 * once in it, since RETURNING can name only the updated row (its claim is gone by then);
 * a delivery in the batch twice (an attempt under a lease that expired, and another under
 * the next claim) goes in a later statement, in the batch's order, as one by one.
 */
async function recordResults(trx: Transaction<Database>, inputs: readonly AttemptCompletion[]): Promise<boolean[]> {
  const changed = inputs.map(() => false);
  let rounds: { input: number; row: unknown[] }[] = [];
  for (const [i, input] of inputs.entries()) {
    for (const r of input.results) rounds.push({ input: i, row: resultRow(input, r) });
  }
  while (rounds.length > 0) {
    const seen = new Set<unknown>();
    const now: typeof rounds = [];
    const later: typeof rounds = [];
    for (const x of rounds) {
      if (seen.has(x.row[0])) later.push(x);
      else {
        seen.add(x.row[0]);
        now.push(x);
      }
    }
    const ids = new Set(
      (
        await updateResults(
          trx,
          now.map((x) => x.row),
        )
      ).map((r) => Number(r.id)),
    );
    for (const x of now) if (ids.has(x.row[0] as number)) changed[x.input] = true;
    rounds = later;
  }
  return changed;
}

/** Rows of (id, owner, status, attempts, next attempt, reply, now) as UPDATE … FROM (VALUES …); returns the ids updated. */
function updateResults(trx: Transaction<Database>, rows: readonly unknown[][]): Promise<{ id: number }[]> {
  return runCompiledRows(trx, 'complete-delivery', rows, (p, n) => {
    // Typed in the list itself: PostgreSQL reads an untyped parameter in VALUES as text.
    const values = sql.join(
      rowIndexes(n).map(
        (i) =>
          sql`(cast(${p(i, 0)} as bigint), cast(${p(i, 1)} as text), cast(${p(i, 2)} as text), cast(${p(i, 3)} as integer), cast(${p(i, 4)} as bigint), cast(${p(i, 5)} as text), cast(${p(i, 6)} as bigint))`,
      ),
    );
    return trx
      .updateTable('deliveries')
      .from(sql<ResultValues>`(values ${values})`.as('v'))
      .set({
        status: sql`v.column3`,
        attempts: sql`v.column4`,
        next_attempt_at: sql`v.column5`,
        last_reply: sql`v.column6`,
        lease_until: sql`null`,
        lease_owner: sql`null`,
        updated_at: sql`v.column7`,
      })
      .whereRef('deliveries.id', '=', sql.ref('v.column1'))
      .whereRef('deliveries.lease_owner', '=', sql.ref('v.column2'))
      .returning('deliveries.id');
  });
}

/** The columns of a VALUES list, as both databases name them. */
interface ResultValues {
  column1: number;
  column2: string;
  column3: DeliveryStatus;
  column4: number;
  column5: number;
  column6: string | null;
  column7: number;
}
