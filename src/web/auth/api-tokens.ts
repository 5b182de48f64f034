import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { RelaydeskError } from '../../base/errors.js';
import { randomToken } from '../../base/ids.js';
import { deleteApiToken, findApiTokenByHash, insertApiToken, listApiTokens, touchApiToken, type ApiTokenRow, type Db } from '../../store/index.js';
import type { Authenticator, Role } from './principal.js';

/** Tokens look like `rd_` and 40 random [a-z0-9]: ~206 bits, easy to spot in a leaked file. */
export const TOKEN_PREFIX = 'rd_';
const TOKEN_SHAPE = /^rd_[a-z0-9]{40}$/;
const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `last used` is written at most this often per token, not on every request. */
const TOUCH_EVERY_MS = 60_000;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export function checkTokenName(name: string): string | null {
  return NAME_SHAPE.test(name) ? null : `the token name "${name}" must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit`;
}

/** Makes a token; the token itself is in the answer and nowhere else (only its hash is kept). */
export async function createApiToken(db: Db, input: { name: string; role: Role; now: number }): Promise<ApiTokenRow & { token: string }> {
  const bad = checkTokenName(input.name);
  if (bad) throw new RelaydeskError('BAD_INPUT', bad);
  const token = `${TOKEN_PREFIX}${randomToken(40)}`;
  const hint = token.slice(0, 7);
  if (!(await insertApiToken(db, { name: input.name, role: input.role, hash: hashToken(token), hint, now: input.now }))) {
    throw new RelaydeskError('CONFLICT', `a token named "${input.name}" exists; revoke it first or choose another name`);
  }
  return { name: input.name, role: input.role, hint, createdAt: input.now, lastUsedAt: null, token };
}

export const listTokens = (db: Db): Promise<ApiTokenRow[]> => listApiTokens(db);

export async function revokeApiToken(db: Db, name: string): Promise<{ name: string; revoked: true }> {
  if (!(await deleteApiToken(db, name))) throw new RelaydeskError('NOT_FOUND', `no token named "${name}"; see \`relaydesk token list\``);
  return { name, revoked: true };
}

/** `Authorization: Bearer rd_…` against the stored hashes. */
export function bearerTokenAuthenticator(db: Db, now: () => number = Date.now): Authenticator {
  return async (req: FastifyRequest) => {
    const header = req.headers.authorization;
    if (header === undefined) return { kind: 'none' };
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) return { kind: 'refused', reason: 'the Authorization header must read "Bearer rd_…"' };
    const token = m[1]!;
    if (!TOKEN_SHAPE.test(token)) return { kind: 'refused', reason: 'that is not a Relaydesk API token (they start with rd_); make one with `relaydesk token create`' };
    const row = await findApiTokenByHash(db, hashToken(token));
    if (!row) return { kind: 'refused', reason: 'the API token is unknown or revoked; make a new one with `relaydesk token create`' };
    const t = now();
    if (row.lastUsedAt === null || t - row.lastUsedAt > TOUCH_EVERY_MS) await touchApiToken(db, row.name, t);
    return { kind: 'principal', principal: { kind: 'token', name: row.name, role: row.role } };
  };
}
