import type { Transaction } from 'kysely';
import type { StoreHandle } from './db.js';
import { GroupCommit } from './group-commit.js';
import { completeIn, type AttemptCompletion } from './repos/delivery-repo.js';
import { insertReceivedMany, type ReceivedRecord } from './repos/message-repo.js';
import type { Database } from './schema.js';

type Write = { readonly kind: 'receive'; readonly rec: ReceivedRecord } | { readonly kind: 'complete'; readonly completion: AttemptCompletion };
type Written = number[] | boolean;

/**
 * What a node writes on its busy path goes to disk in group commits: sessions that finish
 * DATA at about the same time share one transaction and one fsync, and each gets its 250
 * only after it. Outcomes of delivery attempts that end meanwhile ride in the same
 * transaction instead of a commit of their own; a batch with no accepted message in it
 * commits without waiting for the fsync, since an outcome lost in a crash only means the
 * attempt is made again. A batch that fails is retried item by item (see GroupCommit).
 */
export class StoreWriter {
  readonly #group: GroupCommit<Write, Written>;

  /** `observe` is told how long each commit took, once for each kind of write it held (for the commit-latency metric). */
  constructor(store: Pick<StoreHandle, 'db' | 'durableTransaction'>, observe?: (kind: Write['kind'], seconds: number) => void) {
    this.#group = new GroupCommit(
      (items) => {
        const run = (trx: Transaction<Database>) => writeAll(trx, items);
        return isDurable(items) ? store.durableTransaction(run) : store.db.transaction().execute(run);
      },
      observe &&
        ((seconds, items) => {
          if (isDurable(items)) observe('receive', seconds);
          if (items.some((w) => w.kind === 'complete')) observe('complete', seconds);
        }),
    );
  }

  /** Resolves with the deliveries' ids once the record is on disk. */
  save(rec: ReceivedRecord): Promise<number[]> {
    return this.#group.submit({ kind: 'receive', rec }) as Promise<number[]>;
  }

  /** Resolves once the outcome is committed: true, or false when the claim was no longer ours (see completeIn). */
  complete(completion: AttemptCompletion): Promise<boolean> {
    return this.#group.submit({ kind: 'complete', completion }) as Promise<boolean>;
  }
}

/** A batch with an accepted message in it waits for the fsync; outcomes alone do not. */
function isDurable(items: readonly Write[]): boolean {
  return items.some((w) => w.kind === 'receive');
}

/** The batch's messages first, then its outcomes; the results in the batch's order. */
async function writeAll(trx: Transaction<Database>, items: readonly Write[]): Promise<Written[]> {
  const recs: ReceivedRecord[] = [];
  const completions: AttemptCompletion[] = [];
  for (const w of items) {
    if (w.kind === 'receive') recs.push(w.rec);
    else completions.push(w.completion);
  }
  const ids = recs.length > 0 ? await insertReceivedMany(trx, recs) : [];
  const recorded = completions.length > 0 ? await completeIn(trx, completions) : [];
  let r = 0;
  let c = 0;
  return items.map((w) => (w.kind === 'receive' ? ids[r++]! : recorded[c++]!));
}
