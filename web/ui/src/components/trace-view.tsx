/**
 * A message's trace as the console shows it (email log, test the route): every step in
 * order, and what the desk made of it, linked to the case or lead.
 */
import type { MessageTrace } from '../api/types.js';
import { useI18n } from '../i18n/i18n.js';
import { intakeEffectText } from './delivery-text.js';
import { Link } from '../router.js';

export function TraceSteps({ steps, label }: { steps: MessageTrace['steps']; label?: string }) {
  const { formatTime } = useI18n();
  return (
    <ol className="timeline" aria-label={label}>
      {steps.map((s, i) => (
        <li key={i}>
          <time dateTime={s.at}>{formatTime(s.at)}</time> <code>{s.code}</code> {s.summary}
        </li>
      ))}
    </ol>
  );
}

export function DeskOutcomes({ desk }: { desk: MessageTrace['desk'] }) {
  const { t } = useI18n();
  return (
    <>
      {desk.map((x) => (
        <p key={`${x.channel}-${x.effect}`} className="desk-outcome">
          {x.caseNumber !== null ? (
            <Link to={`/cases/${x.caseNumber}`}>{t('trace.case', { number: x.caseNumber, channel: x.channel })}</Link>
          ) : x.leadId !== null ? (
            <Link to={`/leads/${encodeURIComponent(x.leadId)}`}>{t('trace.lead', { channel: x.channel })}</Link>
          ) : (
            t('trace.deskOther', { channel: x.channel, effect: intakeEffectText(t, x.effect) })
          )}
        </p>
      ))}
    </>
  );
}
