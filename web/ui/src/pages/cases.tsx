import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.js';
import { CASE_STATUSES, type Case, type CaseStatus, type Channel } from '../api/shapes.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useDeskEvents } from '../components/desk-events.js';
import { POLL_MS } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';
import { Link } from '../router.js';
import { SlaDue } from '../components/sla.js';

const PAGE_SIZE = 50;

interface Filters {
  readonly status: CaseStatus | '';
  readonly assignee: '' | 'me' | 'none';
  readonly channel: string;
  readonly search: string;
  /** Cases the route test opened: left out unless asked for. */
  readonly tests: 'hide' | 'only' | 'include';
}

/**
 * A background poll brings the newest page again; cases further down that were loaded with
 * "load more" stay, unless the fresh page now reaches past them.
 */
export function mergeFirstPage(fresh: readonly Case[], freshHasMore: boolean, loaded: readonly Case[]): Case[] {
  if (!freshHasMore || fresh.length === 0) return [...fresh];
  const seen = new Set(fresh.map((c) => c.number));
  const lowest = Math.min(...fresh.map((c) => c.number));
  return [...fresh, ...loaded.filter((c) => !seen.has(c.number) && c.number < lowest)];
}

/** `breached`: the Breached view, cases that missed a service target, the most overdue first. */
export function CasesPage({ view = 'all' }: { view?: 'all' | 'breached' }) {
  const { t, formatTime } = useI18n();
  const [filters, setFilters] = useState<Filters>({ status: '', assignee: '', channel: '', search: '', tests: 'hide' });
  const [searchInput, setSearchInput] = useState('');
  const [items, setItems] = useState<Case[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const pages = useRef(0);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [arrived, setArrived] = useState(0);
  const [channels, setChannels] = useState<readonly Channel[]>([]);
  const generation = useRef(0);
  const highest = useRef(0);

  const pageQuery = useCallback(
    (c?: string) => ({
      status: filters.status,
      assignee: filters.assignee,
      channel: filters.channel,
      search: filters.search,
      tests: filters.tests,
      ...(view === 'breached' ? { sla: 'breached' as const, sort: 'due' as const } : {}),
      cursor: c,
      limit: PAGE_SIZE,
    }),
    [filters, view],
  );

  useEffect(() => {
    api
      .get('/api/channels')
      .then((r) => setChannels(r.items))
      .catch(() => setChannels([]));
  }, []);

  // A new view: start over from the newest case.
  useEffect(() => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    setArrived(0);
    api
      .get('/api/cases', { query: pageQuery() })
      .then((page) => {
        if (mine !== generation.current) return;
        setItems([...page.items]);
        setCursor(page.nextCursor);
        pages.current = 1;
        highest.current = Math.max(0, ...page.items.map((c) => c.number));
      })
      .catch((e: unknown) => mine === generation.current && setError(e instanceof ApiError ? e : new ApiError(0, String(e), 'CLIENT', [])))
      .finally(() => mine === generation.current && setLoading(false));
  }, [pageQuery]);

  // New mail appears without a reload: at once when the server announces it, and at the
  // next poll when the announcement is lost.
  const refresh = useCallback(() => {
    const mine = generation.current;
    api
      .get('/api/cases', { query: pageQuery() })
      .then((page) => {
        if (mine !== generation.current) return;
        const fresh = page.items.filter((c) => c.number > highest.current).length;
        if (fresh > 0) {
          setArrived(fresh);
          highest.current = Math.max(highest.current, ...page.items.map((c) => c.number));
        }
        setItems((loaded) => mergeFirstPage(page.items, page.nextCursor !== null, loaded));
        if (pages.current <= 1) setCursor(page.nextCursor);
      })
      .catch(() => undefined);
  }, [pageQuery]);
  useEffect(() => {
    const timer = window.setInterval(refresh, POLL_MS);
    return () => window.clearInterval(timer);
  }, [refresh]);
  useDeskEvents(refresh);

  const loadMore = async () => {
    if (!cursor) return;
    const mine = generation.current;
    try {
      const page = await api.get('/api/cases', { query: pageQuery(cursor) });
      if (mine !== generation.current) return;
      setItems((loaded) => {
        const seen = new Set(loaded.map((c) => c.number));
        return [...loaded, ...page.items.filter((c) => !seen.has(c.number))];
      });
      setCursor(page.nextCursor);
      pages.current += 1;
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, String(e), 'CLIENT', []));
    }
  };

  const submitSearch = (e: FormEvent) => {
    e.preventDefault();
    setFilters((f) => ({ ...f, search: searchInput.trim() }));
  };

  return (
    <>
      <h1>{t(view === 'breached' ? 'sla.breached.title' : 'cases.title')}</h1>
      {view === 'breached' && <p className="muted">{t('sla.breached.intro')}</p>}
      <div className="toolbar">
        <div role="group" aria-label={t('cases.statusFilter')} className="tabs">
          {(['', ...CASE_STATUSES] as const).map((s) => (
            <button key={s || 'all'} type="button" aria-pressed={filters.status === s} onClick={() => setFilters((f) => ({ ...f, status: s }))}>
              {s ? t(`status.${s}`) : t('status.all')}
            </button>
          ))}
        </div>
        <div className="filters">
          <span className="field-inline">
            <label htmlFor="cases-assignee">{t('cases.assigneeFilter')}</label>
            <select
              id="cases-assignee"
              value={filters.assignee}
              onChange={(e) => setFilters((f) => ({ ...f, assignee: e.target.value as Filters['assignee'] }))}
            >
              <option value="">{t('cases.assignee.anyone')}</option>
              <option value="me">{t('cases.assignee.mine')}</option>
              <option value="none">{t('cases.assignee.unassigned')}</option>
            </select>
          </span>
          <span className="field-inline">
            <label htmlFor="cases-channel">{t('cases.channelFilter')}</label>
            <select id="cases-channel" value={filters.channel} onChange={(e) => setFilters((f) => ({ ...f, channel: e.target.value }))}>
              <option value="">{t('cases.channel.all')}</option>
              {channels.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </span>
          <span className="field-inline">
            <label htmlFor="cases-tests">{t('cases.testsFilter')}</label>
            <select id="cases-tests" value={filters.tests} onChange={(e) => setFilters((f) => ({ ...f, tests: e.target.value as Filters['tests'] }))}>
              <option value="hide">{t('cases.tests.hide')}</option>
              <option value="only">{t('cases.tests.only')}</option>
              <option value="include">{t('cases.tests.include')}</option>
            </select>
          </span>
          <form role="search" onSubmit={submitSearch} className="field-inline">
            <label htmlFor="cases-search">{t('cases.search')}</label>
            <input id="cases-search" type="search" value={searchInput} onChange={(e) => setSearchInput(e.target.value)} />
            <button type="submit">{t('cases.searchSubmit')}</button>
          </form>
        </div>
      </div>
      <p role="status" aria-live="polite" className="live">
        {arrived > 0 ? t('cases.newArrived', { count: arrived }) : ''}
      </p>
      {error && <ErrorNote error={error} />}
      {loading ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="empty">{t(view === 'breached' ? 'sla.breached.empty' : 'cases.empty')}</p>
      ) : (
        <table className="list" data-testid="case-list">
          <thead>
            <tr>
              <th scope="col">{t('cases.col.number')}</th>
              <th scope="col">{t('cases.col.subject')}</th>
              <th scope="col">{t('cases.col.requester')}</th>
              <th scope="col">{t('cases.col.status')}</th>
              <th scope="col">{t('cases.col.assignee')}</th>
              <th scope="col">{t('cases.col.channel')}</th>
              <th scope="col">{t('sla.col.due')}</th>
              <th scope="col">{t('cases.col.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.number} data-case={c.number}>
                <td>
                  <Link to={`/cases/${c.number}`}>#{c.number}</Link>
                </td>
                <td>
                  <Link to={`/cases/${c.number}`}>{c.subject}</Link> {c.test && <span className="badge case-test">{t('cases.testBadge')}</span>}
                </td>
                <td>{c.requester.name || c.requester.address}</td>
                <td>
                  <span className={`badge status-${c.status}`}>{t(`status.${c.status}`)}</span>
                </td>
                <td>{c.assignee ?? <span className="muted">{t('cases.unassigned')}</span>}</td>
                <td>{c.channel.name}</td>
                <td data-testid="case-due">
                  <SlaDue sla={c.sla} />
                </td>
                <td>
                  <time dateTime={c.updatedAt}>{formatTime(c.updatedAt)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && !loading && (
        <button type="button" className="load-more" onClick={() => void loadMore()}>
          {t('cases.loadMore')}
        </button>
      )}
    </>
  );
}
