import type { CaseDetail } from '../api/shapes.js';
import { useI18n, type Translate } from '../i18n/i18n.js';

export type CaseEvent = CaseDetail['history'][number];

const ASSIGNING: ReadonlySet<CaseEvent['code']> = new Set([
  'case.assigned',
  'case.reassigned',
  'case.unassigned',
  'case.not_assigned',
  'case.assigned_by_hand',
  'case.unassigned_by_hand',
]);

/** An event in the reader's language, from its code and values; the server's English sentence is not shown. */
export function eventText(t: Translate, e: CaseEvent): string {
  const v = (k: string) => String(e.data[k] ?? '');
  const values = { agent: v('agent'), from: v('from'), by: v('by'), rule: v('rule') };
  const how = e.data.via === 'rule' ? 'rule' : e.data.rule === null || e.data.rule === undefined ? 'autoAssign' : 'roundRobin';
  switch (e.code) {
    case 'case.assigned':
      return t(`case.event.assigned.${how}`, values);
    case 'case.reassigned':
      return t(`case.event.reassigned.${how}`, values);
    case 'case.unassigned':
      return t('case.event.unassigned', values);
    case 'case.not_assigned':
      return t('case.event.notAssigned');
    case 'case.assigned_by_hand':
      return t('case.event.byHand', values);
    case 'case.unassigned_by_hand':
      return t('case.event.unassignedByHand', values);
  }
}

/** Why the case has the assignee it has: the last assignment event, if any. */
export function lastAssignment(history: readonly CaseEvent[]): CaseEvent | null {
  return [...history].reverse().find((e) => ASSIGNING.has(e.code)) ?? null;
}

export function CaseHistory({ history }: { history: readonly CaseEvent[] }) {
  const { t, formatTime } = useI18n();
  return (
    <section aria-labelledby="case-history">
      <h2 id="case-history">{t('case.history')}</h2>
      {history.length === 0 ? (
        <p className="muted">{t('case.historyEmpty')}</p>
      ) : (
        <ol className="case-history" data-testid="case-history">
          {history.map((e, i) => (
            <li key={i} data-code={e.code}>
              <time dateTime={e.at}>{formatTime(e.at)}</time> {eventText(t, e)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
