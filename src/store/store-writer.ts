import type { StoreHandle } from './db.js';
import { GroupCommit } from './group-commit.js';
import { insertReceivedMany, type ReceivedRecord } from './repos/message-repo.js';

/**
 * Accepted messages go to disk in group commits: sessions that finish DATA at about the
 * same time share one transaction and one fsync, and each gets its 250 only after it.
 */
export class ReceiveWriter {
  readonly #group: GroupCommit<ReceivedRecord, number[]>;

  /** `observe` is told how long each commit took (for the commit-latency metric). */
  constructor(store: Pick<StoreHandle, 'durableTransaction'>, observe?: (seconds: number) => void) {
    this.#group = new GroupCommit((records) => store.durableTransaction((trx) => insertReceivedMany(trx, records)), observe);
  }

  /** Resolves with the deliveries' ids once the record is on disk. */
  save(rec: ReceivedRecord): Promise<number[]> {
    return this.#group.submit(rec);
  }
}
