import { isRelaydeskError } from '../base/errors.js';

/**
 * The one shape of an HTTP error: `{ error, code, details }` — a sentence with cause and
 * fix, a stable code, and the individual problems (one per invalid field). Never a stack.
 */
export interface ProblemBody {
  readonly error: string;
  readonly code: string;
  readonly details: readonly string[];
}

/**
 * Refusals that only HTTP has (who is asking, may they). The mail-flow errors come from
 * base/errors.ts; these codes belong there too once the console's sessions arrive.
 */
export const HTTP_CODES = {
  UNAUTHENTICATED: 401,
  /** Login or setup with a wrong email, password or token: one answer for all of them. */
  BAD_CREDENTIALS: 401,
  FORBIDDEN: 403,
  /** A console request that changes something without the session's X-CSRF-Token, or from another site. */
  CSRF: 403,
  NOT_FOUND: 404,
  BAD_INPUT: 400,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  STORE_UNAVAILABLE: 503,
  /** A part of this node that the request needs is not answering (its own SMTP listener). */
  UNAVAILABLE: 503,
} as const;

export type HttpCode = keyof typeof HTTP_CODES;

export class HttpProblem extends Error {
  readonly status: number;
  constructor(readonly code: HttpCode, message: string, readonly details: readonly string[] = []) {
    super(message);
    this.name = 'HttpProblem';
    this.status = HTTP_CODES[code];
  }
}

/** Any error as a status and a problem body; faults say only that they happened. */
export function toProblem(e: unknown): { status: number; body: ProblemBody; fault: boolean } {
  if (e instanceof HttpProblem) return { status: e.status, body: { error: e.message, code: e.code, details: e.details }, fault: false };
  if (isRelaydeskError(e)) {
    const status = e.spec.http ?? 500;
    return { status, body: { error: e.message, code: e.code, details: e.details }, fault: status >= 500 };
  }
  // Fastify's own refusals (bad JSON, body too large, wrong content type) carry a 4xx.
  const fst = e as { statusCode?: number; code?: string; message?: string };
  if (typeof fst.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    const code: HttpCode = fst.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : fst.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : fst.statusCode === 404 ? 'NOT_FOUND' : 'BAD_INPUT';
    return { status: fst.statusCode, body: { error: `the request was refused: ${fst.message ?? 'invalid request'}`, code, details: [] }, fault: false };
  }
  return { status: 500, body: { error: 'an internal error stopped the request; it is logged, try again later', code: 'INTERNAL', details: [] }, fault: true };
}
