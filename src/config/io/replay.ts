import { buildSnapshot, createReplay, type ReplayReport } from '../../routing/index.js';
import { listEnvelopes, type Db } from '../../store/index.js';
import type { Config } from '../schema.js';
import { toSnapshotInput } from '../to-snapshot-input.js';
import { loadConfigInForce } from './apply.js';

/** Envelopes read per query: large enough that paging costs little, small enough to bound memory. */
const PAGE = 5000;

/**
 * Plans every envelope stored in [since, until) with the configuration in force and with
 * `draft`, and reports what would change. Reads envelopes only; sends nothing.
 */
export async function replayDraft(db: Db, draft: Config, period: { since: number; until: number }): Promise<ReplayReport> {
  const inForce = await loadConfigInForce(db);
  const replay = createReplay(buildSnapshot(toSnapshotInput(inForce.config, inForce.version)), buildSnapshot(toSnapshotInput(draft, 0)));
  let after: { receivedAt: number; queueId: string } | null = null;
  do {
    const page = await listEnvelopes(db, { ...period, after, limit: PAGE });
    for (const e of page.envelopes) replay.add(e);
    after = page.next;
  } while (after !== null);
  return replay.report();
}
