/**
 * The dashboard's ranges and how their rolled minutes become buckets. Pure: the minutes and
 * the time are arguments.
 */
import type { TrafficMinute } from '../../../store/index.js';

export type TrafficRange = 'hour' | 'day' | 'week';

const MINUTE_MS = 60_000;

/** Per minute for an hour, per quarter hour for a day, per hour for a week: about a hundred points each. */
export const RANGES: Record<TrafficRange, { readonly bucketMinutes: number; readonly buckets: number }> = {
  hour: { bucketMinutes: 1, buckets: 60 },
  day: { bucketMinutes: 15, buckets: 96 },
  week: { bucketMinutes: 60, buckets: 168 },
};

/** One rolled minute, as the store keeps it. */
export type MinuteFigures = TrafficMinute;

export interface Bucket {
  readonly at: number;
  /** Null where no minute of the bucket was rolled (the chart shows a gap, not a zero). */
  readonly accepted: number | null;
  readonly delivered: number | null;
  readonly deferred: number | null;
  readonly bounced: number | null;
  readonly spamHeld: number | null;
  readonly casesOpened: number | null;
  /** The largest sample in the bucket. */
  readonly queueSize: number | null;
  readonly oldestDeferredMs: number | null;
}

/** The span a range covers now: whole buckets, the last one the bucket under way. */
export function rangeSpan(range: TrafficRange, now: number): { from: number; to: number; bucketMs: number } {
  const { bucketMinutes, buckets } = RANGES[range];
  const bucketMs = bucketMinutes * MINUTE_MS;
  const to = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  return { from: to - buckets * bucketMs, to, bucketMs };
}

const COUNTS = ['accepted', 'delivered', 'deferred', 'bounced', 'spamHeld', 'casesOpened'] as const;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Sums the counts and keeps the largest sample of the minutes in each bucket. */
export function bucketize(minutes: readonly MinuteFigures[], span: { from: number; to: number; bucketMs: number }): Bucket[] {
  const out: Mutable<Bucket>[] = [];
  for (let at = span.from; at < span.to; at += span.bucketMs)
    out.push({
      at,
      accepted: null,
      delivered: null,
      deferred: null,
      bounced: null,
      spamHeld: null,
      casesOpened: null,
      queueSize: null,
      oldestDeferredMs: null,
    });
  for (const m of minutes) {
    if (m.minute < span.from || m.minute >= span.to) continue;
    const b = out[Math.floor((m.minute - span.from) / span.bucketMs)]!;
    for (const k of COUNTS) b[k] = (b[k] ?? 0) + m[k];
    if (m.queueSize !== null) b.queueSize = Math.max(b.queueSize ?? 0, m.queueSize);
    if (m.oldestDeferredMs !== null) b.oldestDeferredMs = Math.max(b.oldestDeferredMs ?? 0, m.oldestDeferredMs);
  }
  return out;
}
