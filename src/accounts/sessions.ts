import { randomBytes } from 'node:crypto';
import { deleteSession, deleteStaleSessions, findSession, insertSession, touchSession, type Db, type SessionRow, type UserRow } from '../store/index.js';
import { hashToken } from './api-tokens.js';

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

/** The live session with this id, or null (none, ended, or its user disabled); an ended one is removed. */
export async function liveSession(db: Db, id: string, now: number): Promise<SessionRow | null> {
  const s = await findSession(db, hashSessionId(id));
  if (!s) return null;
  if (s.expiresAt <= now || now - s.lastSeenAt >= SESSION_IDLE_MS || s.user.disabled) {
    await deleteSession(db, s.idHash);
    return null;
  }
  if (now - s.lastSeenAt > TOUCH_EVERY_MS) await touchSession(db, s.idHash, now);
  return s;
}
