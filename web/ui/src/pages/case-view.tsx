import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import { CASE_STATUSES, type Case, type CaseDetail, type CaseStatus } from '../api/shapes.js';
import { MessageCard } from '../components/message-card.js';
import { ErrorNote, Loading } from '../components/status.js';
import { POLL_MS, useApi } from '../components/use-api.js';
import { useI18n, useRefusalText } from '../i18n/i18n.js';
import { Link } from '../router.js';
import { SlaFacts } from '../components/sla.js';
import { useSession } from '../session.js';
import { CaseHistory, eventText, lastAssignment } from './case-history.js';

type Notice = { ok: boolean; text: string } | null;

export function CaseViewPage({ number }: { number: number }) {
  const { t } = useI18n();
  const say = useRefusalText();
  const { state, reload, setState } = useApi(() => api.get('/api/cases/{number}', { params: { number } }), [number], { pollMs: POLL_MS });
  const [notice, setNotice] = useState<Notice>(null);

  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') {
    return (
      <>
        <Link to="/cases">{t('case.back')}</Link>
        {state.error.status === 404 ? <p role="alert">{t('case.notFound', { number })}</p> : <ErrorNote error={state.error} />}
      </>
    );
  }
  const c = state.data;
  const updated = (next: Case) => setState({ kind: 'ready', data: { ...c, ...next } });
  const fail = (e: unknown) => setNotice({ ok: false, text: e instanceof ApiError && e.status !== 0 ? say(e) : t('app.error.network') });

  return (
    <article className="case" aria-labelledby="case-title">
      <Link to="/cases" className="back">
        {t('case.back')}
      </Link>
      <h1 id="case-title">
        <span className="case-number">{t('case.title', { number: c.number })}</span> {c.subject}
      </h1>
      <CaseHeader
        c={c}
        onChanged={(next) => {
          updated(next);
          setNotice({ ok: true, text: t('case.saved') });
          // The history says who assigned it.
          void reload(true);
        }}
        onError={fail}
      />
      <SlaFacts c={c} />
      <p role="status" aria-live="polite" className={notice?.ok === false ? 'error' : 'ok'}>
        {notice?.text ?? ''}
      </p>
      {c.links.length > 0 && (
        <section aria-labelledby="case-links">
          <h2 id="case-links">{t('case.linked')}</h2>
          <ul className="inline-list">
            {c.links.map((l) => (
              <li key={l.number}>
                <Link to={`/cases/${l.number}`}>#{l.number}</Link> ({t(`case.relation.${l.relation}`)})
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="case-thread">
        <h2 id="case-thread">{t('case.thread')}</h2>
        <ol className="thread">
          {c.messages.map((m) => (
            <li key={m.id}>
              <MessageCard
                m={m}
                basePath={`/api/cases/${c.number}`}
                headersOf={(mid) => api.get('/api/cases/{number}/messages/{mid}/headers', { params: { number: c.number, mid } })}
              />
            </li>
          ))}
        </ol>
      </section>
      <CaseHistory history={c.history} />
      <Composer
        c={c}
        onSent={(text) => {
          setNotice({ ok: true, text });
          void reload(true);
        }}
        onError={fail}
      />
    </article>
  );
}

function CaseHeader({ c, onChanged, onError }: { c: CaseDetail; onChanged(c: Case): void; onError(e: unknown): void }) {
  const { t } = useI18n();
  const { user } = useSession();
  const [assignee, setAssignee] = useState(c.assignee ?? '');
  const why = lastAssignment(c.history);
  const patch = async (body: { status?: CaseStatus; assignee?: string | null }) => {
    try {
      const next = await api.patch('/api/cases/{number}', { params: { number: c.number }, body });
      setAssignee(next.assignee ?? '');
      onChanged(next);
    } catch (e) {
      onError(e);
    }
  };
  return (
    <dl className="case-facts">
      <div>
        <dt>{t('case.requester')}</dt>
        <dd data-testid="requester">{c.requester.name ? `${c.requester.name} <${c.requester.address}>` : c.requester.address}</dd>
      </div>
      <div>
        <dt>{t('case.channel')}</dt>
        <dd>{c.channel.name}</dd>
      </div>
      <div>
        <dt>
          <label htmlFor="case-status">{t('case.status')}</label>
        </dt>
        <dd>
          <select id="case-status" value={c.status} onChange={(e) => void patch({ status: e.target.value as CaseStatus })}>
            {CASE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </dd>
      </div>
      <div>
        <dt>
          <label htmlFor="case-assignee">{t('case.assigneeInput')}</label>
        </dt>
        <dd>
          <form
            className="field-inline"
            onSubmit={(e) => {
              e.preventDefault();
              void patch({ assignee: assignee.trim() || null });
            }}
          >
            <input id="case-assignee" type="email" value={assignee} placeholder={t('cases.unassigned')} onChange={(e) => setAssignee(e.target.value)} />
            <button type="submit">{t('case.assign')}</button>
            {c.assignee !== user.email && (
              <button type="button" onClick={() => void patch({ assignee: user.email })}>
                {t('case.assignToMe')}
              </button>
            )}
            {c.assignee !== null && (
              <button type="button" onClick={() => void patch({ assignee: null })}>
                {t('case.unassign')}
              </button>
            )}
          </form>
        </dd>
      </div>
      {why && (
        <div>
          <dt>{t('case.assignedWhy')}</dt>
          <dd data-testid="assignment-reason">{eventText(t, why)}</dd>
        </div>
      )}
    </dl>
  );
}

function Composer({ c, onSent, onError }: { c: CaseDetail; onSent(text: string): void; onError(e: unknown): void }) {
  const { t } = useI18n();
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [body, setBody] = useState('');
  const [after, setAfter] = useState<'' | 'pending' | 'solved'>('');
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    try {
      if (mode === 'reply') await api.post('/api/cases/{number}/replies', { params: { number: c.number }, body: after ? { body, status: after } : { body } });
      else await api.post('/api/cases/{number}/notes', { params: { number: c.number }, body: { body } });
      setBody('');
      onSent(mode === 'reply' ? t('case.replySent') : t('case.noteAdded'));
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${id}-title`} className={`composer composer-${mode}`}>
      <h2 id={`${id}-title`}>{t('case.compose')}</h2>
      <form onSubmit={submit} className="stack">
        <fieldset className="mode">
          <legend>{t('case.composeMode')}</legend>
          {(['reply', 'note'] as const).map((m) => (
            <label key={m} className="radio">
              <input type="radio" name={`${id}-mode`} value={m} checked={mode === m} onChange={() => setMode(m)} />
              {t(`case.mode.${m}`)}
            </label>
          ))}
        </fieldset>
        <label htmlFor={`${id}-body`}>{mode === 'reply' ? t('case.replyBody', { email: c.requester.address }) : t('case.noteBody')}</label>
        <textarea id={`${id}-body`} rows={6} required value={body} onChange={(e) => setBody(e.target.value)} />
        {mode === 'reply' && (
          <span className="field-inline">
            <label htmlFor={`${id}-after`}>{t('case.statusAfter')}</label>
            <select id={`${id}-after`} value={after} onChange={(e) => setAfter(e.target.value as typeof after)}>
              <option value="">{t('case.statusAfter.keep')}</option>
              <option value="pending">{t('status.pending')}</option>
              <option value="solved">{t('status.solved')}</option>
            </select>
          </span>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('case.sending') : mode === 'reply' ? t('case.sendReply') : t('case.addNote')}
        </button>
      </form>
    </section>
  );
}
