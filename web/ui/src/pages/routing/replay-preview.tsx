/**
 * "Preview against recent mail": the mail stored in the chosen period planned with the draft
 * and with the version in force (POST /api/config/replay), and what would change. It reads
 * envelopes only; nothing is sent or saved.
 */
import { useState } from 'react';
import { api, ApiError, type Answer } from '../../api/client.js';
import type { ConfigDocument } from '../../api/config-document.js';
import { transportText } from '../../components/delivery-text.js';
import { ErrorNote } from '../../components/status.js';
import { useI18n, type Translate } from '../../i18n/i18n.js';
import { Link } from '../../router.js';

type Replay = Answer<'post', '/api/config/replay'>;
type Plan = Replay['changes'][number]['plans']['before'];
const PERIODS = ['1h', '24h', '7d'] as const;

function planText(t: Translate, p: Plan): string {
  if (p.kind === 'reject') return t('routing.replay.planReject', { reply: p.reply });
  return p.targets
    .map((x) => {
      const values = { recipient: x.recipient, transport: transportText(t, x.transport), route: x.route ?? '' };
      const text = x.route !== null ? t('routing.replay.targetRoute', values) : t('routing.replay.target', values);
      return x.held ? `${text} ${t('routing.replay.heldMark')}` : text;
    })
    .join(', ');
}

function Examples({ ids }: { ids: readonly string[] }) {
  const { t } = useI18n();
  return (
    <>
      {ids.map((id, i) => (
        <span key={id}>
          {i > 0 && ', '}
          <Link to={`/admin/email-log?trace=${encodeURIComponent(id)}`} aria-label={t('routing.replay.exampleLabel', { id })}>
            <code>{id}</code>
          </Link>
        </span>
      ))}
    </>
  );
}

export function ReplayPreview({ draft, blocked }: { draft: ConfigDocument; blocked: boolean }) {
  const { t } = useI18n();
  const [period, setPeriod] = useState<(typeof PERIODS)[number]>('7d');
  const [running, setRunning] = useState(false);
  const [report, setReport] = useState<Replay | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const run = async () => {
    setRunning(true);
    setError(null);
    setReport(null);
    try {
      setReport(await api.post('/api/config/replay', { body: { document: draft, period } }));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err), 'CLIENT', []));
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="replay-preview" aria-labelledby="replay-title">
      <h3 id="replay-title">{t('routing.replay.title')}</h3>
      <p>{t('routing.replay.intro')}</p>
      <div className="field-inline">
        <label>
          {t('routing.replay.period')}
          <select value={period} onChange={(e) => setPeriod(e.target.value as (typeof PERIODS)[number])}>
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {t(`routing.replay.period.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={running || blocked} onClick={() => void run()}>
          {t('routing.replay.run')}
        </button>
      </div>
      {running && (
        <p role="status">
          <progress aria-label={t('routing.replay.running')} /> {t('routing.replay.running')}
        </p>
      )}
      {error && <ErrorNote error={error} />}
      {report && (
        <div aria-live="polite" data-testid="replay-report">
          {report.messages === 0 ? (
            <p className="empty">{t('routing.replay.none')}</p>
          ) : (
            <>
              <p>{t('routing.replay.summary', { messages: report.messages, version: report.version })}</p>
              <table className="list">
                <caption>{t('routing.replay.rules')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('routing.replay.col.rule')}</th>
                    <th scope="col">{t('routing.replay.col.messages')}</th>
                  </tr>
                </thead>
                <tbody>
                  {report.rules.map((r) => (
                    <tr key={r.index}>
                      <td>{t('routing.explain.ruleName', { n: r.index + 1, description: r.description })}</td>
                      <td>{r.messages}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {report.changes.length === 0 ? (
                <p>{t('routing.replay.noChanges')}</p>
              ) : (
                <table className="list" data-testid="replay-changes">
                  <caption>{t('routing.replay.changes')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('routing.replay.col.recipient')}</th>
                      <th scope="col">{t('routing.replay.col.before')}</th>
                      <th scope="col">{t('routing.replay.col.after')}</th>
                      <th scope="col">{t('routing.replay.col.messages')}</th>
                      <th scope="col">{t('routing.replay.col.examples')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.changes.map((c) => (
                      <tr key={`${c.recipient}|${c.before}|${c.after}`} data-recipient={c.recipient}>
                        <td>{c.recipient}</td>
                        <td>{planText(t, c.plans.before)}</td>
                        <td>{planText(t, c.plans.after)}</td>
                        <td>{c.messages}</td>
                        <td>
                          <Examples ids={c.examples} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <p data-testid="replay-rejected">
                {t('routing.replay.rejected', { messages: report.rejected.messages })} <Examples ids={report.rejected.examples} />
              </p>
              <p data-testid="replay-held">
                {t('routing.replay.held', { messages: report.held.messages })} <Examples ids={report.held.examples} />
              </p>
            </>
          )}
        </div>
      )}
    </section>
  );
}
