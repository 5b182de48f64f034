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
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** A fault or refusal that reaches a user: always a full sentence with cause and fix. */
export class RelaydeskError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];
  constructor(code: ErrorCode, message: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RelaydeskError';
    this.code = code;
    this.details = details;
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
