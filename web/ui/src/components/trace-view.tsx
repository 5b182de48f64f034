/**
 * A message's trace as the console shows it (email log, test the route): every step in
 * order, what the desk made of it, linked to the case or lead, and why any of it did not go
 * through (a bounce, an expiry, mail the desk set aside or could not process).
 */
import { useState } from 'react';
import { api, ApiError } from '../api/client.js';
import type { LoggedMessage, MessageTrace } from '../api/shapes.js';
import type { MessageKey } from '../i18n/en.js';
import { useI18n, type Translate } from '../i18n/i18n.js';
import { deliveryStatusText, intakeEffectText, suspendReasonText } from './delivery-text.js';
import { ExplanationView, type Explanation } from './route-explanation.js';
import { ErrorNote } from './status.js';
import { Link } from '../router.js';

export function TraceSteps({ steps, label }: { steps: MessageTrace['steps']; label?: string }) {
  const { t, formatTime, serverText } = useI18n();
  return (
    <ol className="timeline" aria-label={label}>
      {steps.map((s, i) => (
        <li key={i}>
          <time dateTime={s.at}>{formatTime(s.at)}</time> <code>{s.code}</code> {serverText('trace.', s.text, s.summary)}
          {s.repeated && (
            <span className="muted" data-testid="repeated">
              {' '}
              {t('trace.repeated', { count: s.repeated.count, first: formatTime(s.repeated.firstAt), last: formatTime(s.repeated.lastAt) })}
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}

/**
 * A delivery's last reply as the reader reads it: a reply of ours (the desk's effect, a
 * mailbox store) from the trace line that carries it as a text, a peer's reply as sent.
 */
export function useLastReply(steps: MessageTrace['steps']): (d: { id: number; lastReply: string | null }) => string | null {
  const { serverText } = useI18n();
  return (d) => {
    if (d.lastReply === null) return null;
    const step = [...steps].reverse().find((s) => s.deliveryId === d.id && typeof s.text.params['reply'] === 'object');
    const reply = step?.text.params['reply'];
    return typeof reply === 'object' ? serverText('trace.', reply, d.lastReply) : d.lastReply;
  };
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

/** The reply that explains a delivery's status, for the statuses a reply explains. */
const REPLY_KEYS: Partial<Record<string, MessageKey>> = {
  bounced: 'log.lastReply.bounced',
  expired: 'log.lastReply.expired',
  deferred: 'log.lastReply.deferred',
};
const STATE_KEYS: Partial<Record<string, MessageKey>> = { recovered: 'log.state.recovered', deleted: 'log.state.deleted', resolved: 'log.state.resolved' };

/** What the desk set aside or could not process of a message, each with why and what became of it since. */
function setAsideLines(t: Translate, m: LoggedMessage): { key: string; text: string }[] {
  const since = (line: string, state: string) => {
    const key = STATE_KEYS[state];
    return key ? t('log.withState', { line, state: t(key) }) : line;
  };
  return [
    ...m.suspended.map((s) => ({ key: `s${s.id}`, text: since(t('log.setAside', { reason: suspendReasonText(t, s.reason), detail: s.detail }), s.state) })),
    ...m.failed.map((f) => ({ key: `f${f.id}`, text: since(t('log.failedIntake', { error: f.error }), f.state) })),
  ];
}

/** Each delivery's status with the reply behind it, then what the desk set aside or could not process. */
export function MessageOutcomes({ m }: { m: LoggedMessage }) {
  const { t } = useI18n();
  return (
    <ul className="outcomes">
      {m.deliveries.map((d) => {
        const key = REPLY_KEYS[d.status];
        return (
          <li key={`d${d.id}`}>
            {d.recipient}: {deliveryStatusText(t, d.status)}
            {key && d.lastReply && <span className="outcome-reason">{t(key, { reply: d.lastReply, attempts: d.attempts })}</span>}
          </li>
        );
      })}
      {setAsideLines(t, m).map((l) => (
        <li key={l.key} className="set-aside">
          {l.text}
        </li>
      ))}
    </ul>
  );
}

/** Once retention purged a message: when, and that its outcome per delivery is what is left. */
export function PurgedNote({ m, full }: { m: LoggedMessage; full?: boolean }) {
  const { t, formatTime } = useI18n();
  if (m.bodyPurgedAt === null) return null;
  const date = formatTime(m.bodyPurgedAt);
  return full ? (
    <>
      <p className="purged">{t('trace.purged', { date })}</p>
      <MessageOutcomes m={m} />
    </>
  ) : (
    <span className="purged">{t('log.purged', { date })}</span>
  );
}

/** In a trace, beside what the desk made of the message: what it set aside or could not process, and why. */
export function SetAsideNotes({ m }: { m: LoggedMessage }) {
  const { t } = useI18n();
  return (
    <>
      {setAsideLines(t, m).map((l) => (
        <p key={l.key} className="desk-outcome">
          {l.text}
        </p>
      ))}
    </>
  );
}

/**
 * "Why?" per recipient of a message: its routing explained with the configuration version
 * that was in force when the message arrived (the store keeps each version, and the version
 * that handled each message), not with today's rules.
 */
export function RoutingWhy({ m }: { m: LoggedMessage }) {
  const { t } = useI18n();
  const recipients = [...new Set(m.deliveries.map((d) => d.originalRecipient))];
  const [open, setOpen] = useState<string | null>(null);
  const [x, setX] = useState<Explanation | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  if (recipients.length === 0) return null;
  const explain = async (address: string) => {
    setOpen(address);
    setX(null);
    setError(null);
    try {
      setX(await api.get('/api/routing/explain', { query: { address, queueId: m.id } }));
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, String(e), 'CLIENT', []));
    }
  };
  return (
    <div className="routing-why">
      <p className="actions">
        {recipients.map((r) => (
          <button key={r} type="button" aria-pressed={open === r} onClick={() => void explain(r)}>
            {t('routing.explain.whyLabel', { address: r })}
          </button>
        ))}
      </p>
      {error && <ErrorNote error={error} />}
      {open && x && (
        <section aria-label={t('routing.explain.traceTitle', { address: open })} data-testid="trace-explanation">
          <h3>{t('routing.explain.traceTitle', { address: open })}</h3>
          <p className="muted">{x.version === 0 ? t('routing.explain.traceNoVersion') : t('routing.explain.traceVersion', { version: x.version })}</p>
          <ExplanationView x={x} headingLevel={4} />
        </section>
      )}
    </div>
  );
}
