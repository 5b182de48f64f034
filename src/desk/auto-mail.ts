/**
 * The mail the desk writes by itself, in its own words: the acknowledgement of a new case and
 * the forwarding check. Each channel writes it in its language, from its own templates
 * (`desk.channels[].templates`) or the defaults here; the values put into a template are one
 * line and clipped, so a hostile subject or name can neither add a header nor make the mail long.
 */
import { DEFAULT_CHANNEL_LANGUAGE, parseTemplate, PLACEHOLDERS, type AutoMailKind, type ChannelLanguage, type TemplateText } from '../config/index.js';
import { stripReplyPrefixes, subjectWithToken } from './ack-template.js';

export interface TemplateSource {
  readonly subject: string;
  readonly body: string;
}

/**
 * The defaults. The Japanese ones are written as a Japanese support team writes to customers
 * (敬語); the acknowledgement's subject keeps the customer's, so mail clients thread it.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<ChannelLanguage, Readonly<Record<AutoMailKind, TemplateSource>>>> = {
  en: {
    acknowledgement: {
      subject: 'Re: {{case.subject}}',
      body: [
        'Hello {{customer.name}},',
        '',
        'Thank you for contacting {{channel.name}}. We have received your message "{{case.subject}}" and opened case #{{case.number}}.',
        'We will get back to you as soon as we can.',
        '',
        'To add to this case, reply to this email and keep [#{{case.number}}] in the subject.',
        '',
        '{{channel.name}} <{{channel.address}}>',
        'This acknowledgement was sent automatically.',
        '',
      ].join('\n'),
    },
    forwardingCheck: {
      subject: 'Relaydesk forwarding check {{check.code}}',
      body: [
        'This message checks that mail to {{channel.address}} reaches the {{channel.name}} channel.',
        'Check: {{check.code}}',
        'It never becomes a case.',
        '',
      ].join('\n'),
    },
  },
  ja: {
    acknowledgement: {
      subject: 'Re: {{case.subject}}',
      body: [
        '{{customer.name}} 様',
        '',
        'このたびは{{channel.name}}へお問い合わせいただき、誠にありがとうございます。',
        '以下の内容でお問い合わせを承りました。',
        '',
        '　受付番号：{{case.number}}',
        '　件名：{{case.subject}}',
        '',
        '内容を確認のうえ、担当者より順次ご連絡いたします。',
        '恐れ入りますが、今しばらくお待ちくださいますようお願い申し上げます。',
        '',
        '本件について追加でご連絡いただく際は、件名の [#{{case.number}}] を残したまま、',
        'このメールにご返信くださいますようお願いいたします。',
        '',
        '※このメールは、お問い合わせを受け付けた際に自動でお送りしております。',
        '',
        '{{channel.name}}',
        '{{channel.address}}',
        '',
      ].join('\n'),
    },
    forwardingCheck: {
      subject: '転送設定の確認 {{check.code}}',
      body: [
        'このメールは、{{channel.address}} 宛てのメールが{{channel.name}}に届くことを確認するため、Relaydesk より自動でお送りしております。',
        '確認コード：{{check.code}}',
        'このメールからケースが作成されることはございません。',
        '',
      ].join('\n'),
    },
  },
};

/** The From name of the forwarding check, which comes from the desk rather than a channel. */
export const FORWARDING_CHECK_SENDER: Readonly<Record<ChannelLanguage, string>> = { en: 'Relaydesk forwarding check', ja: 'Relaydesk 転送確認' };

const NO_SUBJECT: Readonly<Record<ChannelLanguage, string>> = { en: '(no subject)', ja: '(件名なし)' };

/** A channel as its automatic mail needs it. */
export interface AutoMailChannel {
  readonly name: string;
  readonly publicAddress: string;
  readonly language?: ChannelLanguage | undefined;
  readonly templates?: Partial<Record<AutoMailKind, TemplateText>> | undefined;
}

export type AutoMailFacts =
  | {
      readonly kind: 'acknowledgement';
      readonly caseNumber: number;
      /** The customer's subject as sent. */
      readonly subject: string | null;
      readonly customer: { readonly name: string; readonly address: string };
    }
  | { readonly kind: 'forwardingCheck'; readonly code: string };

export interface RenderedAutoMail {
  readonly subject: string;
  readonly text: string;
  readonly language: ChannelLanguage;
  /** Each placeholder of this kind of mail and the value it took. */
  readonly values: Readonly<Record<string, string>>;
}

// A value quoted in the mail; the full text is on the case.
const MAX_VALUE = 200;
// The subject as a whole, the case token included; what remains of a long one is on the case.
const MAX_SUBJECT = 250;

// Control characters must reach neither a header nor the body.
// eslint-disable-next-line no-control-regex -- the control characters are what it matches
const CONTROLS = /[\x00-\x1f\x7f]+/g;

