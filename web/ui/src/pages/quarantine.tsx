import { api } from '../api/client.js';
import type { HeldMessage } from '../api/types.js';
import { ListPage } from '../components/list-page.js';
import { useI18n } from '../i18n/i18n.js';

export function QuarantinePage() {
  const { t, formatTime } = useI18n();
  return (
    <ListPage<HeldMessage>
      path="/quarantine"
      title="quarantine.title"
      intro="quarantine.intro"
      empty="quarantine.empty"
      columns={['quarantine.col.received', 'quarantine.col.from', 'quarantine.col.to', 'quarantine.col.score', 'quarantine.col.reasons', 'quarantine.col.subject', 'quarantine.col.actions']}
      row={(h, act) => (
        <tr key={h.id}>
          <td>
            <time dateTime={h.receivedAt}>{formatTime(h.receivedAt)}</time>
          </td>
          <td>{h.mailFrom || t('quarantine.nullSender')}</td>
          <td>{[...new Set(h.recipients.map((r) => r.originalRecipient))].join(', ')}</td>
          <td>{h.spamScore}</td>
          <td>{h.spamReasons.join(', ')}</td>
          <td>{h.subject ?? ''}</td>
          <td className="actions">
            <button
              type="button"
              aria-label={t('quarantine.releaseLabel', { id: h.id })}
              onClick={() => void act(async () => t('quarantine.released', { id: h.id, count: (await api<{ deliveries: number }>('POST', `/quarantine/${h.id}/release`)).deliveries }))}
            >
              {t('quarantine.release')}
            </button>
            <button
              type="button"
              aria-label={t('quarantine.deleteLabel', { id: h.id })}
              onClick={() => {
                if (window.confirm(t('quarantine.confirmDelete'))) void act(async () => (await api('DELETE', `/quarantine/${h.id}`), t('quarantine.deleted', { id: h.id })));
              }}
            >
              {t('quarantine.delete')}
            </button>
          </td>
        </tr>
      )}
    />
  );
}
