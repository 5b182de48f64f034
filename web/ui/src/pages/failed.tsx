import { api } from '../api/client.js';
import { ListPage } from '../components/list-page.js';
import { useI18n } from '../i18n/i18n.js';

export function FailedPage() {
  const { t, formatTime } = useI18n();
  return (
    <ListPage
      path="/api/failed"
      title="failed.title"
      intro="failed.intro"
      empty="failed.empty"
      columns={['failed.col.queueId', 'failed.col.recipient', 'failed.col.error', 'failed.col.attempts', 'failed.col.updated', 'failed.col.actions']}
      row={(f, act) => (
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
            <button
              type="button"
              aria-label={t('failed.retryLabel', { queueId: f.queueId })}
              onClick={() =>
                void act(async () => {
                  const r = await api.post('/api/failed/{id}/retry', { params: { id: f.id } });
                  return r.state === 'resolved'
                    ? { ok: true, text: t('failed.resolved', { result: r.result }) }
                    : { ok: false, text: t('failed.failedAgain', { error: r.error }) };
                })
              }
            >
              {t('failed.retry')}
            </button>
          </td>
        </tr>
      )}
    />
  );
}
