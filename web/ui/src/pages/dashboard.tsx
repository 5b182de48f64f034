import { useCallback, useMemo, useState } from 'react';
import { api } from '../api/client.js';
import { allOf, type Traffic, type TrafficRange } from '../api/shapes.js';
import { OnboardingChecklist } from '../components/onboarding-checklist.js';
import { ErrorNote, Loading } from '../components/status.js';
import { TimeChart, type ChartSeries } from '../components/time-chart.js';
import { POLL_MS, useApi } from '../components/use-api.js';
import { useI18n, type Translate } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/en.js';
import '../dashboard.css';

type Range = TrafficRange;
const RANGES = allOf<Range>()(['hour', 'day', 'week']);
type Hop = Traffic['hops'][number];
type Destination = Traffic['destinations'][number];
type Count = keyof Traffic['totals'];

const MAIL: readonly { key: Exclude<Count, 'casesOpened'>; color: string }[] = [
  { key: 'accepted', color: '#0b5cad' },
  { key: 'delivered', color: '#116329' },
  { key: 'deferred', color: '#9a6700' },
  { key: 'bounced', color: '#b42318' },
  { key: 'spamHeld', color: '#8250df' },
];

const perText = (t: Translate, minutes: number) => t(`dashboard.per.${minutes}` as MessageKey);
const rangeText = (t: Translate, r: Range) => t(`dashboard.range.${r}`);

/**
 * The admin's first page, also where the setup link lands: the first steps until they are done,
 * then mail, the queue and cases over time, and each next hop's health.
 */
export function DashboardPage() {
  const { t, lang, formatTime } = useI18n();
  const [range, setRange] = useState<Range>('hour');
  const { state } = useApi(() => api.get('/api/traffic', { query: { range } }), [range], { pollMs: POLL_MS * 6 });
  const formatTick = useMemo(() => {
    const f = new Intl.DateTimeFormat(
      lang === 'ja' ? 'ja-JP' : 'en-GB',
      range === 'week' ? { month: 'numeric', day: 'numeric', hour: '2-digit' } : { hour: '2-digit', minute: '2-digit' },
    );
    return (ms: number) => f.format(new Date(ms));
  }, [lang, range]);

  return (
    <>
      <h1>{t('dashboard.title')}</h1>
      <OnboardingChecklist />
      <p className="muted">{t('dashboard.intro')}</p>
      <fieldset className="range-switch">
        <legend>{t('dashboard.range')}</legend>
        {RANGES.map((r) => (
          <label key={r}>
            <input type="radio" name="range" value={r} checked={range === r} onChange={() => setRange(r)} />
            {rangeText(t, r)}
          </label>
        ))}
      </fieldset>
      {state.kind === 'loading' && <Loading />}
      {state.kind === 'error' && <ErrorNote error={state.error} />}
      {state.kind === 'ready' && <Figures data={state.data} formatTick={formatTick} formatTime={formatTime} />}
    </>
  );
}

function Figures({ data, formatTick, formatTime }: { data: Traffic; formatTick: (ms: number) => string; formatTime: (iso: string) => string }) {
  const { t } = useI18n();
  const per = perText(t, data.bucketMinutes);
  const times = useMemo(() => data.buckets.map((b) => Date.parse(b.at)), [data]);
  const label = useCallback((k: Count) => t(`dashboard.series.${k}`), [t]);
  const mail = useMemo<ChartSeries[]>(
    () => MAIL.map((m) => ({ label: label(m.key), color: m.color, values: data.buckets.map((b) => b[m.key]) })),
    [data, label],
  );
  const queue = useMemo<ChartSeries[]>(
    () => [
      { label: t('dashboard.series.queueSize'), color: '#0b5cad', values: data.buckets.map((b) => b.queueSize) },
      {
        label: t('dashboard.series.oldestDeferred'),
        color: '#9a6700',
        values: data.buckets.map((b) => (b.oldestDeferredSeconds === null ? null : Math.round(b.oldestDeferredSeconds / 60))),
        rightAxis: { label: t('dashboard.minutes') },
      },
    ],
    [data, t],
  );
  const cases = useMemo<ChartSeries[]>(
    () => [{ label: label('casesOpened'), color: '#116329', values: data.buckets.map((b) => b.casesOpened), bars: true }],
    [data, label],
  );
  const sampled = [...data.buckets].reverse().find((b) => b.queueSize !== null) ?? null;
  const range = rangeText(t, data.range).toLowerCase();
  const mailSummary = t('dashboard.mail.summary', { range, ...Object.fromEntries(MAIL.map((m) => [m.key, data.totals[m.key]])) });
  const queueSummary = sampled
    ? `${t('dashboard.queue.summary', { size: sampled.queueSize ?? 0 })} ${sampled.oldestDeferredSeconds === null ? t('dashboard.queue.noneDeferred') : t('dashboard.queue.oldest', { minutes: Math.round(sampled.oldestDeferredSeconds / 60) })}`
    : t('dashboard.queue.none');
  const casesSummary = t('dashboard.cases.summary', { range, count: data.totals.casesOpened });

  return (
    <>
      <p className="muted" data-testid="rolled-until">
        {data.rolledUntil ? t('dashboard.rolledUntil', { time: formatTime(data.rolledUntil) }) : t('dashboard.notYet')}
      </p>
      <section aria-labelledby="totals-title">
        <h2 id="totals-title">{t('dashboard.totals', { range })}</h2>
        <dl className="totals" data-testid="totals">
          {([...MAIL.map((m) => m.key), 'casesOpened'] as Count[]).map((k) => (
            <div key={k} data-total={k}>
              <dt>{label(k)}</dt>
              <dd>{data.totals[k].toLocaleString()}</dd>
            </div>
          ))}
        </dl>
      </section>
      <ChartPanel
        id="mail"
        title={t('dashboard.mail.title', { per })}
        summary={mailSummary}
        times={times}
        series={mail}
        formatTick={formatTick}
        formatTime={formatTime}
      />
      <ChartPanel
        id="queue"
        title={t('dashboard.queue.title')}
        summary={queueSummary}
        times={times}
        series={queue}
        formatTick={formatTick}
        formatTime={formatTime}
      />
      <ChartPanel
        id="cases"
        title={t('dashboard.cases.title', { per })}
        summary={casesSummary}
        times={times}
        series={cases}
        formatTick={formatTick}
        formatTime={formatTime}
      />
      <Hops hops={data.hops} formatTime={formatTime} />
      {data.destinations.length > 0 && <Destinations destinations={data.destinations} formatTime={formatTime} />}
    </>
  );
}

