/**
 * A small, explained header rule set. Each rule is a habit of bulk and forged mail
 * that careful senders do not have; none is damning alone, so scores stay low and
 * only add up. Kept deliberately modest: the built-in engine is the floor, rspamd
 * (a later issue) is the ceiling.
 */

import type { HeaderRuleHit, MessageHeader } from './model.js';
import { decodeEncodedWords, headerValues, parseAddressList } from './parse-headers.js';

/** Person-to-person mail rarely names more than a few dozen people; lists use Bcc or list software. */
export const MAX_VISIBLE_RECIPIENTS = 50;

/** An all-caps subject needs this many letters, so "RE: OK" or an acronym does not count. */
export const ALL_CAPS_MIN_LETTERS = 10;

export interface HeaderRule {
  readonly code: string;
  readonly score: number;
  /** Why the rule exists, for docs and for whoever tunes the scores. */
  readonly why: string;
  readonly test: (headers: readonly MessageHeader[]) => boolean;
}

// RFC 5322 §3.3 date-time, with the obsolete zones and a trailing comment allowed.
const RFC5322_DATE =
  /^(?:(?:mon|tue|wed|thu|fri|sat|sun)\s*,\s*)?(\d{1,2})\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+\d{2,4}\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:[+-]\d{4}|ut|gmt|[ecmp][sd]t|[a-ik-z])?\s*(?:\(.*\))?$/i;

function isValidDate(value: string): boolean {
  const m = RFC5322_DATE.exec(value);
  if (!m) return false;
  const day = Number(m[1]);
  // Leap seconds make 60 a valid second.
  return day >= 1 && day <= 31 && Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4] ?? 0) <= 60;
}

// An address inside a display name: `"support@paypal.com" <x@evil.example>`.
const ADDRESS_IN_TEXT = /[^\s<>"'()@,;:]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/gi;

function fromNameMismatch(headers: readonly MessageHeader[]): boolean {
  return headerValues(headers, 'from').some((value) =>
    parseAddressList(value).some((box) => {
      const real = box.address.toLowerCase();
      const shown = box.name.match(ADDRESS_IN_TEXT) ?? [];
      return shown.some((a) => a.toLowerCase() !== real);
    }),
  );
}

function subjects(headers: readonly MessageHeader[]): string[] {
  return headerValues(headers, 'subject').map(decodeEncodedWords);
}

function isAllCaps(subject: string): boolean {
  const upper = subject.match(/\p{Lu}/gu)?.length ?? 0;
  const lower = subject.match(/\p{Ll}/gu)?.length ?? 0;
  return upper >= ALL_CAPS_MIN_LETTERS && lower === 0;
}

function visibleRecipients(headers: readonly MessageHeader[]): number {
  return [...headerValues(headers, 'to'), ...headerValues(headers, 'cc')].reduce(
    (n, value) => n + parseAddressList(value).filter((box) => box.address !== '').length,
    0,
  );
}

const has = (name: string) => (headers: readonly MessageHeader[]) => headers.some((h) => h.name === name);

export const HEADER_RULES: readonly HeaderRule[] = [
  {
    code: 'missing-from',
    score: 2,
    why: 'From is the one field every message must have (RFC 5322 §3.6); without it DMARC has nothing to check.',
    test: (h) => !has('from')(h),
  },
  {
    code: 'multiple-from',
    score: 2,
    why: 'A second From field is invalid and is how forgers make the filter and the reader see different senders.',
    test: (h) => headerValues(h, 'from').length > 1,
  },
  {
    code: 'from-name-mismatch',
    score: 2,
    why: 'A display name that shows one address over another is the classic way to fake a sender in a mail client.',
    test: fromNameMismatch,
  },
  {
    code: 'missing-date',
    score: 1,
    why: 'Every mail program adds Date (RFC 5322 §3.6); messages built by hand in bulk often lack it.',
    test: (h) => !has('date')(h),
  },
  {
    code: 'invalid-date',
    score: 1,
    why: 'A Date that is not RFC 5322 date-time comes from sloppy bulk software, not from mail clients.',
    test: (h) => headerValues(h, 'date').some((v) => !isValidDate(v)),
  },
  {
    code: 'missing-message-id',
    score: 0.5,
    why: 'Clients and submission servers add Message-ID; some legitimate robots do not, so it weighs little.',
    test: (h) => !has('message-id')(h),
  },
  {
    code: 'missing-subject',
    score: 0.5,
    why: 'People almost always give a subject; its absence is weak evidence of generated mail.',
    test: (h) => !has('subject')(h),
  },
  {
    code: 'subject-all-caps',
    score: 1,
    why: 'A long subject in capitals is shouting, a habit of marketing spam rather than correspondence.',
    test: (h) => subjects(h).some(isAllCaps),
  },
  {
    code: 'subject-exclamations',
    score: 1,
    why: 'Runs of "!!!" in a subject are a habit of marketing spam rather than correspondence.',
    test: (h) => subjects(h).some((s) => /!{3,}/.test(s)),
  },
  {
    code: 'too-many-recipients',
    score: 1,
    why: `More than ${MAX_VISIBLE_RECIPIENTS} addresses in To and Cc is a blast, not a conversation.`,
    test: (h) => visibleRecipients(h) > MAX_VISIBLE_RECIPIENTS,
  },
];

/** The rules that match, in table order. */
export function matchHeaderRules(headers: readonly MessageHeader[]): HeaderRuleHit[] {
  return HEADER_RULES.filter((rule) => rule.test(headers)).map((rule) => ({ rule: rule.code, score: rule.score }));
}
