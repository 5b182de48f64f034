import { useState } from 'react';
import { api, ApiError } from '../api/client.js';
import type { Items, SuspendedMail } from '../api/types.js';
import { ErrorNote, Loading } from '../components/status.js';
import { POLL_MS, useApi } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';

export function SuspendedPage() {
  const { t, formatTime } = useI18n();
  const { state, reload } = useApi(() => api<Items<SuspendedMail>>('GET', '/suspended'), [], { pollMs: POLL_MS });
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const act = async (run: () => Promise<string>) => {
    try {
      setNotice({ ok: true, text: await run() });
    } catch (e) {
      setNotice({ ok: false, text: e instanceof ApiError && e.status !== 0 ? e.message : t('app.error.network') });
    }
    void reload(true);
  };
  return (
    <>
      <h1>{t('suspended.title')}</h1>
      <p>{t('suspended.intro')}</p>
      <p role="status" aria-live="polite" className={notice?.ok === false ? 'error' : 'ok'}>
        {notice?.text ?? ''}
      </p>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' &&
        (state.data.items.length === 0 ? (
          <p className="empty">{t('suspended.empty')}</p>
        ) : (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('suspended.col.from')}</th>
                <th scope="col">{t('suspended.col.subject')}</th>
                <th scope="col">{t('suspended.col.recipient')}</th>
                <th scope="col">{t('suspended.col.reason')}</th>
                <th scope="col">{t('suspended.col.received')}</th>
                <th scope="col">{t('suspended.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {state.data.items.map((s) => (
                <tr key={s.id}>
                  <td>{s.from ?? ''}</td>
                  <td>{s.subject ?? ''}</td>
                  <td>{s.recipient}</td>
                  <td title={s.detail}>{s.reason}</td>
                  <td>
                    <time dateTime={s.createdAt}>{formatTime(s.createdAt)}</time>
                  </td>
                  <td className="actions">
                    <button type="button" aria-label={t('suspended.recoverLabel', { from: s.from ?? s.queueId })} onClick={() => void act(async () => t('suspended.recovered', { result: (await api<{ result: string }>('POST', `/suspended/${s.id}/recover`)).result }))}>
                      {t('suspended.recover')}
                    </button>
                    <button
                      type="button"
                      aria-label={t('suspended.deleteLabel', { from: s.from ?? s.queueId })}
                      onClick={() => {
                        if (window.confirm(t('suspended.confirmDelete'))) void act(async () => (await api('DELETE', `/suspended/${s.id}`), t('suspended.deleted')));
                      }}
                    >
                      {t('suspended.delete')}
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
