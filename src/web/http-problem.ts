import { isRelaydeskError, RelaydeskError, type ErrorCode, type ErrorText } from '../base/errors.js';
import { refusalText } from '../base/refusal-texts.js';
import { describeStoreError, isTransientStoreError } from '../store/index.js';

/**
 * The one shape of an HTTP error: `{ error, code, details, reason, params }` — a sentence with
 * cause and fix, a stable code, the individual problems (one per invalid field), and the
 * sentence as a kebab-case code with its values (null when there is none) for the console's
 * dictionaries. Never a stack.
 */
export interface ProblemBody {
  readonly error: string;
  readonly code: string;
  readonly details: readonly string[];
  readonly reason: string | null;
  readonly params: Readonly<Record<string, string | number>>;
}

const body = (error: string, code: string, details: readonly string[], text: ErrorText | null): ProblemBody => ({
  error,
  code,
  details,
  reason: text?.code ?? null,
  params: text?.params ?? {},
});

/** A refusal raised by a route: any code of the catalog, answered with its HTTP status. */
export class HttpProblem extends RelaydeskError {
  constructor(code: ErrorCode, message: string, details: readonly string[] = [], text?: ErrorText) {
    super(code, message, details, text ? { text } : undefined);
    this.name = 'HttpProblem';
  }
  get status(): number {
    return this.spec.http ?? 500;
  }
}

/** Any error as a status and a problem body; faults say only that they happened. */
export function toProblem(e: unknown): { status: number; body: ProblemBody; fault: boolean } {
  if (isRelaydeskError(e)) {
    const status = e.spec.http ?? 500;
    return { status, body: body(e.message, e.code, e.details, e.text), fault: status >= 500 && e.code !== 'STORE_UNAVAILABLE' };
  }
  // The database restarting, a lost connection, a full disk: the request may work in a moment.
  if (isTransientStoreError(e)) {
    return {
      status: 503,
      body: body(
        `the store is not available right now: ${describeStoreError(e)}; try again in a moment`,
        'STORE_UNAVAILABLE',
        [],
        refusalText('store-unavailable', {}),
      ),
      fault: false,
    };
  }
  // Fastify's own refusals (bad JSON, body too large, wrong content type) carry a 4xx.
  const fst = e as { statusCode?: number; code?: string; message?: string };
  if (typeof fst.statusCode === 'number' && fst.statusCode >= 400 && fst.statusCode < 500) {
    const code: ErrorCode =
      fst.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : fst.statusCode === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : fst.statusCode === 404 ? 'NOT_FOUND' : 'BAD_INPUT';
    return {
      status: fst.statusCode,
      body: body(`the request was refused: ${fst.message ?? 'invalid request'}`, code, [], refusalText('request-refused', {})),
      fault: false,
    };
  }
  return {
    status: 500,
    body: body('an internal error stopped the request; it is logged, try again later', 'INTERNAL', [], refusalText('internal', {})),
    fault: true,
  };
}
