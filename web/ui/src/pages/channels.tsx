import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client.js';
import type { Channel } from '../api/shapes.js';
import { ErrorNote, Loading } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { formatTarget } from '../components/sla.js';
import { useI18n, useRefusalText } from '../i18n/i18n.js';
import { AddChannel } from './channels/add-channel.js';
import { AssignmentSection } from './channels/assignment.js';
import '../admin.css';

/** A forwarding check comes back within seconds when routing is right; look often meanwhile. */
const PENDING_POLL_MS = 1_000;

export function ChannelsPage() {
  const { t } = useI18n();
  const say = useRefusalText();
  const { state, reload } = useApi(() => api.get('/api/channels'), []);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  // Each saved channel is a new configuration version: the assignment section reads it again.
  const [saved, setSaved] = useState(0);
  const pending = state.kind === 'ready' && state.data.items.some((c) => c.verification.state === 'pending');

  // Poll only while a check is out: the page then shows it arrive (or fail) by itself.
  useEffect(() => {
    if (!pending) return;
    const timer = window.setInterval(() => void reload(true), PENDING_POLL_MS);
    return () => window.clearInterval(timer);
  }, [pending, reload]);

  const copy = async (address: string) => {
    try {
      await navigator.clipboard.writeText(address);
      setNotice({ ok: true, text: t('channels.copied', { address }) });
    } catch {
      setNotice({ ok: false, text: t('channels.copyFailed') });
    }
  };
  const act = async (c: Channel, run: () => Promise<string>) => {
    setBusy(c.id);
    let outcome: { ok: boolean; text: string };
    try {
      outcome = { ok: true, text: await run() };
    } catch (e) {
      outcome = { ok: false, text: e instanceof ApiError && e.status !== 0 ? say(e) : t('app.error.network') };
    }
    // The notice and the row it speaks of change together.
    await reload(true);
    setNotice(outcome);
    setBusy(null);
  };
  const verify = (c: Channel) =>
    act(c, async () => {
      const r = await api.post('/api/channels/{name}/verify', { params: { name: c.name } });
      return r.state === 'failed' ? t('configuration.channels.verifyFailed', { name: c.name }) : t('configuration.channels.verifySent', { name: c.name });
    });
  const [rotating, setRotating] = useState<Channel | null>(null);
  const rotate = (c: Channel, updateRules: boolean) => {
    setRotating(null);
    void act(c, async () => {
      const r = await api.post('/api/channels/{name}/rotate', { params: { name: c.name }, body: { updateRules } });
      const rotated = t('configuration.channels.rotated', { name: c.name, address: r.address, old: r.retired.join(', ') || t('channels.none') });
      if (r.version !== null) return `${rotated} ${t('configuration.channels.rulesUpdated', { count: r.rules.length, version: r.version })}`;
      if (r.rules.length > 0) return `${rotated} ${t('configuration.channels.rulesLeft', { rules: r.rules.map((x) => x.description).join(', ') })}`;
      return rotated;
    });
  };

  return (
    <>
      <h1>{t('channels.title')}</h1>
      <p>{t('channels.intro')}</p>
      <AddChannel
        onAdded={() => {
          void reload(true);
          setSaved((n) => n + 1);
        }}
        editing={editing}
        onEditDone={() => setEditing(null)}
      />
      {rotating && (
        <RotateDialog key={rotating.id} channel={rotating} onRotate={(updateRules) => rotate(rotating, updateRules)} onCancel={() => setRotating(null)} />
      )}
      <p role="status" aria-live="polite" className={notice?.ok === false ? 'error' : 'ok'} data-testid="channels-notice">
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
                <th scope="col">{t('channels.col.sla')}</th>
                <th scope="col">{t('configuration.channels.col.imap')}</th>
                <th scope="col">{t('configuration.channels.col.actions')}</th>
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
                        <button type="button" aria-label={t('channels.copyLabel', { name: c.name })} onClick={() => void copy(c.inboundAddress ?? '')}>
                          {t('channels.copy')}
                        </button>
                      </span>
                    ) : (
                      <span className="muted">{t('channels.none')}</span>
                    )}
                  </td>
                  <td>
                    <Verification channel={c} />
                  </td>
                  <td data-testid="channel-sla">
                    <ChannelSla sla={c.sla} />
                  </td>
                  <td>
                    <ImapMailbox channel={c} />
                  </td>
                  <td>
                    <div className="actions">
                      <button
                        type="button"
                        disabled={busy !== null || editing !== null}
                        aria-label={t('channels.editLabel', { name: c.name })}
                        onClick={() => setEditing(c.name)}
                      >
                        {t('channels.edit')}
                      </button>
                      <button
                        type="button"
                        disabled={busy !== null || !c.publicAddress}
                        aria-label={t('configuration.channels.verifyLabel', { name: c.name })}
                        onClick={() => void verify(c)}
                      >
                        {t('configuration.channels.verify')}
                      </button>
                      <button
                        type="button"
                        disabled={busy !== null}
                        aria-label={t('configuration.channels.rotateLabel', { name: c.name })}
                        onClick={() => setRotating(c)}
                      >
                        {t('configuration.channels.rotate')}
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      <AssignmentSection refresh={saved} />
    </>
  );
}

