import type { StoreHandle } from './db.js';
import { insertReceived, type ReceivedRecord } from './repos/message-repo.js';

/** Bounded so one commit stays short and a failing batch is cheap to retry one by one. */
const MAX_BATCH = 64;

/**
 * Group commit for accepted messages. Sessions that finish DATA at about the same
 * time share one transaction (one fsync), and each gets its promise resolved only
 * after that commit: the 250 still follows the fsync, it just costs less under load.
 * If a batch fails, its records are retried one by one so that one bad record
 * cannot take the others' 250 away.
 */
export class ReceiveWriter {
  #pending: { rec: ReceivedRecord; resolve: () => void; reject: (e: unknown) => void }[] = [];
  #flushing = false;

  constructor(private readonly store: Pick<StoreHandle, 'durableTransaction'>) {}

  save(rec: ReceivedRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ rec, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Let the other sessions whose data arrived in this turn of the loop join in.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_BATCH);
        try {
          await this.store.durableTransaction(async (trx) => {
            for (const item of batch) await insertReceived(trx, item.rec);
          });
          for (const item of batch) item.resolve();
        } catch (batchError) {
          if (batch.length === 1) {
            batch[0]!.reject(batchError);
            continue;
          }
          for (const item of batch) {
            try {
              await this.store.durableTransaction((trx) => insertReceived(trx, item.rec));
              item.resolve();
            } catch (e) {
              item.reject(e);
            }
          }
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}
