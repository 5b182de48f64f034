import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { newQueueId, randomToken } from '../../base/ids.js';
import { readAll, wholeMessage } from '../../base/message-source.js';
import type { Logger } from '../../base/log.js';
import { replyText } from '../../base/trace-texts.js';
import { enqueue, type AttemptOutcome, type Transport } from '../../queue/light.js';
import type { WebhookMetrics } from '../../metrics/index.js';
import {
  listDeskChannels,
  listWebhooks,
  loadCaseById,
  loadConversion,
  loadDeskMessages,
  loadLead,
  loadWebhook,
  type Db,
  type DbTransaction,
} from '../../store/index.js';
import { checkDestinationHost, checkResolvedAddresses } from '../destination-address.js';
import { caseView, conversionView, isoTime, leadView, messageView } from '../views.js';
import { WEBHOOK_TRANSPORT, webhookEventRecord } from '../webhook-event.js';
import { webhookHeaders, type WebhookEnvelope } from '../webhook-format.js';

/**
 * Webhooks: each desk effect that someone subscribed to becomes a message in the
 * durable queue, written in the effect's own transaction (so an event is never sent
 * for an effect that rolled back, nor lost for one that committed). Its body is the
 * event's JSON; each subscription is one delivery with transport `webhook`, retried
 * and traced like any mail.
 */
export type DeskEvent =
  | { readonly type: 'case.created'; readonly caseId: number; readonly at: number }
  | { readonly type: 'case.updated'; readonly caseId: number; readonly at: number; readonly change: 'status' | 'assignee' | 'reply' | 'note' }
  | { readonly type: 'message.received'; readonly caseId: number | null; readonly leadId: number | null; readonly deskMessageId: number; readonly at: number }
  | { readonly type: 'lead.created'; readonly leadId: number; readonly at: number }
  | { readonly type: 'lead.converted'; readonly leadId: number; readonly at: number }
  | { readonly type: 'case.sla_breached'; readonly caseId: number; readonly target: 'firstResponse' | 'resolution'; readonly at: number };

/** A receiver that does not answer within this long is retried later (a temporary failure). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** A queued event is a few KB of JSON; anything far larger is not one of ours. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;
/** Of a receiver's answer, only this much is kept in the trace. */
const MAX_RESPONSE_CHARS = 300;

/**
 * Queues `event` for every subscription that asked for its type, in the caller's
 * transaction. Nothing is read or written when no one subscribed. Returns how many
 * deliveries were queued.
 */
export async function emitDeskEvent(trx: DbTransaction, event: DeskEvent): Promise<number> {
  const subs = (await listWebhooks(trx)).filter((s) => s.events.includes(event.type));
  if (subs.length === 0) return 0;
  const data = await eventData(trx, event);
  if (!data) return 0;
  const queueId = newQueueId(event.at);
  const envelope: WebhookEnvelope = { id: `evt_${randomToken(24)}`, type: event.type, createdAt: isoTime(event.at), data };
  await enqueue(trx, webhookEventRecord({ queueId, envelope, subscriptions: subs, at: event.at }));
  return subs.length;
}

/** The event's payload, from the rows as the effect left them (same views as the API). */
async function eventData(trx: DbTransaction, event: DeskEvent): Promise<Record<string, unknown> | null> {
  const channels = await listDeskChannels(trx);
  const caseOf = async (id: number | null) => {
    const c = id === null ? null : await loadCaseById(trx, id);
    return c ? caseView(c, channels) : null;
  };
  const leadOf = async (id: number | null) => {
    const l = id === null ? null : await loadLead(trx, id);
    return l ? leadView(l, channels) : null;
  };
  switch (event.type) {
    case 'case.created': {
      const c = await caseOf(event.caseId);
      return c && { case: c };
    }
    case 'case.updated': {
      const c = await caseOf(event.caseId);
      return c && { case: c, change: event.change };
    }
    case 'message.received': {
      const where = event.caseId !== null ? { caseId: event.caseId } : event.leadId !== null ? { leadId: event.leadId } : null;
      const m = where ? (await loadDeskMessages(trx, where)).find((x) => Number(x.id) === event.deskMessageId) : undefined;
      if (!m) return null;
      return { ...(event.caseId !== null ? { case: await caseOf(event.caseId) } : { lead: await leadOf(event.leadId) }), message: messageView(m) };
    }
    case 'lead.created': {
      const l = await leadOf(event.leadId);
      return l && { lead: l };
    }
    case 'case.sla_breached': {
      const c = await caseOf(event.caseId);
      return c && { case: c, target: event.target };
    }
    case 'lead.converted': {
      const l = await leadOf(event.leadId);
      return l && { lead: l, conversion: conversionView(await loadConversion(trx, event.leadId)) };
    }
  }
}

