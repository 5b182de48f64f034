import { insertReceived, type DbTransaction, type ReceivedRecord } from '../../store/index.js';

/**
 * Puts a message we wrote (see generatedRecord) on the queue, in the caller's transaction:
 * it leaves once that commits, and never for an effect that rolled back. The runner finds it
 * at its next poll, or at once when the caller wakes it after the commit.
 */
export async function enqueue(trx: DbTransaction, record: ReceivedRecord): Promise<void> {
  await insertReceived(trx, record);
}