/**
 * Before a rotation: the routing rules that send mail to this channel's addresses, which the
 * rotation would leave pointing at a retired address, and whether to update them with it.
 */
function RotateDialog({ channel, onRotate, onCancel }: { channel: Channel; onRotate: (updateRules: boolean) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const { state } = useApi(() => api.get('/api/channels/{name}/rotate', { params: { name: channel.name } }), [channel.name]);
  const [updateRules, setUpdateRules] = useState(true);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const rules = state.kind === 'ready' ? state.data.rules : [];
  return (
    <dialog ref={ref} className="panel rotate-dialog" aria-labelledby="rotate-title" onCancel={onCancel}>
      <h2 id="rotate-title">{t('configuration.channels.rotateTitle', { name: channel.name })}</h2>
      <p>{t('configuration.channels.confirmRotate', { name: channel.name, address: channel.inboundAddress ?? '' })}</p>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' &&
        (rules.length === 0 ? (
          <p>{t('configuration.channels.noRules')}</p>
        ) : (
          <>
            <p>{t('configuration.channels.rulesPointing', { count: rules.length })}</p>
            <ul data-testid="rotate-rules">
              {rules.map((r) => (
                <li key={r.index}>{t('configuration.channels.ruleLine', { order: r.index + 1, description: r.description })}</li>
              ))}
            </ul>
            <label>
              <input type="checkbox" checked={updateRules} onChange={(e) => setUpdateRules(e.target.checked)} /> {t('configuration.channels.updateRules')}
            </label>
          </>
        ))}
      <div className="actions">
        <button type="button" className="primary" disabled={state.kind === 'loading'} onClick={() => onRotate(rules.length > 0 && updateRules)}>
          {t('configuration.channels.rotateConfirm')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('configuration.channels.rotateCancel')}
        </button>
      </div>
    </dialog>
  );
}

/** The state of the forwarding check, with what the server said and, when it failed, its trace. */
function Verification({ channel }: { channel: Channel }) {
  const { t } = useI18n();
  const v = channel.verification;
  const trace = v.trace ?? [];
  return (
    <div className="verification" data-testid="verification">
      <span className={`badge verification-${v.state}`}>{t(`channels.state.${v.state}`)}</span>
      {v.detail && v.state !== 'verified' && <p className="verification-detail">{v.detail}</p>}
      {v.state === 'failed' && trace.length > 0 && (
        <details>
          <summary>{t('configuration.channels.trace', { count: trace.length })}</summary>
          <ol className="trace-lines">
            {trace.map((line, i) => (
              <li key={i}>
                <code>{line}</code>
              </li>
            ))}
          </ol>
        </details>
      )}
    </div>
  );
}

function ChannelSla({ sla }: { sla: Channel['sla'] }) {
  const { t, lang } = useI18n();
  if (!sla) return <span className="muted">{t('sla.channel.none')}</span>;
  const target = (ms: number | null) => (ms === null ? t('sla.channel.noTarget') : formatTarget(lang, ms));
  return (
    <>
      {t('sla.channel.targets', { firstResponse: target(sla.firstResponse), resolution: target(sla.resolution) })}
      <br />
      <span className="muted">{sla.timeZone ? t('sla.channel.businessHours', { zone: sla.timeZone }) : t('sla.channel.aroundTheClock')}</span>
    </>
  );
}

/** The IMAP mailbox a channel takes mail from: connected or not, the last mail taken, the last error in a sentence. */
function ImapMailbox({ channel }: { channel: Channel }) {
  const { t, formatTime } = useI18n();
  const m = channel.imap;
  if (!m) return <span className="muted">{t('channels.none')}</span>;
  const params = { host: m.host, port: m.port, user: m.user, folder: m.folder };
  return (
    <div className="imap-mailbox" data-testid="imap-mailbox">
      <span className={`badge ${m.connected ? 'verification-verified' : 'verification-unverified'}`}>
        {t(m.connected ? 'configuration.channels.imap.connected' : 'configuration.channels.imap.notConnected')}
      </span>
      <p>{t('configuration.channels.imap.mailbox', params)}</p>
      <p className="muted">{t(`configuration.channels.imap.after.${m.after}`)}</p>
      <p>{m.lastTakenAt ? t('configuration.channels.imap.lastTaken', { time: formatTime(m.lastTakenAt) }) : t('configuration.channels.imap.nothingTaken')}</p>
      {m.lastError && (
        <p className="verification-detail" role="status">
          {t('configuration.channels.imap.errorAt', { time: formatTime(m.lastError.at) })} {t(`configuration.channels.imap.error.${m.lastError.code}`, params)}
        </p>
      )}
    </div>
  );
}