/**
 * What an HTTP answer means for the delivery. 2xx: delivered. 408, 429 and 5xx: the
 * receiver may manage later, so retry. Redirects are not followed (the URL is the
 * admin's to fix), and other 4xx refuse the event for good.
 */
export function decideWebhookOutcome(status: number): 'delivered' | 'deferred' | 'bounced' {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'deferred';
  if (status >= 300 && status < 500) return 'bounced';
  return 'deferred';
}

/** Every address a host name resolves to, as `dns.lookup` gives them. Tests inject fixed answers. */
export type WebhookLookup = (hostname: string) => Promise<readonly { readonly address: string; readonly family: number }[]>;

export const systemWebhookLookup: WebhookLookup = (hostname) => dns.lookup(hostname, { all: true });

/** The destination is not allowed (desk.webhooks.allowPrivateDestinations): retrying cannot help. */
export class WebhookDestinationRefused extends Error {}

export interface WebhookPost {
  readonly url: string;
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
  readonly lookup: WebhookLookup;
  readonly allowPrivateDestinations: boolean;
}

/**
 * The socket's `lookup`: it resolves the name once, checks every address it got, and hands
 * the socket only those. The connection therefore goes to an address that was checked, and
 * a name that answers one thing to a check and another to the connection (DNS rebinding)
 * gains nothing.
 */
function checkedLookup(resolve: WebhookLookup, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : [...found];
        const first = wanted[0];
        if (first === undefined) {
          return callback(Object.assign(new Error(`${hostname} has no address to connect to`), { code: 'ENOTFOUND' }), '');
        }
        const refused = checkResolvedAddresses(
          hostname,
          wanted.map((a) => a.address),
          allowPrivate,
        );
        if (refused !== null) return callback(new WebhookDestinationRefused(refused), '');
        if (options.all)
          callback(
            null,
            wanted.map((a) => ({ address: a.address, family: a.family })),
          );
        else callback(null, first.address, first.family);
      },
      (e: unknown) => callback(e as NodeJS.ErrnoException, ''),
    );
  };
}

/**
 * One POST, no redirects followed; the answer's status and the start of its body. A host
 * that is an address is checked here (the socket looks nothing up for it); a name is
 * checked by what it resolves to, on the way to the connection.
 */
