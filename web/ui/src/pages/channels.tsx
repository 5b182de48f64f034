import { useState } from 'react';
import { api } from '../api/client.js';
import type { Channel, Items } from '../api/types.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { useI18n } from '../i18n/i18n.js';
import { AddChannel } from './channels/add-channel.js';

export function ChannelsPage() {
  const { t } = useI18n();
  const { state, reload } = useApi(() => api<Items<Channel>>('GET', '/channels'), []);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const copy = async (address: string) => {
    try {
      await navigator.clipboard.writeText(address);
      setNotice({ ok: true, text: t('channels.copied', { address }) });
    } catch {
      setNotice({ ok: false, text: t('channels.copyFailed') });
    }
  };
  return (
    <>
      <h1>{t('channels.title')}</h1>
      <p>{t('channels.intro')}</p>
      <AddChannel onAdded={() => void reload(true)} />
      <p role="status" aria-live="polite" className={notice?.ok === false ? 'error' : 'ok'}>
        {notice?.text ?? ''}
      </p>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' &&
        (state.data.items.length === 0 ? (
          <p className="empty">{t('channels.empty')}</p>
        ) : (
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('channels.col.name')}</th>
                <th scope="col">{t('channels.col.kind')}</th>
                <th scope="col">{t('channels.col.public')}</th>
                <th scope="col">{t('channels.col.inbound')}</th>
                <th scope="col">{t('channels.col.verification')}</th>
              </tr>
            </thead>
            <tbody>
              {state.data.items.map((c) => (
                <tr key={c.id} data-channel={c.name}>
                  <td>{c.name}</td>
                  <td>{t(`channels.kind.${c.kind}`)}</td>
                  <td>{c.publicAddress ?? <span className="muted">{t('channels.none')}</span>}</td>
                  <td>
                    {c.inboundAddress ? (
                      <span className="copyable">
                        <code data-testid="inbound-address">{c.inboundAddress}</code>
                        <button type="button" aria-label={t('channels.copyLabel', { name: c.name })} onClick={() => void copy(c.inboundAddress!)}>
                          {t('channels.copy')}
                        </button>
                      </span>
                    ) : (
                      <span className="muted">{t('channels.none')}</span>
                    )}
                  </td>
                  <td>
                    <span className={`badge verification-${c.verification.state}`} title={c.verification.detail ?? undefined}>
                      {t(`channels.state.${c.verification.state}`)}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </>
  );
}
