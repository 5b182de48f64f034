import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
// The cookie plugin (registered in server.ts) adds req.cookies and reply.setCookie.
import type {} from '@fastify/cookie';
import { deleteSession, deleteStaleSessions, findSession, insertSession, touchSession, type Db, type SessionRow, type UserRow } from '../../store/index.js';
import { HttpProblem } from '../http-problem.js';
import { hashToken } from './api-tokens.js';
import { CSRF_HEADER, sameSecret, STATE_CHANGING } from './csrf.js';
import type { Authenticator } from './principal.js';

export const SESSION_COOKIE = 'rd_session';
/** A session ends after 12 hours without a request, and 7 days after login whatever happens. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 60 * 60 * 1000;
/** `last seen` is written at most this often per session, not on every request. */
const TOUCH_EVERY_MS = 60_000;

/** Session ids are 32 random bytes; the store keeps only their SHA-256. */
export const hashSessionId = hashToken;

export interface OpenedSession {
  readonly id: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export async function openSession(db: Db, user: UserRow, now: number): Promise<OpenedSession> {
  // Logins are rare; this is when ended sessions are swept.
  await deleteStaleSessions(db, now, now - SESSION_IDLE_MS);
  const id = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = now + SESSION_ABSOLUTE_MS;
  await insertSession(db, { idHash: hashSessionId(id), userId: user.id, csrfToken, now, expiresAt });
  return { id, csrfToken, expiresAt };
}

/** The live session the request's cookie names, or null (none, ended, or its user disabled). */
export async function sessionOf(db: Db, req: FastifyRequest, now: number): Promise<SessionRow | null> {
  const id = req.cookies?.[SESSION_COOKIE];
  if (!id || id.length > 100) return null;
  const s = await findSession(db, hashSessionId(id));
  if (!s) return null;
  if (s.expiresAt <= now || now - s.lastSeenAt >= SESSION_IDLE_MS || s.user.disabled) {
    await deleteSession(db, s.idHash);
    return null;
  }
  if (now - s.lastSeenAt > TOUCH_EVERY_MS) await touchSession(db, s.idHash, now);
  return s;
}

/** Refuses (403 CSRF) a state-changing request whose X-CSRF-Token is not the session's. */
export function checkCsrf(req: FastifyRequest, s: SessionRow): void {
  if (!STATE_CHANGING.has(req.method)) return;
  const given = req.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameSecret(given, s.csrfToken)) {
    throw new HttpProblem('CSRF', 'the request lacks the X-CSRF-Token of this session; reload the console (GET /api/session gives the token) and try again');
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
