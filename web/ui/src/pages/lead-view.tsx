import { useState, type ReactNode } from 'react';
import { api, ApiError } from '../api/client.js';
import { movesFrom, type LeadMove } from '../api/lead-moves.js';
import type { LeadAfterAction, LeadDetail } from '../api/shapes.js';
import { MessageCard } from '../components/message-card.js';
import { ErrorNote, Loading } from '../components/status.js';
import { POLL_MS, useApi } from '../components/use-api.js';
import { useI18n, useRefusalText, type Translate } from '../i18n/i18n.js';
import { Link } from '../router.js';
import '../leads.css';
import { ConversionFacts, ConvertForm } from './lead-convert.js';

type Notice = { ok: boolean; text: string } | null;

/** The server's sentence; a 409 also says the page now shows the lead as it is. */
function problemText(e: unknown, t: Translate, say: (e: ApiError) => string): string {
  if (!(e instanceof ApiError) || e.status === 0) return t('app.error.network');
  return e.status === 409 ? t('leads.error.conflict', { reason: say(e) }) : say(e);
}

export function LeadViewPage({ id }: { id: string }) {
  const { t } = useI18n();
  const say = useRefusalText();
  const { state, reload, setState } = useApi(() => api.get('/api/leads/{id}', { params: { id } }), [id], { pollMs: POLL_MS });
  const [notice, setNotice] = useState<Notice>(null);

  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') {
    return (
      <>
        <Link to="/leads">{t('leads.view.back')}</Link>
        {state.error.status === 404 || state.error.status === 400 ? <p role="alert">{t('leads.view.notFound', { id })}</p> : <ErrorNote error={state.error} />}
      </>
    );
  }
  const lead = state.data;
  const done = (next: LeadAfterAction, text: string) => {
    setState({ kind: 'ready', data: { ...lead, ...next } });
    setNotice({ ok: true, text });
  };
  const fail = (e: unknown) => {
    setNotice({ ok: false, text: problemText(e, t, say) });
    // After a conflict the lead has moved elsewhere; show where it is now.
    if (e instanceof ApiError && e.status === 409) void reload(true);
  };

  return (
    <article className="lead" aria-labelledby="lead-title">
      <Link to="/leads" className="back">
        {t('leads.view.back')}
      </Link>
      <h1 id="lead-title">{t('leads.view.heading', { name: lead.name || lead.email })}</h1>
      <LeadFacts lead={lead} />
      <p role="status" aria-live="polite" className={notice?.ok === false ? 'error' : 'ok'} data-testid="lead-notice">
        {notice?.text ?? ''}
      </p>
      <div className="lead-panels">
        <LeadMoves lead={lead} onDone={done} onError={fail} />
        {lead.conversion ? (
          <ConversionFacts conversion={lead.conversion} />
        ) : (
          <ConvertForm lead={lead} onDone={(next) => done(next, t('leads.converted'))} onError={fail} />
        )}
      </div>
      <section aria-labelledby="lead-messages">
        <h2 id="lead-messages">{t('leads.view.messages')}</h2>
        {lead.messages.length === 0 ? (
          <p className="empty">{t('leads.view.noMessages')}</p>
        ) : (
          <ol className="thread">
            {lead.messages.map((m) => (
              <li key={m.id}>
                <MessageCard m={m} basePath={`/api/leads/${lead.id}`} />
              </li>
            ))}
          </ol>
        )}
      </section>
    </article>
  );
}

function LeadFacts({ lead }: { lead: LeadDetail }) {
  const { t, formatTime } = useI18n();
  const facts: [string, ReactNode][] = [
    [t('leads.col.name'), lead.name],
    [t('leads.col.email'), <a href={`mailto:${lead.email}`}>{lead.email}</a>],
    [t('leads.col.company'), lead.company ?? '—'],
    [t('leads.field.companyDomain'), lead.companyDomain ?? '—'],
    [t('leads.col.subject'), lead.subject],
    [t('leads.field.channel'), lead.channel.name],
    [
      t('leads.col.status'),
      <span className={`badge lead-${lead.status}`} data-testid="lead-status">
        {t(`leads.status.${lead.status}`)}
      </span>,
    ],
    [t('leads.col.created'), <time dateTime={lead.createdAt}>{formatTime(lead.createdAt)}</time>],
    [t('leads.field.updated'), <time dateTime={lead.updatedAt}>{formatTime(lead.updatedAt)}</time>],
  ];
  return (
    <dl className="case-facts">
      {facts.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function LeadMoves({ lead, onDone, onError }: { lead: LeadDetail; onDone(next: LeadAfterAction, text: string): void; onError(e: unknown): void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const moves = movesFrom(lead.status);
  const run = async (move: LeadMove) => {
    setBusy(true);
    try {
      const next = await api.post(`/api/leads/{id}/${move}`, { params: { id: lead.id } });
      onDone(next, t('leads.moved', { status: t(`leads.status.${next.status}`) }));
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="lead-actions" className="lead-panel">
      <h2 id="lead-actions">{t('leads.view.actions')}</h2>
      {moves.length === 0 ? (
        <p className="muted">{t('leads.view.noMoves', { status: t(`leads.status.${lead.status}`) })}</p>
      ) : (
        <div className="actions">
          {moves.map((m) => (
            <button key={m} type="button" disabled={busy} onClick={() => void run(m)}>
              {t(`leads.move.${m}`)}
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
