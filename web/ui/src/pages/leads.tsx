import { useState } from 'react';
import { api, query } from '../api/client.js';
import { LEAD_STATUSES, type Items, type Lead, type LeadStatus } from '../api/types.js';
import { ErrorNote, Loading } from '../components/status.js';
import { POLL_MS, useApi } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';

export function LeadsPage() {
  const { t, formatTime } = useI18n();
  const [status, setStatus] = useState<LeadStatus | ''>('');
  const { state } = useApi(() => api<Items<Lead>>('GET', `/leads${query({ status })}`), [status], { pollMs: POLL_MS });
  return (
    <>
      <h1>{t('leads.title')}</h1>
      <div role="group" aria-label={t('leads.statusFilter')} className="tabs">
        {(['', ...LEAD_STATUSES] as const).map((s) => (
          <button key={s || 'all'} type="button" aria-pressed={status === s} onClick={() => setStatus(s)}>
            {s ? t(`leads.status.${s}`) : t('status.all')}
          </button>
        ))}
      </div>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' &&
        (state.data.items.length === 0 ? (
          <p className="empty">{t('leads.empty')}</p>
        ) : (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('leads.col.name')}</th>
                <th scope="col">{t('leads.col.email')}</th>
                <th scope="col">{t('leads.col.company')}</th>
                <th scope="col">{t('leads.col.subject')}</th>
                <th scope="col">{t('leads.col.status')}</th>
                <th scope="col">{t('leads.col.created')}</th>
              </tr>
            </thead>
            <tbody>
              {state.data.items.map((l) => (
                <tr key={l.id}>
                  <td>{l.name}</td>
                  <td>{l.email}</td>
                  <td>{l.company ?? ''}</td>
                  <td>{l.subject}</td>
                  <td>
                    <span className={`badge lead-${l.status}`}>{t(`leads.status.${l.status}`)}</span>
                  </td>
                  <td>
                    <time dateTime={l.createdAt}>{formatTime(l.createdAt)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}
