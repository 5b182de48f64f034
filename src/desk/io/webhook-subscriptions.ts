import { refusalText } from '../../base/refusal-texts.js';
import { RelaydeskError } from '../../base/errors.js';
import { randomToken } from '../../base/ids.js';
import { deleteWebhook, insertWebhook, listWebhooks, type Db, type WebhookRow } from '../../store/index.js';
import { checkDestinationHost } from '../destination-address.js';
import { WEBHOOK_EVENTS, type WebhookEventType } from '../webhook-format.js';

/** A subscription as it is shown after it was made: the secret is never shown again. */
export interface WebhookSummary {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly createdBy: string;
  readonly createdAt: string;
}

export const summarizeWebhook = (w: WebhookRow): WebhookSummary => ({
  id: w.id,
  url: w.url,
  events: w.events,
  createdBy: w.createdBy,
  createdAt: new Date(w.createdAt).toISOString(),
});

/**
 * Why a URL cannot receive webhooks, or null when it can. Pure. A host that is a literal
 * address (or localhost) is judged here; a name is judged by what it resolves to, when
 * each event is sent.
 */
export function checkWebhookUrl(text: string, opts: { allowPrivateDestinations: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL; give one like https://crm.example.com/hooks/relaydesk`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `webhooks are sent over http or https only, not ${url.protocol.replace(/:$/, '')}`;
  if (url.username || url.password) return 'the URL must not carry a user or password; the signature authenticates each POST';
  if (url.hash) return 'the URL must not have a #fragment';
  return checkDestinationHost(url.hostname, opts.allowPrivateDestinations);
}

export function checkWebhookEvents(events: readonly string[]): string | null {
  if (events.length === 0) return `name at least one event: ${WEBHOOK_EVENTS.join(', ')}`;
  const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  return unknown.length ? `unknown event ${unknown.join(', ')}; events are ${WEBHOOK_EVENTS.join(', ')}` : null;
}

/** Subscribes `url` to `events`; without a secret one is made. The secret is returned once. */
export async function addWebhook(
  db: Db,
  input: {
    url: string;
    events: readonly string[];
    secret?: string;
    createdBy: string;
    now: number;
    /** desk.webhooks.allowPrivateDestinations in force */ allowPrivateDestinations: boolean;
  },
): Promise<WebhookSummary & { secret: string }> {
  const problems = [checkWebhookUrl(input.url, { allowPrivateDestinations: input.allowPrivateDestinations }), checkWebhookEvents(input.events)].filter(
    (p): p is string => p !== null,
  );
  if (input.secret !== undefined && input.secret.length < 16) problems.push('the secret must be at least 16 characters; leave it out to have one made');
  if (problems.length) throw new RelaydeskError('BAD_INPUT', `the webhook was not added: ${problems[0]}`, problems);
  const row: WebhookRow = {
    id: `wh_${randomToken(12)}`,
    url: new URL(input.url).toString(),
    events: [...new Set(input.events as readonly WebhookEventType[])],
    secret: input.secret ?? `whsec_${randomToken(32)}`,
    createdBy: input.createdBy,
    createdAt: input.now,
  };
  await insertWebhook(db, row);
  return { ...summarizeWebhook(row), secret: row.secret };
}

export async function listWebhookSummaries(db: Db): Promise<WebhookSummary[]> {
  return (await listWebhooks(db)).map(summarizeWebhook);
}

export async function removeWebhook(db: Db, id: string): Promise<{ id: string; removed: true }> {
  if (!(await deleteWebhook(db, id)))
    throw new RelaydeskError('NOT_FOUND', `no webhook ${id}; see \`relaydesk webhook list\``, [], { text: refusalText('webhook-not-found', { id }) });
  return { id, removed: true };
}
