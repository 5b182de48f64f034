import type { Generated, Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/**
 * API tokens and webhook subscriptions (migration 0003-api). Their tables are declared
 * here rather than in schema.ts so the API can grow without touching the mail schema;
 * `withTables` adds them to the one Database type for these queries only.
 */
interface ApiTokenTable {
  id: Generated<number>;
  name: string;
  role: string;
  hash: string;
  hint: string;
  created_at: number;
  last_used_at: number | null;
}

interface ApiWebhookTable {
  id: string;
  url: string;
  events: string;
  secret: string;
  created_by: string;
  created_at: number;
}

type Exec = Kysely<Database> | Transaction<Database>;
const api = (db: Exec) => db.withTables<{ api_tokens: ApiTokenTable; api_webhooks: ApiWebhookTable }>();

export type ApiRole = 'admin' | 'agent';

export interface ApiTokenRow {
  readonly name: string;
  readonly role: ApiRole;
  /** The first characters of the token, to tell tokens apart in a list. */
  readonly hint: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

const toToken = (r: { name: string; role: string; hint: string; created_at: number; last_used_at: number | null }): ApiTokenRow => ({
  name: r.name,
  role: r.role === 'admin' ? 'admin' : 'agent',
  hint: r.hint,
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
});

/** False when the name is taken. */
export async function insertApiToken(db: Exec, t: { name: string; role: ApiRole; hash: string; hint: string; now: number }): Promise<boolean> {
  const taken = await api(db).selectFrom('api_tokens').select('id').where('name', '=', t.name).executeTakeFirst();
  if (taken) return false;
  await api(db).insertInto('api_tokens').values({ name: t.name, role: t.role, hash: t.hash, hint: t.hint, created_at: t.now, last_used_at: null }).execute();
  return true;
}

export async function listApiTokens(db: Exec): Promise<ApiTokenRow[]> {
  const rows = await api(db).selectFrom('api_tokens').select(['name', 'role', 'hint', 'created_at', 'last_used_at']).orderBy('name').execute();
  return rows.map(toToken);
}

export async function findApiTokenByHash(db: Exec, hash: string): Promise<ApiTokenRow | null> {
  const r = await api(db).selectFrom('api_tokens').select(['name', 'role', 'hint', 'created_at', 'last_used_at']).where('hash', '=', hash).executeTakeFirst();
  return r ? toToken(r) : null;
}

/** False when no token has that name. */
export async function deleteApiToken(db: Exec, name: string): Promise<boolean> {
  const r = await api(db).deleteFrom('api_tokens').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function touchApiToken(db: Exec, name: string, now: number): Promise<void> {
  await api(db).updateTable('api_tokens').set({ last_used_at: now }).where('name', '=', name).execute();
}

export interface WebhookRow {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly secret: string;
  readonly createdBy: string;
  readonly createdAt: number;
}

const toWebhook = (r: ApiWebhookTable): WebhookRow => ({
  id: r.id,
  url: r.url,
  events: JSON.parse(r.events) as string[],
  secret: r.secret,
  createdBy: r.created_by,
  createdAt: Number(r.created_at),
});

export async function insertWebhook(db: Exec, w: WebhookRow): Promise<void> {
  await api(db)
    .insertInto('api_webhooks')
    .values({ id: w.id, url: w.url, events: JSON.stringify(w.events), secret: w.secret, created_by: w.createdBy, created_at: w.createdAt })
    .execute();
}

export async function listWebhooks(db: Exec): Promise<WebhookRow[]> {
  const rows = await api(db).selectFrom('api_webhooks').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map(toWebhook);
}

export async function loadWebhook(db: Exec, id: string): Promise<WebhookRow | null> {
  const r = await api(db).selectFrom('api_webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? toWebhook(r) : null;
}

export async function deleteWebhook(db: Exec, id: string): Promise<boolean> {
  const r = await api(db).deleteFrom('api_webhooks').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
