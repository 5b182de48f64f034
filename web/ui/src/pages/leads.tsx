import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../api/client.js';
import { LEAD_STATUSES, type LeadStatus, type LeadSummary } from '../api/shapes.js';
import { ErrorNote, Loading } from '../components/status.js';
import { POLL_MS, useApi } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';
import { Link } from '../router.js';
import '../leads.css';

/** Per column: a busy "converted" column must not push new leads out of one shared page. */
const COLUMN_LIMIT = 100;

type Board = Readonly<Record<LeadStatus, readonly LeadSummary[]>>;

async function loadBoard(): Promise<Board> {
  const columns = await Promise.all(LEAD_STATUSES.map((status) => api.get('/api/leads', { query: { status, limit: COLUMN_LIMIT } })));
  return Object.fromEntries(LEAD_STATUSES.map((s, i): [LeadStatus, readonly LeadSummary[]] => [s, columns[i]?.items ?? []])) as Board;
}

/** How many leads a poll brought that this page had not seen; the first load counts none. */
function useArrivals(board: Board | null): number {
  const known = useRef<Set<number> | null>(null);
  const [arrived, setArrived] = useState(0);
  useEffect(() => {
    if (!board) return;
    const ids = LEAD_STATUSES.flatMap((s) => board[s].map((l) => l.id));
    const before = known.current;
    known.current = new Set([...(before ?? []), ...ids]);
    if (!before) return;
    const fresh = new Set(ids.filter((id) => !before.has(id))).size;
    if (fresh > 0) setArrived((n) => n + fresh);
  }, [board]);
  return arrived;
}

export function LeadsPage() {
  const { t } = useI18n();
  const { state } = useApi(loadBoard, [], { pollMs: POLL_MS });
  const board = state.kind === 'ready' ? state.data : null;
  const arrived = useArrivals(board);
  const total = board ? LEAD_STATUSES.reduce((n, s) => n + board[s].length, 0) : 0;
  return (
    <>
      <h1>{t('leads.title')}</h1>
      <p>{t('leads.board.intro')}</p>
      <p role="status" aria-live="polite" className="ok">
        {arrived > 0 ? t('leads.board.newArrived', { count: arrived }) : ''}
      </p>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {board && total === 0 && <p className="empty">{t('leads.empty')}</p>}
      {board && (
        <div className="lead-board" role="group" aria-label={t('leads.board.label')}>
          {LEAD_STATUSES.map((s) => (
            <LeadColumn key={s} status={s} leads={board[s]} />
          ))}
        </div>
      )}
    </>
  );
}

function LeadColumn({ status, leads }: { status: LeadStatus; leads: readonly LeadSummary[] }) {
  const { t } = useI18n();
  const id = useId();
  const count = leads.length >= COLUMN_LIMIT ? t('leads.board.countMore', { count: leads.length }) : t('leads.board.count', { count: leads.length });
  return (
    <section className={`lead-column lead-column-${status}`} aria-labelledby={id} data-status={status}>
      <h2 id={id}>
        <span>{t(`leads.status.${status}`)}</span> <span className="lead-count">{count}</span>
      </h2>
      {leads.length === 0 ? (
        <p className="empty">{t('leads.board.emptyColumn')}</p>
      ) : (
        <ul className="lead-cards" aria-labelledby={id}>
          {leads.map((l) => (
            <li key={l.id}>
              <LeadCard lead={l} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function LeadCard({ lead }: { lead: LeadSummary }) {
  const { t, formatTime } = useI18n();
  return (
    <div className="lead-card" data-lead={lead.id}>
      <Link to={`/leads/${lead.id}`}>{lead.name || lead.email}</Link>
      {lead.company && <p>{lead.company}</p>}
      <p>{lead.subject}</p>
      <time dateTime={lead.createdAt}>{t('leads.card.received', { time: formatTime(lead.createdAt) })}</time>
    </div>
  );
}
