/**
 * The one catalog of errors users can see. Each entry has a stable code, a sentence
 * giving cause and fix, whether retrying can help, and the replies adapters use.
 * Only adapters (SMTP listener, HTTP routes, CLI) turn these into replies.
 */

export interface SmtpReply {
  readonly code: number;
  readonly enhanced: string;
  readonly text: string;
}

export interface ErrorSpec {
  readonly code: string;
  readonly temporary: boolean;
  readonly http?: number;
  readonly smtp?: { readonly code: number; readonly enhanced: string };
}

export const ERRORS = {
  CONFIG_INVALID: { code: 'CONFIG_INVALID', temporary: false, http: 400 },
  CONFIG_FILE_UNREADABLE: { code: 'CONFIG_FILE_UNREADABLE', temporary: false, http: 400 },
  STORE_UNAVAILABLE: { code: 'STORE_UNAVAILABLE', temporary: true, http: 503, smtp: { code: 451, enhanced: '4.3.0' } },
  NOT_FOUND: { code: 'NOT_FOUND', temporary: false, http: 404 },
  CONFLICT: { code: 'CONFLICT', temporary: false, http: 409 },
  BAD_INPUT: { code: 'BAD_INPUT', temporary: false, http: 400 },
  INTERNAL: { code: 'INTERNAL', temporary: true, http: 500, smtp: { code: 451, enhanced: '4.3.0' } },
  // Refusals that only the web side gives: who is asking, and may they.
  UNAUTHENTICATED: { code: 'UNAUTHENTICATED', temporary: false, http: 401 },
  /** Login or setup with a wrong email, password or token: one answer for all of them. */
  BAD_CREDENTIALS: { code: 'BAD_CREDENTIALS', temporary: false, http: 401 },
  FORBIDDEN: { code: 'FORBIDDEN', temporary: false, http: 403 },
  /** A console request that changes something without the session's X-CSRF-Token, or from another site. */
  CSRF: { code: 'CSRF', temporary: false, http: 403 },
  PAYLOAD_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', temporary: false, http: 413 },
  UNSUPPORTED_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', temporary: false, http: 415 },
  RATE_LIMITED: { code: 'RATE_LIMITED', temporary: true, http: 429 },
  /** A part of this node that the request needs is not answering (its own SMTP listener). */
  UNAVAILABLE: { code: 'UNAVAILABLE', temporary: true, http: 503 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** A refusal as a code and the values its sentence names (base/refusal-texts.ts lists them), for the console's dictionaries. */
export interface ErrorText {
  readonly code: string;
  readonly params: Readonly<Record<string, string | number>>;
}

/** A fault or refusal that reaches a user: always a full sentence with cause and fix. */
export class RelaydeskError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];
  /** The sentence as a code with values; null where none was given (the sentence alone says it). */
  readonly text: ErrorText | null;
  constructor(code: ErrorCode, message: string, details: readonly string[] = [], options?: { cause?: unknown; text?: ErrorText }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelaydeskError';
    this.code = code;
    this.details = details;
    this.text = options?.text ?? null;
  }
  get spec(): ErrorSpec {
    return ERRORS[this.code];
  }
}

export function isRelaydeskError(e: unknown): e is RelaydeskError {
  return e instanceof RelaydeskError;
}

/** SMTP reply helpers; text never carries CR or LF (reply splitting). */
export function smtpReply(code: number, enhanced: string, text: string): SmtpReply {
  return { code, enhanced, text: text.replace(/[\r\n]+/g, ' ') };
}
