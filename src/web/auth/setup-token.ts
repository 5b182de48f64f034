import { randomToken } from '../../base/ids.js';
import { countUsers, replaceSetupToken, type Db } from '../../store/index.js';
import { hashToken } from './api-tokens.js';

/**
 * The one-time link that creates the first admin, made at a start while the store has no
 * users (null otherwise). Only its hash is stored, and each start replaces it: the link is
 * printed once, so a restart must print a new one that works.
 */
export async function prepareSetupLink(db: Db, consoleUrl: string, now: number): Promise<string | null> {
  if ((await countUsers(db)) > 0) return null;
  const token = randomToken(32);
  await replaceSetupToken(db, hashToken(token), now);
  return `${consoleUrl.replace(/\/$/, '')}/setup#token=${token}`;
}

/** The console's address as people type it: a wildcard listen address reads as loopback. */
export function consoleUrl(listen: string, port: number, protocol: 'http' | 'https' = 'http'): string {
  const host = listen === '0.0.0.0' || listen === '' ? '127.0.0.1' : listen === '::' ? '[::1]' : listen.includes(':') ? `[${listen}]` : listen;
  return `${protocol}://${host}:${port}`;
}
