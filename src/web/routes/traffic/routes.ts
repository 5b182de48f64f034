import { z } from 'zod';
import { slowedUntil } from '../../../outbound/index.js';
import { loadDestinations, loadHopHealth, loadTrafficMinutes, MINUTE_MS } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { bucketize, RANGES, rangeSpan, type TrafficRange } from './buckets.js';

/** The traffic dashboard: the rollup job's figures, the same on every node of a shared store. */
const count = (what: string) => z.number().int().nullable().describe(`${what}; null where no minute of the bucket was rolled`);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

const bucketSchema = z.object({
  at: z.string().describe("the bucket's start"),
  accepted: count('messages accepted (received over SMTP or generated here)'),
  delivered: count('deliveries (one per recipient) delivered'),
  deferred: count('delivery attempts deferred for a retry'),
  bounced: count('deliveries bounced or expired'),
  spamHeld: count('messages classified as spam and held in quarantine'),
  casesOpened: count('cases opened'),
  queueSize: z.number().int().nullable().describe('deliveries waiting (queued, active, deferred): the largest sample in the bucket'),
  oldestDeferredSeconds: z.number().int().nullable().describe('how long the oldest deferred delivery had waited: the largest sample in the bucket'),
});

const hopSchema = z.object({
  kind: z
    .enum(['route', 'domain', 'local'])
    .describe('route: a host named by a rule; domain: by MX or a host serving the domain; local: the mailbox, desk or webhook transport'),
  name: z.string(),
  lastSuccessAt: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastError: z.string().nullable().describe('the reply or error of the last failed attempt'),
  deferred: z.number().int().describe('deliveries waiting for a retry at the last sample'),
});

const destinationSchema = z.object({
  domain: z.string().describe('a recipient domain (outbound.limits)'),
  deferred: z.number().int().describe('deliveries held back by pacing or deferred by a "try later" reply, counted by every node'),
  lastReason: z.string().nullable().describe('why the last of them waited: "pacing: gmail.com at 5 connections", or the "try later" reply'),
  lastReasonAt: z.string().nullable(),
  slowedUntil: z.string().nullable().describe('while a "try later" reply keeps the domain slowed down: when it is back at full speed'),
  down: z
    .object({
      since: z.string().describe('when connection failures in a row marked it down'),
      nextProbeAt: z.string().describe('when one node next tries to connect; until then no delivery to it connects'),
    })
    .nullable()
    .describe('set while the domain does not answer (refused, timed out, no greeting)'),
});

const totalsSchema = z.object({
  accepted: z.number().int(),
  delivered: z.number().int(),
  deferred: z.number().int(),
  bounced: z.number().int(),
  spamHeld: z.number().int(),
  casesOpened: z.number().int(),
});

const show = defineRoute({
  method: 'GET',
  path: '/api/traffic',
  operationId: 'showTraffic',
  summary: 'Mail and case figures over the last hour, day or week, and the health of each next hop',
  tag: 'traffic',
  action: 'stats.read',
  query: z.strictObject({ range: z.enum(['hour', 'day', 'week']).default('hour').describe('hour: per minute; day: per 15 minutes; week: per hour') }),
  response: z.object({
    range: z.enum(['hour', 'day', 'week']),
    bucketMinutes: z.number().int(),
    from: z.string(),
    to: z.string(),
    buckets: z.array(bucketSchema),
    totals: totalsSchema.describe('the counts over the whole range'),
    rolledUntil: z.string().nullable().describe('the end of the last minute counted; later mail shows after the next rollup (every minute)'),
    hops: z.array(hopSchema),
    destinations: z.array(destinationSchema).describe('recipient domains that pacing held back, that answered "try later" or that are down; the latest first'),
  }),
  failures: [403],
  async command({ input: { query }, deps }) {
    const range: TrafficRange = query.range;
    const span = rangeSpan(range, deps.now());
    const [minutes, hops, destinations] = await Promise.all([loadTrafficMinutes(deps.db, span), loadHopHealth(deps.db), loadDestinations(deps.db)]);
    const now = deps.now();
    const buckets = bucketize(minutes, span);
    const totals = { accepted: 0, delivered: 0, deferred: 0, bounced: 0, spamHeld: 0, casesOpened: 0 };
    for (const m of minutes) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += m[k];
    const last = minutes.at(-1);
    return {
      range,
      bucketMinutes: RANGES[range].bucketMinutes,
      from: iso(span.from)!,
      to: iso(span.to)!,
      buckets: buckets.map(({ at, oldestDeferredMs, ...figures }) => ({
        at: iso(at)!,
        ...figures,
        oldestDeferredSeconds: oldestDeferredMs === null ? null : Math.round(oldestDeferredMs / 1000),
      })),
      totals,
      rolledUntil: last ? iso(last.minute + MINUTE_MS) : null,
      hops: hops.map((h) => ({
        kind: h.kind,
        name: h.name,
        lastSuccessAt: iso(h.lastSuccessAt),
        lastErrorAt: iso(h.lastErrorAt),
        lastError: h.lastError,
        deferred: h.deferred,
      })),
      destinations: destinations.map((d) => ({
        domain: d.destination,
        deferred: d.deferred,
        lastReason: d.lastReason,
        lastReasonAt: iso(d.lastReasonAt),
        slowedUntil: iso(slowedUntil(d.slow, now)),
        down: d.down
          ? { since: iso(d.down.since)!, nextProbeAt: iso(d.down.probing ? Math.max(d.down.probeAt, d.down.probing.until) : d.down.probeAt)! }
          : null,
      })),
    };
  },
});

export const trafficRoutes: readonly ApiRoute[] = [show];
