import { saveCaseSla, type CaseRow, type DbTransaction } from '../../store/index.js';
import type { BusinessHours } from '../business-time.js';
import { advanceSlaClock, startSlaClock, type SlaClock, type SlaEvent, type SlaTargets } from '../sla.js';
import type { CaseStatus } from '../model.js';

/** Starts the clock of a case that just opened; nothing is written when its channel has no targets. */
export async function startCaseSla(
  trx: DbTransaction,
  caseId: number,
  x: { targets: SlaTargets | undefined; hours: BusinessHours | null; at: number; status: CaseStatus },
): Promise<void> {
  if (!x.targets) return;
  await saveCaseSla(trx, caseId, startSlaClock(x.targets, x.hours, x.at, x.status));
}

/** Moves the case's clock through its events, under the business hours in force now. */
export async function advanceCaseSla(trx: DbTransaction, c: CaseRow, hours: BusinessHours | null, events: readonly SlaEvent[]): Promise<void> {
  if (c.sla.targets.firstResponse === null && c.sla.targets.resolution === null) return;
  await saveCaseSla(
    trx,
    c.id,
    events.reduce<SlaClock>((clock, e) => advanceSlaClock(clock, hours, e), c.sla),
  );
}
