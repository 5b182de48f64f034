import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { Case } from '../api/shapes.js';
import { useI18n, type Lang } from '../i18n/i18n.js';
import { POLL_MS, useApi } from './use-api.js';

type Sla = NonNullable<Case['sla']>;
type Target = 'firstResponse' | 'resolution';
const TARGETS: readonly Target[] = ['firstResponse', 'resolution'];

/** The time now, moved on every half minute so that "due in 2 h" keeps up on an open page. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

/** "in 2 hr." / "30 min. ago", in the page's language, in the largest unit that reads well. */
export function relativeTime(lang: Lang, at: number, now: number): string {
  const f = new Intl.RelativeTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', { style: 'short', numeric: 'always' });
  const diff = at - now;
  const abs = Math.abs(diff);
  if (abs < 3_600_000) return f.format(Math.round(diff / 60_000), 'minute');
  if (abs < 48 * 3_600_000) return f.format(Math.round(diff / 3_600_000), 'hour');
  return f.format(Math.round(diff / 86_400_000), 'day');
}

/**
 * Business time in hours from an hour up ("72 hrs", "1.5 hrs"), else in minutes ("45 mins"):
 * a target of 3d is 72 hours of business time, not three calendar days.
 */
export function formatTarget(lang: Lang, ms: number): string {
  const hours = ms >= 3_600_000;
  return new Intl.NumberFormat(lang === 'ja' ? 'ja-JP' : 'en-GB', {
    style: 'unit',
    unit: hours ? 'hour' : 'minute',
    unitDisplay: 'short',
    maximumFractionDigits: hours ? 1 : 0,
  }).format(hours ? ms / 3_600_000 : ms / 60_000);
}

const dueOf = (sla: Sla, target: Target): string | null => (target === 'firstResponse' ? sla.firstResponseDue : sla.resolutionDue);

/** The case list's cell: breached, paused, or the nearest due time. */
export function SlaDue({ sla }: { sla: Case['sla'] }) {
  const { t, lang } = useI18n();
  const now = useNow();
  if (!sla) return null;
  if (sla.breached.length > 0) {
    const due = Math.min(...sla.breached.map((b) => Date.parse(dueOf(sla, b) ?? '') || now));
    return <span className="badge sla-breached">{t('sla.breachedAgo', { when: relativeTime(lang, due, now) })}</span>;
  }
  if (sla.paused) return <span className="badge sla-paused">{t('sla.paused')}</span>;
  const dues = TARGETS.map((x) => dueOf(sla, x))
    .filter((d): d is string => d !== null)
    .map((d) => Date.parse(d));
  if (dues.length === 0) return null;
  const due = Math.min(...dues);
  return (
    <time dateTime={new Date(due).toISOString()} className={due <= now ? 'sla-overdue' : undefined}>
      {t(due <= now ? 'sla.overdue' : 'sla.dueIn', { when: relativeTime(lang, due, now) })}
    </time>
  );
}

/** The case page's facts: each target, met, due, breached or paused. */
export function SlaFacts({ c }: { c: Case }) {
  const { t, lang, formatTime } = useI18n();
  const now = useNow();
  const sla = c.sla;
  if (!sla) return null;
  const line = (target: Target) => {
    const due = dueOf(sla, target);
    const breached = sla.breached.includes(target);
    const left = sla.remaining?.[target] ?? null;
    if (target === 'firstResponse' && sla.firstResponseAt && !breached) return t('sla.met', { time: formatTime(sla.firstResponseAt) });
    if (breached && due) return <span className="badge sla-breached">{t('sla.breachedAgo', { when: relativeTime(lang, Date.parse(due), now) })}</span>;
    if (sla.paused && left !== null)
      return (
        <>
          <span className="badge sla-paused">{t('sla.paused')}</span> {t('sla.left', { left: formatTarget(lang, left) })}
        </>
      );
    if (due) {
      const at = Date.parse(due);
      return (
        <time dateTime={due} title={formatTime(due)}>
          {t(at <= now ? 'sla.overdue' : 'sla.dueIn', { when: relativeTime(lang, at, now) })} ({formatTime(due)})
        </time>
      );
    }
    return <span className="muted">{t('sla.stopped')}</span>;
  };
  return (
    <section className="case-sla" aria-labelledby="case-sla-heading" data-testid="case-sla">
      <h2 id="case-sla-heading">{t('sla.caseHeading')}</h2>
      {sla.paused && <p className="muted">{t('sla.pausedHint')}</p>}
      <dl className="case-facts">
        {TARGETS.map((target) => (
          <div key={target} data-sla-target={target}>
            <dt>{t(`sla.target.${target}`)}</dt>
            <dd>{line(target)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** The navigation's count of breached cases; nothing when there are none. */
export function BreachedBadge() {
  const { t } = useI18n();
  const { state } = useApi(() => api.get('/api/cases/counts'), [], { pollMs: POLL_MS });
  const n = state.kind === 'ready' ? state.data.breached : 0;
  if (n === 0) return null;
  return (
    <span className="nav-badge" data-testid="breached-count">
      <span aria-hidden="true">{n}</span>
      <span className="visually-hidden">{t('sla.badgeLabel', { count: n })}</span>
    </span>
  );
}