function oneLine(text: string): string {
  return text.replace(CONTROLS, ' ').replace(/ {2,}/g, ' ').trim();
}

function clip(text: string, max: number): string {
  const t = oneLine(text);
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function valuesOf(facts: AutoMailFacts, channel: AutoMailChannel, language: ChannelLanguage): Record<string, string> {
  const ch = { 'channel.name': clip(channel.name, MAX_VALUE), 'channel.address': clip(channel.publicAddress, MAX_VALUE) };
  if (facts.kind === 'forwardingCheck') return { 'check.code': clip(facts.code, MAX_VALUE), ...ch };
  const address = clip(facts.customer.address, MAX_VALUE);
  const subject = clip(stripReplyPrefixes((facts.subject ?? '').replace(/\s*\[#[0-9]{1,15}\]\s*/g, ' ')), MAX_VALUE);
  return {
    'case.number': String(facts.caseNumber),
    'case.subject': subject === '' ? NO_SUBJECT[language] : subject,
    // Without a display name the address stands in, so "{{customer.name}} 様" still reads.
    'customer.name': clip(facts.customer.name, MAX_VALUE) || address,
    'customer.address': address,
    ...ch,
  };
}

/** A template's text with its fields filled; a template that does not parse is refused. */
function fill(template: string, kind: AutoMailKind, values: Readonly<Record<string, string>>): string {
  const parsed = parseTemplate(template, PLACEHOLDERS[kind]);
  // apply refuses such a template, so only an unchecked draft gets here.
  if (!parsed.ok) throw new TemplateError(parsed.message);
  return parsed.parts.map((p) => ('text' in p ? p.text : (values[p.field] ?? ''))).join('');
}

export class TemplateError extends Error {}

/** The template a channel uses for this kind of mail: its own parts, the rest defaults. */
function channelTemplate(channel: AutoMailChannel, kind: AutoMailKind): TemplateSource & { readonly language: ChannelLanguage } {
  const language = channel.language ?? DEFAULT_CHANNEL_LANGUAGE;
  const own = channel.templates?.[kind];
  const fallback = DEFAULT_TEMPLATES[language][kind];
  return { language, subject: own?.subject ?? fallback.subject, body: own?.body ?? fallback.body };
}

/**
 * One automatic mail of a channel. The acknowledgement's subject always starts with the case
 * token `[#N]`, whatever its template says, since replies thread by it.
 */
export function renderAutoMail(channel: AutoMailChannel, facts: AutoMailFacts): RenderedAutoMail {
  const t = channelTemplate(channel, facts.kind);
  const values = valuesOf(facts, channel, t.language);
  const subject = oneLine(fill(t.subject, facts.kind, values));
  const withToken = facts.kind === 'acknowledgement' ? subjectWithToken(subject, facts.caseNumber) : subject;
  const text = fill(t.body, facts.kind, values).replace(/\r\n?/g, '\n');
  return { subject: clip(withToken, MAX_SUBJECT), text: text.endsWith('\n') ? text : `${text}\n`, language: t.language, values };
}

/** What the console's preview fills a template with: a case as it could arrive. */
export function sampleFacts(kind: AutoMailKind, language: ChannelLanguage): AutoMailFacts {
  if (kind === 'forwardingCheck') return { kind, code: 'k3v9q2m7x4p8w1z6r5t0y2b8' };
  return language === 'ja'
    ? { kind, caseNumber: 1001, subject: 'プリンターが印刷できません', customer: { name: '山田 太郎', address: 'taro.yamada@example.jp' } }
    : { kind, caseNumber: 1001, subject: 'Printer does not print', customer: { name: 'Jane Doe', address: 'jane.doe@example.com' } };
}

export interface AutoMailPreview extends RenderedAutoMail {
  readonly from: { readonly name: string; readonly address: string };
  readonly to: { readonly name: string; readonly address: string };
  /** The template in the channel's language without the channel's own words. */
  readonly defaults: TemplateSource;
}

/**
 * One automatic mail of a channel as its recipient would receive it, filled with sample values:
 * what the console's preview shows. `deskDomain` names the forwarding check's sender.
 */
export function previewAutoMail(channel: AutoMailChannel, kind: AutoMailKind, deskDomain: string): AutoMailPreview {
  const t = channelTemplate(channel, kind);
  const facts = sampleFacts(kind, t.language);
  const rendered = renderAutoMail(channel, facts);
  const from =
    facts.kind === 'acknowledgement'
      ? { name: channel.name, address: channel.publicAddress }
      : { name: FORWARDING_CHECK_SENDER[t.language], address: `verify@${deskDomain}` };
  const to = facts.kind === 'acknowledgement' ? facts.customer : { name: '', address: channel.publicAddress };
  return { ...rendered, from, to, defaults: DEFAULT_TEMPLATES[t.language][kind] };
}
