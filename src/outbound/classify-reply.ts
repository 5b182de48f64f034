/**
 * SMTP replies and client failures → what happens to a delivery. The one place that
 * decides "retry" versus "give up", so the sender, the queue and the DSN agree.
 */

export type OutcomeKind = 'delivered' | 'deferred' | 'bounced';

export interface ClassifiedReply {
  readonly kind: OutcomeKind;
  /** RFC 3463 enhanced status, class always consistent with `kind` (2, 4 or 5). */
  readonly status: string;
  /** The reply on one line (multi-line replies joined by spaces), safe for logs and DSNs. */
  readonly reply: string;
}

export interface ParsedReply {
  readonly code: number | undefined;
  readonly enhanced: string | undefined;
  readonly text: string;
}

const REPLY_RE = /^([2-5]\d\d)(?:[ -]|$)(?:([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$))?/;

/** Joins the lines of a (multi-line) reply and strips control characters. */
export function oneLine(reply: string): string {
  return (
    reply
      // eslint-disable-next-line no-control-regex -- control characters are what it removes
      .replace(/[\x00-\x1f\x7f]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

export function parseReply(reply: string): ParsedReply {
  const text = oneLine(reply);
  const m = REPLY_RE.exec(text);
  if (!m) return { code: undefined, enhanced: undefined, text };
  const enhanced = m[2] !== undefined ? `${m[2]}.${Number(m[3])}.${Number(m[4])}` : undefined;
  return { code: Number(m[1]), enhanced, text };
}

/** Keeps the subject and detail of an enhanced code but forces its class to `cls`. */
function withClass(cls: '2' | '4' | '5', enhanced: string | undefined): string {
  if (enhanced === undefined) return `${cls}.0.0`;
  return `${cls}${enhanced.slice(1)}`;
}

/**
 * Classifies a server reply. The basic code decides (RFC 3463 §2: when the two
 * disagree, the basic code wins). `command` is the command it answers: RFC 5321
 * §4.5.3.1.10 says a 552 to RCPT means "too many recipients", to be treated as 452.
 */
export function classifyReply(reply: string, command?: string): ClassifiedReply {
  const { code, enhanced, text } = parseReply(reply);
  if (code === undefined) return { kind: 'deferred', status: '4.5.0', reply: text || 'no reply' };
  if (code >= 200 && code < 300) return { kind: 'delivered', status: withClass('2', enhanced), reply: text };
  if (code >= 400 && code < 500) return { kind: 'deferred', status: withClass('4', enhanced), reply: text };
  if (code >= 500) {
    if (code === 552 && command === 'RCPT TO') return { kind: 'deferred', status: '4.5.3', reply: text };
    return { kind: 'bounced', status: withClass('5', enhanced), reply: text };
  }
  // A 3xx where a final reply was due: the server broke the protocol; try again later.
  return { kind: 'deferred', status: '4.5.0', reply: text };
}

/** What a client failure looks like, independent of the SMTP library that raised it. */
export interface SendFailure {
  readonly code?: string;
  readonly response?: string;
  readonly command?: string;
  readonly message: string;
}

export interface ClassifiedFailure extends ClassifiedReply {
  /** The session never reached MAIL FROM: the next MX host may do better. */
  readonly tryNextHost: boolean;
}

const SESSION_SETUP = new Set(['CONN', 'EHLO', 'HELO', 'LHLO', 'STARTTLS']);

/**
 * Classifies a failure of the SMTP client. Network trouble, timeouts and anything
 * during session setup are temporary (a greeting of 5xx too: Postfix's
 * smtp_skip_5xx_greeting, the next MX or a later attempt may work).
 * A server's reply is kept as it was said (it becomes a DSN's Diagnostic-Code);
 * `host` names the remote MTA only in texts we write ourselves.
 */
export function classifySendFailure(e: SendFailure, host: string): ClassifiedFailure {
  const setup = e.command !== undefined && SESSION_SETUP.has(e.command);
  const said = e.response !== undefined ? oneLine(e.response) : undefined;
  if (e.code === 'ETLS') {
    const why = said !== undefined ? `it answered STARTTLS with "${said}"` : oneLine(e.message);
    return {
      kind: 'deferred',
      status: '4.7.5',
      reply: `TLS with ${host} failed: ${why}; the delivery needs TLS, so it is retried later`,
      tryNextHost: true,
    };
  }
  if (setup) {
    const status = said !== undefined ? '4.4.0' : '4.4.1';
    const what = said ?? `${host}: ${describeNetwork(e)}`;
    return { kind: 'deferred', status, reply: what, tryNextHost: true };
  }
  if (said !== undefined) {
    return { ...classifyReply(said, e.command), tryNextHost: false };
  }
  switch (e.code) {
    case 'EDNS':
      return { kind: 'deferred', status: '4.4.3', reply: `${host}: ${oneLine(e.message)}`, tryNextHost: true };
    case 'EENVELOPE':
      // Refused locally before anything was sent: the address cannot go on the wire.
      return { kind: 'bounced', status: '5.1.3', reply: `invalid envelope: ${oneLine(e.message)}`, tryNextHost: false };
    case 'EMESSAGE':
      return { kind: 'bounced', status: '5.3.4', reply: `${host}: ${oneLine(e.message)}`, tryNextHost: false };
    default:
      return { kind: 'deferred', status: '4.4.2', reply: `${host}: ${describeNetwork(e)}`, tryNextHost: false };
  }
}

function describeNetwork(e: SendFailure): string {
  const m = e.message;
  if (/ECONNREFUSED/.test(m)) return 'connection refused';
  if (/EHOSTUNREACH|ENETUNREACH/.test(m)) return 'host unreachable';
  if (/ECONNRESET/.test(m)) return 'connection reset';
  if (/Greeting never received/i.test(m)) return 'no greeting within the timeout';
  if (e.code === 'ETIMEDOUT' || /timeout/i.test(m)) return 'timed out';
  return oneLine(m);
}