/** A chart, the sentence it stands for, and its figures as a table for whoever cannot see it. */
function ChartPanel({
  id,
  title,
  summary,
  times,
  series,
  formatTick,
  formatTime,
}: {
  id: string;
  title: string;
  summary: string;
  times: number[];
  series: ChartSeries[];
  formatTick: (ms: number) => string;
  formatTime: (iso: string) => string;
}) {
  const { t } = useI18n();
  return (
    <section className="chart-panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p className="chart-summary" data-testid={`${id}-summary`}>
        {summary}
      </p>
      <TimeChart times={times} series={series} summary={summary} formatTick={formatTick} testId={`${id}-chart`} />
      <details>
        <summary>{t('dashboard.table.show')}</summary>
        <table className="list figures">
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dashboard.col.time')}</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {times.map((at, i) => (
              <tr key={at}>
                <th scope="row">
                  <time dateTime={new Date(at).toISOString()}>{formatTime(new Date(at).toISOString())}</time>
                </th>
                {series.map((s) => (
                  <td key={s.label}>{s.values[i] ?? '–'}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function Hops({ hops, formatTime }: { hops: Hop[]; formatTime: (iso: string) => string }) {
  const { t } = useI18n();
  const when = (iso: string | null) => (iso ? <time dateTime={iso}>{formatTime(iso)}</time> : <span className="muted">{t('dashboard.never')}</span>);
  return (
    <section aria-labelledby="hops-title">
      <h2 id="hops-title">{t('dashboard.hops.title')}</h2>
      <p className="muted">{t('dashboard.hops.intro')}</p>
      {hops.length === 0 ? (
        <p>{t('dashboard.hops.empty')}</p>
      ) : (
        <table className="list" data-testid="hops">
          <thead>
            <tr>
              <th scope="col">{t('dashboard.hops.col.hop')}</th>
              <th scope="col">{t('dashboard.hops.col.lastSuccess')}</th>
              <th scope="col">{t('dashboard.hops.col.lastError')}</th>
              <th scope="col">{t('dashboard.hops.col.deferred')}</th>
            </tr>
          </thead>
          <tbody>
            {hops.map((h) => (
              <tr key={`${h.kind}:${h.name}`} data-hop={h.name} className={h.deferred > 0 ? 'hop-waiting' : undefined}>
                <th scope="row">{t(`dashboard.hops.kind.${h.kind}`, { name: h.name })}</th>
                <td>{when(h.lastSuccessAt)}</td>
                <td>
                  {h.lastErrorAt ? (
                    <>
                      {when(h.lastErrorAt)}
                      <br />
                      <code className="hop-error">{h.lastError}</code>
                    </>
                  ) : (
                    when(null)
                  )}
                </td>
                <td>{h.deferred}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Pacing: the domains held back, slowed down or down, and why (shown only when there are any). */
function Destinations({ destinations, formatTime }: { destinations: Destination[]; formatTime: (iso: string) => string }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="destinations-title">
      <h2 id="destinations-title">{t('dashboard.destinations.title')}</h2>
      <p className="muted">{t('dashboard.destinations.intro')}</p>
      <table className="list" data-testid="destinations">
        <thead>
          <tr>
            <th scope="col">{t('dashboard.destinations.col.domain')}</th>
            <th scope="col">{t('dashboard.destinations.col.deferred')}</th>
            <th scope="col">{t('dashboard.destinations.col.lastReason')}</th>
            <th scope="col">{t('dashboard.destinations.col.slowedUntil')}</th>
            <th scope="col">{t('dashboard.destinations.col.state')}</th>
          </tr>
        </thead>
        <tbody>
          {destinations.map((d) => (
            <tr key={d.domain} data-destination={d.domain}>
              <th scope="row">{d.domain}</th>
              <td>{d.deferred}</td>
              <td>
                {d.lastReasonAt && <time dateTime={d.lastReasonAt}>{formatTime(d.lastReasonAt)}</time>}
                {d.lastReason && (
                  <>
                    <br />
                    <code className="hop-error">{d.lastReason}</code>
                  </>
                )}
              </td>
              <td>
                {d.slowedUntil ? (
                  <time dateTime={d.slowedUntil}>{formatTime(d.slowedUntil)}</time>
                ) : (
                  <span className="muted">{t('dashboard.destinations.fullSpeed')}</span>
                )}
              </td>
              <td data-state={d.down ? 'down' : 'up'}>
                {d.down ? (
                  t('dashboard.destinations.down', { since: formatTime(d.down.since), nextProbeAt: formatTime(d.down.nextProbeAt) })
                ) : (
                  <span className="muted">{t('dashboard.destinations.up')}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
