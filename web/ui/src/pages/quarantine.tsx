import { Fragment, useState } from 'react';
import { api } from '../api/client.js';
import { ListPage } from '../components/list-page.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';

export function QuarantinePage() {
  const { t, formatTime } = useI18n();
  const [open, setOpen] = useState<string | null>(null);
  return (
    <ListPage
      path="/api/quarantine"
      title="quarantine.title"
      intro="quarantine.intro"
      empty="quarantine.empty"
      columns={[
        'quarantine.col.received',
        'quarantine.col.from',
        'quarantine.col.to',
        'quarantine.col.score',
        'quarantine.col.reasons',
        'quarantine.col.subject',
        'quarantine.col.actions',
      ]}
      row={(h, act) => (
        <Fragment key={h.id}>
          <tr>
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
                aria-expanded={open === h.id}
                aria-label={t('quarantine.detailsLabel', { id: h.id })}
                onClick={() => setOpen(open === h.id ? null : h.id)}
              >
                {t('quarantine.details')}
              </button>
              <button
                type="button"
                aria-label={t('quarantine.releaseLabel', { id: h.id })}
                onClick={() =>
                  void act(async () =>
                    t('quarantine.released', { id: h.id, count: (await api.post('/api/quarantine/{id}/release', { params: { id: h.id } })).deliveries }),
                  )
                }
              >
                {t('quarantine.release')}
              </button>
              <button
                type="button"
                aria-label={t('quarantine.deleteLabel', { id: h.id })}
                onClick={() => {
                  if (window.confirm(t('quarantine.confirmDelete')))
                    void act(async () => (await api.delete('/api/quarantine/{id}', { params: { id: h.id } }), t('quarantine.deleted', { id: h.id })));
                }}
              >
                {t('quarantine.delete')}
              </button>
            </td>
          </tr>
          {open === h.id && (
            <tr>
              <td colSpan={7}>
                <HeldDetails id={h.id} />
              </td>
            </tr>
          )}
        </Fragment>
      )}
    />
  );
}

/** What an admin reads before a release: the checks' verdicts and the headers as received. */
function HeldDetails({ id }: { id: string }) {
  const { t } = useI18n();
  const { state } = useApi(() => api.get('/api/quarantine/{id}', { params: { id } }), [id]);
  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'error') return <ErrorNote error={state.error} />;
  const d = state.data;
  return (
    <section aria-label={t('quarantine.detailsTitle', { id })} className="held-details">
      <h3>{t('quarantine.verdicts')}</h3>
      <ul>
        {d.spamReasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
        {Object.entries(d.authResults).map(([k, v]) => (
          <li key={k}>
            <code>{k}</code>: {typeof v === 'string' ? v : JSON.stringify(v)}
          </li>
        ))}
      </ul>
      <h3>{t('quarantine.headers')}</h3>
      <pre className="raw-headers">{d.headers}</pre>
      {d.truncated && <p className="muted">{t('quarantine.truncated')}</p>}
    </section>
  );
}
