import { api } from '../api/client.js';
import { ListPage } from '../components/list-page.js';
import { useI18n } from '../i18n/i18n.js';

export function SuspendedPage() {
  const { t, formatTime, serverText } = useI18n();
  return (
    <ListPage
      path="/api/suspended"
      title="suspended.title"
      intro="suspended.intro"
      empty="suspended.empty"
      columns={[
        'suspended.col.from',
        'suspended.col.subject',
        'suspended.col.recipient',
        'suspended.col.reason',
        'suspended.col.received',
        'suspended.col.actions',
      ]}
      row={(s, act) => (
        <tr key={s.id}>
          <td>{s.from ?? ''}</td>
          <td>{s.subject ?? ''}</td>
          <td>{s.recipient}</td>
          <td title={s.detail}>{serverText('trace.', { code: `desk.reason.${s.reason}`, params: {} }, s.reason)}</td>
          <td>
            <time dateTime={s.createdAt}>{formatTime(s.createdAt)}</time>
          </td>
          <td className="actions">
            <button
              type="button"
              aria-label={t('suspended.recoverLabel', { from: s.from ?? s.queueId })}
              onClick={() =>
                void act(async () => t('suspended.recovered', { result: (await api.post('/api/suspended/{id}/recover', { params: { id: s.id } })).result }))
              }
            >
              {t('suspended.recover')}
            </button>
            <button
              type="button"
              aria-label={t('suspended.deleteLabel', { from: s.from ?? s.queueId })}
              onClick={() => {
                if (window.confirm(t('suspended.confirmDelete')))
                  void act(async () => (await api.delete('/api/suspended/{id}', { params: { id: s.id } }), t('suspended.deleted')));
              }}
            >
              {t('suspended.delete')}
            </button>
          </td>
        </tr>
      )}
    />
  );
}
