/**
 * The case token in subjects (`[#1001]`) and the acknowledgement a requester receives. The
 * token is what threads a reply when clients drop In-Reply-To, so every subject we send has
 * exactly one, in front.
 */

// Digits only, at most 15 (safe integers); `[#abc]` and `[#]` are somebody else's brackets.
const TOKEN_RE = /\[#([0-9]{1,15})\]/;
const TOKEN_ALL_RE = /\s*\[#[0-9]{1,15}\]\s*/g;
// Reply prefixes as clients write them, in any case, with ASCII or full-width colons, with counters.
const REPLY_PREFIX_RE = /^\s*(?:re|aw|sv|antw|返信|回复|回覆)(?:\s*\[\d+\]|\s*\(\d+\))?\s*[:：]\s*/i;

/** The case number in a subject's `[#N]` token, wherever it sits (`Re: Fwd: [#1001] …`). */
export function findCaseToken(subject: string | null | undefined): number | null {
  const m = TOKEN_RE.exec(subject ?? '');
  if (!m || m[1] === undefined) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

function oneLine(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * `[#N] ` in front of the subject, once. Other `[#M]` tokens are removed: a reply to a closed
 * case carries the old case's token, and leaving it would thread the next reply there.
 */
export function subjectWithToken(subject: string | null | undefined, caseNumber: number): string {
  const rest = oneLine((subject ?? '').replace(TOKEN_ALL_RE, ' '));
  return rest === '' ? `[#${caseNumber}]` : `[#${caseNumber}] ${rest}`;
}

/** The subject without leading reply prefixes (`Re: RE: 返信: x` → `x`); forwards are kept. */
export function stripReplyPrefixes(subject: string): string {
  let s = oneLine(subject);
  for (;;) {
    const next = s.replace(REPLY_PREFIX_RE, '');
    if (next === s) return s;
    s = next;
  }
}

/** `[#N] Re: <subject>`: one token, one `Re:`, whatever the customer's subject already had. */
export function replySubject(subject: string | null | undefined, caseNumber: number, locale: AckLocale = 'en'): string {
  const base = stripReplyPrefixes((subject ?? '').replace(TOKEN_ALL_RE, ' '));
  return subjectWithToken(`Re: ${base === '' ? NO_SUBJECT[locale] : base}`, caseNumber);
}

export type AckLocale = 'en' | 'ja';

const NO_SUBJECT: Readonly<Record<AckLocale, string>> = { en: '(no subject)', ja: '(件名なし)' };

export interface AcknowledgementInput {
  readonly caseNumber: number;
  readonly subject: string | null;
  readonly requesterName: string;
  readonly channelName: string;
  readonly publicAddress: string;
  readonly locale?: AckLocale;
}

export interface RenderedMail {
  readonly subject: string;
  readonly text: string;
}

// A hostile subject or name must not make the acknowledgement long; the full text is on the case.
const MAX_QUOTED = 200;

function clip(text: string): string {
  const t = oneLine(text);
  return t.length > MAX_QUOTED ? `${t.slice(0, MAX_QUOTED - 1)}…` : t;
}

export function renderAcknowledgement(input: AcknowledgementInput): RenderedMail {
  const locale = input.locale ?? 'en';
  const n = input.caseNumber;
  const name = clip(input.requesterName);
  const quoted = clip(stripReplyPrefixes((input.subject ?? '').replace(TOKEN_ALL_RE, ' '))) || NO_SUBJECT[locale];
  const channel = clip(input.channelName);
  const subject = replySubject(input.subject, n, locale);
  switch (locale) {
    case 'en':
      return {
        subject,
        text: [
          name === '' ? 'Hello,' : `Hello ${name},`,
          '',
          `Thank you for contacting ${channel}. We have received your message "${quoted}" and opened case #${n}.`,
          '',
          `To add to this case, reply to this email and keep [#${n}] in the subject.`,
          '',
          `${channel} <${input.publicAddress}>`,
          'This acknowledgement was sent automatically.',
          '',
        ].join('\n'),
      };
    case 'ja':
      return {
        subject,
        text: [
          name === '' ? 'お客様' : `${name} 様`,
          '',
          `${channel}へお問い合わせいただきありがとうございます。「${quoted}」を受け付け、ケース #${n} を作成しました。`,
          '',
          `追加のご連絡は、件名の [#${n}] を残したまま、このメールにご返信ください。`,
          '',
          `${channel} <${input.publicAddress}>`,
          'このメールは自動送信されています。',
          '',
        ].join('\n'),
      };
    default:
      return assertNever(locale);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled locale ${JSON.stringify(x)}`);
}
