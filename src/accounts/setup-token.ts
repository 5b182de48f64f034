import { randomToken } from '../base/ids.js';
import { countUsers, dropSetupToken, shareSetupToken, type Db } from '../store/index.js';
import { hashToken } from './api-tokens.js';

/**
 * The one-time link that creates the first admin, while the store has no users (null
 * otherwise). Every node of a cluster, and every restart, prints the same link until it
 * is used: the store holds one token for all of them, and drops it with the first admin.
 */
export async function prepareSetupLink(db: Db, consoleUrl: string, now: number): Promise<string | null> {
  if ((await countUsers(db)) > 0) {
    await dropSetupToken(db);
    return null;
  }
  const token = await shareSetupToken(db, { generate: () => randomToken(32), hash: hashToken, now });
  return `${consoleUrl.replace(/\/$/, '')}/setup#token=${token}`;
}

/** The console's address as people type it: a wildcard listen address reads as loopback. */
export function consoleUrl(listen: string, port: number, protocol: 'http' | 'https' = 'http'): string {
  const host = listen === '0.0.0.0' || listen === '' ? '127.0.0.1' : listen === '::' ? '[::1]' : listen.includes(':') ? `[${listen}]` : listen;
  return `${protocol}://${host}:${port}`;
}
