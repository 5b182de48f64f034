import type { FastifyRequest } from 'fastify';
import { findLiveToken, isTokenShape } from '../../accounts/index.js';
import type { Db } from '../../store/index.js';
import type { Authenticator } from './principal.js';

/** `Authorization: Bearer rd_…` against the stored hashes. */
export function bearerTokenAuthenticator(db: Db, now: () => number = Date.now): Authenticator {
  return async (req: FastifyRequest) => {
    const header = req.headers.authorization;
    if (header === undefined) return { kind: 'none' };
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!m) return { kind: 'refused', reason: 'the Authorization header must read "Bearer rd_…"' };
    const token = m[1]!;
    if (!isTokenShape(token))
      return { kind: 'refused', reason: 'that is not a Relaydesk API token (they start with rd_); make one with `relaydesk token create`' };
    const row = await findLiveToken(db, token, now());
    if (!row) return { kind: 'refused', reason: 'the API token is unknown or revoked; make a new one with `relaydesk token create`' };
    return { kind: 'principal', principal: { kind: 'token', name: row.name, role: row.role } };
  };
}
