import { refusalText } from '../base/refusal-texts.js';
import { createHash } from 'node:crypto';
import { RelaydeskError } from '../base/errors.js';
import { randomToken } from '../base/ids.js';
import { deleteApiToken, findApiTokenByHash, insertApiToken, listApiTokens, touchApiToken, type ApiRole, type ApiTokenRow, type Db } from '../store/index.js';

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
export async function createApiToken(db: Db, input: { name: string; role: ApiRole; now: number }): Promise<ApiTokenRow & { token: string }> {
  const bad = checkTokenName(input.name);
  if (bad) throw new RelaydeskError('BAD_INPUT', bad);
  const token = `${TOKEN_PREFIX}${randomToken(40)}`;
  const hint = token.slice(0, 7);
  if (!(await insertApiToken(db, { name: input.name, role: input.role, hash: hashToken(token), hint, now: input.now }))) {
    throw new RelaydeskError('CONFLICT', `a token named "${input.name}" exists; revoke it first or choose another name`, [], {
      text: refusalText('token-exists', { name: input.name }),
    });
  }
  return { name: input.name, role: input.role, hint, createdAt: input.now, lastUsedAt: null, token };
}

export const listTokens = (db: Db): Promise<ApiTokenRow[]> => listApiTokens(db);

export async function revokeApiToken(db: Db, name: string): Promise<{ name: string; revoked: true }> {
  if (!(await deleteApiToken(db, name)))
    throw new RelaydeskError('NOT_FOUND', `no token named "${name}"; see \`relaydesk token list\``, [], { text: refusalText('token-not-found', { name }) });
  return { name, revoked: true };
}

/** Whether a string has the shape of a token at all, before the store is asked. */
export const isTokenShape = (token: string): boolean => TOKEN_SHAPE.test(token);

/** The live token a script presents, or null (unknown or revoked); notes its use. */
export async function findLiveToken(db: Db, token: string, now: number): Promise<ApiTokenRow | null> {
  const row = await findApiTokenByHash(db, hashToken(token));
  if (!row) return null;
  if (row.lastUsedAt === null || now - row.lastUsedAt > TOUCH_EVERY_MS) await touchApiToken(db, row.name, now);
  return row;
}