export function postWebhook(p: WebhookPost): Promise<{ status: number; text: string; location: string | null }> {
  return new Promise((resolve, reject) => {
    const url = new URL(p.url);
    const refused = checkDestinationHost(url.hostname, p.allowPrivateDestinations);
    if (refused !== null) return reject(new WebhookDestinationRefused(refused));
    const lib = url.protocol === 'https:' ? https : http;
    const lookup = checkedLookup(p.lookup, p.allowPrivateDestinations);
    // No pooled sockets (agent: false): a kept-alive connection would skip the checked lookup,
    // and could outlive the configuration that allowed its destination.
    const req = lib.request(url, { method: 'POST', headers: { ...p.headers, 'Content-Length': String(p.body.length) }, lookup, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (text.length < MAX_RESPONSE_CHARS) text += chunk;
        else res.destroy();
      });
      const done = () =>
        resolve({
          status: res.statusCode ?? 0,
          text: text.slice(0, MAX_RESPONSE_CHARS),
          location: typeof res.headers.location === 'string' ? res.headers.location : null,
        });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${p.timeoutMs / 1000} s`)), p.timeoutMs);
    req.on('error', reject);
    req.on('close', () => clearTimeout(timer));
    req.end(p.body);
  });
}

/**
 * The webhook transport of the queue: one signed POST per delivery (subscription), only to
 * destinations the configuration in force allows at the time of sending.
 */
export function webhookTransport(deps: {
  db: Db;
  logger: Logger;
  now: () => number;
  lookup?: WebhookLookup;
  timeoutMs?: number;
  userAgent?: string;
  metrics?: WebhookMetrics;
}): Transport {
  return {
    key: WEBHOOK_TRANSPORT,
    async deliver({ message, source, deliveries, config }) {
      const out = new Map<number, AttemptOutcome>();
      const allowPrivateDestinations = config.config.desk?.webhooks.allowPrivateDestinations ?? false;
      let envelope: WebhookEnvelope | null;
      // The event as it was queued: small JSON, read whole (bounded all the same).
      const raw = await readAll(wholeMessage(source), MAX_EVENT_BYTES);
      try {
        envelope = JSON.parse(raw.toString('utf8')) as WebhookEnvelope;
      } catch {
        envelope = null;
      }
      for (const d of deliveries) {
        const sub = await loadWebhook(deps.db, d.recipient);
        if (!sub) {
          out.set(d.id, {
            kind: 'bounced',
            reply: `webhook subscription ${d.recipient} was removed; event not sent`,
            replyText: replyText('reply.webhook-removed', { subscription: d.recipient }),
            status: '5.1.1',
          });
          deps.metrics?.webhookPost('bounced', 'subscription_removed');
          continue;
        }
        if (!envelope?.id || !envelope.type) {
          out.set(d.id, {
            kind: 'bounced',
            reply: `the stored event of ${message.queueId} is not a webhook event`,
            replyText: replyText('reply.webhook-not-event', { queueId: message.queueId }),
            status: '5.6.0',
          });
          deps.metrics?.webhookPost('bounced', 'bad_event');
          continue;
        }
        const host = new URL(sub.url).host;
        const sentAt = Math.floor(deps.now() / 1000);
        try {
          const r = await postWebhook({
            url: sub.url,
            body: raw,
            timeoutMs: deps.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
            lookup: deps.lookup ?? systemWebhookLookup,
            allowPrivateDestinations,
            headers: webhookHeaders({ envelope, body: raw, secret: sub.secret, sentAt, userAgent: deps.userAgent ?? 'Relaydesk-Webhook/0.1' }),
          });
          const said = `HTTP ${r.status}${r.location ? ` (redirect to ${r.location} not followed; fix the webhook URL)` : ''}${r.text ? `: ${r.text.replace(/\s+/g, ' ').trim()}` : ''}`;
          const kind = decideWebhookOutcome(r.status);
          out.set(d.id, kind === 'bounced' ? { kind, reply: said, remoteMta: host, status: '5.0.0' } : { kind, reply: said, remoteMta: host });
          deps.metrics?.webhookPost(kind, `http_${Math.floor(r.status / 100)}xx`);
        } catch (e) {
          if (e instanceof WebhookDestinationRefused) out.set(d.id, { kind: 'bounced', reply: `not sent: ${e.message}`, remoteMta: host, status: '5.7.1' });
          else out.set(d.id, { kind: 'deferred', reply: `POST ${host} failed: ${(e as Error).message}`, remoteMta: host });
          deps.metrics?.webhookPost(
            e instanceof WebhookDestinationRefused ? 'bounced' : 'deferred',
            e instanceof WebhookDestinationRefused ? 'destination_refused' : 'no_answer',
          );
        }
      }
      return out;
    },
  };
}
