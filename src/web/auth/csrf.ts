import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Methods that change something: a cookie-authenticated one must prove it came from our page. */
export const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const CSRF_HEADER = 'x-csrf-token';

/** Constant-time equality of two strings of any length (both are hashed to 32 bytes first). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/**
 * Why a login or setup request looks cross-site, or null. Those two run before any
 * session (so before any CSRF token) exists; a browser says where they come from in
 * `Sec-Fetch-Site` and `Origin`, and a script that sends neither is not a browser.
 */
export function crossSiteRefusal(req: FastifyRequest): string | null {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none')
    return `the request came from another site (Sec-Fetch-Site: ${site}); log in from the console's own page`;
  const origin = req.headers.origin;
  if (typeof origin === 'string') {
    let host: string | null;
    try {
      host = origin === 'null' ? null : new URL(origin).host;
    } catch {
      host = null;
    }
    if (host === null || host !== req.headers.host) return `the request came from another origin (${origin.slice(0, 100)}); log in from the console's own page`;
  }
  return null;
}
