import type { Kysely, Transaction } from 'kysely';
import { StatementsNotApplied, ThreadUnavailable } from './chunk-write.js';
import { recordStatements } from './compiled-once.js';
import type { StoreHandle } from './db.js';
import { GroupCommit } from './group-commit.js';
import { compilesAhead, completeIn, completionStatements, type AttemptCompletion } from './repos/completion-repo.js';
import { deliveryIdsOf, insertReceivedMany, type ReceivedRecord } from './repos/message-repo.js';
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
 *
 * On the embedded store, accepted messages go in group commits of their own, compiled on the
 * event loop and run on the store's thread (`durableStatements`): their inserts and the
 * commit's WAL writes took about a sixth of the event loop's time at 4 KiB. Outcomes go
 * there too, in batches of their own that do not wait for the fsync (`lazyStatements`):
 * compiled on the assumption that every claim in the batch is still the node's, which the
 * thread checks (`completionStatements`). A batch where one is not, or that names a delivery
 * twice, and an outcome that adds a DSN or a mailbox entry or merges a trace line (it reads
 * before it writes), commit on the loop's connection. Once the thread cannot take a batch,
 * everything goes through the loop's connection, as before.
 */
export class StoreWriter {
  readonly #group: GroupCommit<Write, Written>;
  /** Accepted messages for the store's thread; null when the store has none. */
  readonly #threaded: GroupCommit<Write, Written> | null;
  /** Outcomes for the store's thread (those that `compilesAhead`); null when the store has none. */
  readonly #threadedOutcomes: GroupCommit<Write, Written> | null;
  /** The store's thread could not take a batch: later messages go through `#group`. */
  #ownConnection = false;

  /** `observe` is told how long each commit took, once for each kind of write it held (for the commit-latency metric). */
  constructor(
    store: Pick<StoreHandle, 'db' | 'durableTransaction' | 'durableStatements' | 'lazyStatements'>,
    observe?: (kind: Write['kind'], seconds: number) => void,
  ) {
    const observed =
      observe &&
      ((seconds: number, items: readonly Write[]) => {
        if (isDurable(items)) observe('receive', seconds);
        if (items.some((w) => w.kind === 'complete')) observe('complete', seconds);
      });
    const onConnection = (items: readonly Write[]) => {
      const run = (trx: Transaction<Database>) => writeAll(trx, items);
      return isDurable(items) ? store.durableTransaction(run) : store.db.transaction().execute(run);
    };
    this.#group = new GroupCommit(onConnection, observed);
    const thread = store.durableStatements;
    this.#threaded = thread
      ? new GroupCommit(async (items) => {
          if (!this.#ownConnection) {
            try {
              return await receiveOnThread(store.db, thread, items);
            } catch (e) {
              if (!(e instanceof ThreadUnavailable)) throw e;
              this.#ownConnection = true;
            }
          }
          return onConnection(items);
        }, observed)
      : null;
    const lazy = store.lazyStatements;
    this.#threadedOutcomes = lazy
      ? new GroupCommit(async (items) => {
          if (!this.#ownConnection) {
            const statements = await completionStatements(store.db, items.map(completionOf));
            if (statements) {
              try {
                await lazy(statements);
                return items.map(() => true);
              } catch (e) {
                if (e instanceof ThreadUnavailable) this.#ownConnection = true;
                else if (!(e instanceof StatementsNotApplied)) throw e;
              }
            }
          }
          return onConnection(items);
        }, observed)
      : null;
  }

  /** Resolves with the deliveries' ids once the record is on disk. */
  save(rec: ReceivedRecord): Promise<number[]> {
    const group = this.#threaded && !this.#ownConnection ? this.#threaded : this.#group;
    return group.submit({ kind: 'receive', rec }) as Promise<number[]>;
  }

  /** Resolves once the outcome is committed: true, or false when the claim was no longer ours (see completeIn). */
  complete(completion: AttemptCompletion): Promise<boolean> {
    const group = this.#threadedOutcomes && !this.#ownConnection && compilesAhead(completion) ? this.#threadedOutcomes : this.#group;
    return group.submit({ kind: 'complete', completion }) as Promise<boolean>;
  }
}

function completionOf(w: Write): AttemptCompletion {
  if (w.kind !== 'complete') throw new Error('only outcomes go to the store thread as outcomes');
  return w.completion;
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

/** A batch of accepted messages (nothing else) in one durable transaction on the store's thread. */
async function receiveOnThread(db: StoreHandle['db'], thread: NonNullable<StoreHandle['durableStatements']>, items: readonly Write[]): Promise<Written[]> {
  const recs = items.map((w) => {
    if (w.kind !== 'receive') throw new Error('only accepted messages go to the store thread');
    return w.rec;
  });
  const statements = await recordStatements(db as unknown as Kysely<never>, (recorder) =>
    insertReceivedMany(recorder as unknown as Transaction<Database>, recs),
  );
  const rows = await thread(statements);
  return deliveryIdsOf(recs, (rows as { id: unknown }[][]).flat());
}
