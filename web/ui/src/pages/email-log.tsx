import { useState, type FormEvent } from 'react';
import { api } from '../api/client.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { deliveryStatusText } from '../components/delivery-text.js';
import { DeskOutcomes, MessageOutcomes, PurgedNote, RoutingWhy, SetAsideNotes, TraceSteps } from '../components/trace-view.js';
import { useI18n, type Translate } from '../i18n/i18n.js';

const OUTCOMES = ['', 'delivered', 'deferred', 'bounced', 'expired', 'held', 'queued', 'deleted', 'suspended', 'failed'] as const;
type Outcome = (typeof OUTCOMES)[number];

/** Delivery statuses in the queue's words; the desk's two outcomes in its own. */
const outcomeText = (t: Translate, outcome: Outcome): string => {
  switch (outcome) {
    case '':
      return t('log.anyOutcome');
    case 'suspended':
      return t('log.outcome.suspended');
    case 'failed':
      return t('log.outcome.failed');
    default:
      return deliveryStatusText(t, outcome);
  }
};

const isoOf = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/** Find a message by sender, recipient, subject, Message-ID, time or outcome, and follow its trace step by step. */
export function EmailLogPage() {
  const { t, formatTime } = useI18n();
  const [form, setForm] = useState({ sender: '', recipient: '', subject: '', messageId: '', outcome: '' as Outcome, since: '', until: '' });
  const [filters, setFilters] = useState(form);
  // Another page may link straight to a message's trace: /admin/email-log?trace=QUEUEID.
  const [open, setOpen] = useState<string | null>(() => new URLSearchParams(window.location.search).get('trace'));
  // datetime-local inputs give the browser's local time without a zone; the API takes ISO with one.
  const { state } = useApi(
    () => api.get('/api/messages', { query: { ...filters, since: isoOf(filters.since), until: isoOf(filters.until), limit: 100 } }),
    [JSON.stringify(filters)],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setFilters(form);
    setOpen(null);
  };
  const field = (name: 'sender' | 'recipient' | 'subject' | 'messageId') => (
    <label>
      {t(`log.field.${name}`)}
      <input value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })} />
    </label>
  );
  return (
    <>
      <h1>{t('log.title')}</h1>
      <form className="filters" onSubmit={submit} role="search">
        {field('sender')}
        {field('recipient')}
        {field('subject')}
        {field('messageId')}
        <label>
          {t('log.field.since')}
          <input type="datetime-local" value={form.since} onChange={(e) => setForm({ ...form, since: e.target.value })} />
        </label>
        <label>
          {t('log.field.until')}
          <input type="datetime-local" value={form.until} onChange={(e) => setForm({ ...form, until: e.target.value })} />
        </label>
        <label>
          {t('log.field.outcome')}
          <select value={form.outcome} onChange={(e) => setForm({ ...form, outcome: e.target.value as Outcome })}>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {outcomeText(t, o)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t('log.search')}</button>
      </form>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' &&
        (state.data.items.length === 0 ? (
          <p className="empty">{t('log.empty')}</p>
        ) : (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('log.col.received')}</th>
                <th scope="col">{t('log.col.queueId')}</th>
                <th scope="col">{t('log.col.from')}</th>
                <th scope="col">{t('log.col.deliveries')}</th>
                <th scope="col">{t('log.col.subject')}</th>
                <th scope="col">{t('log.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {state.data.items.map((m) => (
                <tr key={m.id}>
                  <td>
                    <time dateTime={m.receivedAt}>{formatTime(m.receivedAt)}</time>
                  </td>
                  <td>
                    <code>{m.id}</code>
                  </td>
                  <td>{m.mailFrom || '<>'}</td>
                  <td>
                    <MessageOutcomes m={m} />
                    <PurgedNote m={m} />
                  </td>
                  <td>{m.subject ?? ''}</td>
                  <td className="actions">
                    <button
                      type="button"
                      aria-expanded={open === m.id}
                      aria-label={t('log.traceLabel', { id: m.id })}
                      onClick={() => setOpen(open === m.id ? null : m.id)}
                    >
                      {t('log.trace')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {open && <TraceTimeline queueId={open} />}
    </>
  );
}

function TraceTimeline({ queueId }: { queueId: string }) {
  const { t } = useI18n();
  const { state } = useApi(() => api.get('/api/messages/{id}/trace', { params: { id: queueId } }), [queueId]);
  return (
    <section aria-labelledby="trace-title" className="trace">
      <h2 id="trace-title">{t('log.traceTitle', { id: queueId })}</h2>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' && (
        <>
          <DeskOutcomes desk={state.data.desk} />
          <SetAsideNotes m={state.data.message} />
          <PurgedNote m={state.data.message} full />
          <RoutingWhy m={state.data.message} />
          <TraceSteps steps={state.data.steps} />
        </>
      )}
    </section>
  );
}
