import { useState } from 'react';
import { api, ApiError } from '../api/client.js';
import type { FailedMail, Items } from '../api/types.js';
import { ErrorNote, Loading } from '../components/status.js';
import { POLL_MS, useApi } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';

type RetryResult = { id: number; state: 'resolved'; result: string } | { id: number; state: 'failed'; error: string };

export function FailedPage() {
  const { t, formatTime } = useI18n();
  const { state, reload } = useApi(() => api<Items<FailedMail>>('GET', '/failed'), [], { pollMs: POLL_MS });
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const retry = async (id: number) => {
    try {
      const r = await api<RetryResult>('POST', `/failed/${id}/retry`);
      setNotice(r.state === 'resolved' ? { ok: true, text: t('failed.resolved', { result: r.result }) } : { ok: false, text: t('failed.failedAgain', { error: r.error }) });
    } catch (e) {
      setNotice({ ok: false, text: e instanceof ApiError && e.status !== 0 ? e.message : t('app.error.network') });
    }
    void reload(true);
  };
  return (
    <>
      <h1>{t('failed.title')}</h1>
      <p>{t('failed.intro')}</p>
      <p role="status" aria-live="polite" className={notice?.ok === false ? 'error' : 'ok'}>
        {notice?.text ?? ''}
      </p>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' &&
        (state.data.items.length === 0 ? (
          <p className="empty">{t('failed.empty')}</p>
        ) : (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('failed.col.queueId')}</th>
                <th scope="col">{t('failed.col.recipient')}</th>
                <th scope="col">{t('failed.col.error')}</th>
                <th scope="col">{t('failed.col.attempts')}</th>
                <th scope="col">{t('failed.col.updated')}</th>
                <th scope="col">{t('failed.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {state.data.items.map((f) => (
                <tr key={f.id}>
                  <td>
                    <code>{f.queueId}</code>
                  </td>
                  <td>{f.recipient}</td>
                  <td>{f.error}</td>
                  <td>{f.attempts}</td>
                  <td>
                    <time dateTime={f.updatedAt}>{formatTime(f.updatedAt)}</time>
                  </td>
                  <td className="actions">
                    <button type="button" aria-label={t('failed.retryLabel', { queueId: f.queueId })} onClick={() => void retry(f.id)}>
                      {t('failed.retry')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}
