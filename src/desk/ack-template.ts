/**
 * The case token in subjects (`[#1001]`). The token is what threads a reply when clients drop
 * In-Reply-To, so every subject we send has exactly one, in front.
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
