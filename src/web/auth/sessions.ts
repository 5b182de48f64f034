import { refusalText } from '../../base/refusal-texts.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
// The cookie plugin (registered in server.ts) adds req.cookies and reply.setCookie.
import type {} from '@fastify/cookie';
import { liveSession, type OpenedSession } from '../../accounts/index.js';
import type { Db, SessionRow } from '../../store/index.js';
import { HttpProblem } from '../http-problem.js';
import { CSRF_HEADER, sameSecret, STATE_CHANGING } from './csrf.js';
import type { Authenticator } from './principal.js';

export const SESSION_COOKIE = 'rd_session';

/** The live session the request's cookie names, or null (none, ended, or its user disabled). */
export async function sessionOf(db: Db, req: FastifyRequest, now: number): Promise<SessionRow | null> {
  const id = req.cookies?.[SESSION_COOKIE];
  if (!id || id.length > 100) return null;
  return liveSession(db, id, now);
}

/** Refuses (403 CSRF) a state-changing request whose X-CSRF-Token is not the session's. */
export function checkCsrf(req: FastifyRequest, s: SessionRow): void {
  if (!STATE_CHANGING.has(req.method)) return;
  const given = req.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameSecret(given, s.csrfToken)) {
    throw new HttpProblem(
      'CSRF',
      'the request lacks the X-CSRF-Token of this session; reload the console (GET /api/session gives the token) and try again',
      [],
      refusalText('csrf-missing', {}),
    );
  }
}

/**
 * The console's cookie. Without it the next authenticator is asked; with an ended one the
 * answer is 401; a state-changing request must also carry the session's CSRF token.
 * Bearer tokens are asked first: a script never depends on a cookie.
 */
export function sessionAuthenticator(db: Db, now: () => number = Date.now): Authenticator {
  return async (req) => {
    if (!req.cookies?.[SESSION_COOKIE]) return { kind: 'none' };
    const s = await sessionOf(db, req, now());
    if (!s) return { kind: 'refused', reason: 'the console session has ended (logged out, expired or revoked); log in again' };
    checkCsrf(req, s);
    return { kind: 'principal', principal: { kind: 'session', name: s.user.email, role: s.user.role } };
  };
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, session: OpenedSession): void {
  reply.setCookie(SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: req.protocol === 'https',
    expires: new Date(session.expiresAt),
  });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.protocol === 'https' });
}
