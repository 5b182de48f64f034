/**
 * The syntax of a channel's automatic-mail templates (`desk.channels[].templates`): text with
 * `{{placeholder}}` fields. Kept here, beside the schema, so `apply` refuses a template the
 * desk could not fill; the desk holds the default texts and fills them.
 */
import { problemText, type ProblemText } from '../base/problem-texts.js';

/** The languages a channel's automatic mail is written in. */
export const CHANNEL_LANGUAGES = ['en', 'ja'] as const;
export type ChannelLanguage = (typeof CHANNEL_LANGUAGES)[number];
/** A channel written without `language` speaks English. */
export const DEFAULT_CHANNEL_LANGUAGE: ChannelLanguage = 'en';

/**
 * The mail the desk writes by itself, in its own words: the acknowledgement of a new case, and
 * the forwarding check `desk verify` sends through the public address.
 */
export const AUTO_MAIL_KINDS = ['acknowledgement', 'forwardingCheck'] as const;
export type AutoMailKind = (typeof AUTO_MAIL_KINDS)[number];

/** What each template may name. The forwarding check has no case and no customer. */
export const PLACEHOLDERS: Readonly<Record<AutoMailKind, readonly string[]>> = {
  acknowledgement: ['case.number', 'case.subject', 'customer.name', 'customer.address', 'channel.name', 'channel.address'],
  forwardingCheck: ['check.code', 'channel.name', 'channel.address'],
};

/**
 * Fields a template cannot do without: the desk knows its forwarding check by the code, so a
 * check without it would never come back as verified.
 */
const REQUIRED_PLACEHOLDERS: Readonly<Record<AutoMailKind, readonly string[]>> = {
  acknowledgement: [],
  forwardingCheck: ['check.code'],
};

export type TemplatePart = { readonly text: string } | { readonly field: string };

export type ParsedTemplate =
  { readonly ok: true; readonly parts: readonly TemplatePart[] } | { readonly ok: false; readonly text: ProblemText; readonly message: string };

const FIELD_RE = /^\s*([a-z]+(?:\.[a-z]+)*)\s*$/i;

/**
 * Splits a template into text and fields. `{{` opens a field that `}}` closes; a lone `{` or
 * `}` is text. `{{` without its `}}`, a `}}` that closes nothing, or a field that is not a
 * dotted name is an error, said as a sentence with the fix.
 */
export function parseTemplate(template: string, known: readonly string[]): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let at = 0;
  const listed = known.map((k) => `{{${k}}}`).join(', ');
  while (at < template.length) {
    const open = template.indexOf('{{', at);
    const stray = template.indexOf('}}', at);
    if (stray >= 0 && (open < 0 || stray < open)) {
      return {
        ok: false,
        text: problemText('template-stray-close', { at: stray + 1 }),
        message: `"}}" at character ${stray + 1} closes no "{{"; remove it, or open the placeholder with "{{"`,
      };
    }
    if (open < 0) {
      parts.push({ text: template.slice(at) });
      break;
    }
    if (open > at) parts.push({ text: template.slice(at, open) });
    const close = template.indexOf('}}', open + 2);
    const nested = template.indexOf('{{', open + 2);
    if (close < 0 || (nested >= 0 && nested < close)) {
      return {
        ok: false,
        text: problemText('template-unclosed', { at: open + 1 }),
        message: `"{{" at character ${open + 1} has no closing "}}"; close it, as in {{case.number}}`,
      };
    }
    const inner = template.slice(open + 2, close);
    const name = FIELD_RE.exec(inner)?.[1];
    if (name === undefined || !known.includes(name)) {
      return {
        ok: false,
        text: problemText('template-unknown-placeholder', { value: `{{${inner}}}`, options: listed }),
        message: `"{{${inner}}}" is not a placeholder here; use one of ${listed}`,
      };
    }
    parts.push({ field: name });
    at = close + 2;
  }
  return { ok: true, parts };
}

/** The fields a parsed template names. */
function fieldsOf(parsed: ParsedTemplate): string[] {
  return parsed.ok ? parsed.parts.flatMap((p) => ('field' in p ? [p.field] : [])) : [];
}

export interface TemplateText {
  readonly subject?: string | undefined;
  readonly body?: string | undefined;
}

export interface TemplateProblem extends ProblemText {
  readonly path: string;
  readonly message: string;
}

/**
 * Every problem of one channel's templates, each at its path under `base`
 * (`desk.channels[0].templates`). A part left out takes the default, which is valid.
 */
export function checkTemplates(base: string, templates: Partial<Record<AutoMailKind, TemplateText>> | undefined): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const kind of AUTO_MAIL_KINDS) {
    const t = templates?.[kind];
    if (t === undefined) continue;
    const parsed: string[] = [];
    let complete = true;
    for (const part of ['subject', 'body'] as const) {
      const text = t[part];
      if (text === undefined) {
        complete = false;
        continue;
      }
      const path = `${base}.${kind}.${part}`;
      if (part === 'subject' && /[\r\n]/.test(text)) {
        problems.push({ path, ...problemText('line-breaks', {}), message: 'a subject is one line; remove the line breaks' });
        continue;
      }
      const p = parseTemplate(text, PLACEHOLDERS[kind]);
      if (!p.ok) problems.push({ path, ...p.text, message: p.message });
      else parsed.push(...fieldsOf(p));
    }
    // With a part left to its default, the default brings what is required.
    if (!complete) continue;
    for (const need of REQUIRED_PLACEHOLDERS[kind]) {
      if (!parsed.includes(need)) {
        problems.push({
          path: `${base}.${kind}`,
          ...problemText('template-missing-placeholder', { name: `{{${need}}}` }),
          message: `neither the subject nor the body has {{${need}}}, which the desk recognises the mail by; add {{${need}}} to one of them`,
        });
      }
    }
  }
  return problems;
}
