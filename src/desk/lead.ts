/**
 * Leads from sales mail: who wrote (name, email, company guessed from the display name or the
 * sender's domain), the lead status machine new → working → qualified → converted |
 * disqualified, and the plan for converting a lead into contact, account and opportunity.
 */
import { stripReplyPrefixes } from './ack-template.js';
import { domainOf, localPartOf } from './channel-address.js';
import { requesterOf } from './classify-machine-mail.js';
import type { Address, IntakeMessage, Lead, LeadDraft, LeadStatus } from './model.js';

// Company markers: Japanese legal forms anywhere in a word, Western ones as whole words.
const JA_CORP = /株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|[(（]\s*[株有]\s*[)）]|㈱|㈲/;
const EN_CORP = /\b(?:inc|ltd|llc|llp|gmbh|corp|corporation|company|plc|pty|k\.k)\b\.?/i;

function hasCorpMarker(text: string): boolean {
  return JA_CORP.test(text) || EN_CORP.test(text);
}

function clean(text: string): string {
  return text
    .replace(/[\s\u3000]+/g, ' ')
    .replace(/^["'\s]+|["'\s]+$/g, '')
    .trim();
}

/** Of two halves, the one with a company marker is the company; with none or both, the second. */
function byMarker(first: string, second: string): { name: string; company: string } {
  return hasCorpMarker(first) && !hasCorpMarker(second) ? { name: second, company: first } : { name: first, company: second };
}

const SEPARATORS = [/\s*[|｜]\s*/, /\s+[/／]\s+|／/, /\s+[-–—]\s+/, /\s+at\s+/];

/**
 * "Name (Company)", "Name | Company", "Name / Company", "Name - Company", "Name at Company",
 * "Name, Company Inc.", and the Japanese "株式会社ソラモラ 山田 太郎" (company first or last).
 */
export function splitDisplayName(displayName: string): { name: string; company: string | null } {
  const d = clean(displayName);
  // A trailing parenthetical, unless it is the legal-form abbreviation "(株)" itself.
  const paren = /^(.+?)\s*[(（]([^()（）]+)[)）]$/.exec(d);
  if (paren && paren[1] && paren[2] && !/^\s*[株有]\s*$/.test(paren[2])) {
    return { name: clean(paren[1]), company: clean(paren[2]) };
  }
  for (const sep of SEPARATORS) {
    const parts = d.split(sep);
    if (parts.length === 2 && parts[0] && parts[1]) {
      const { name, company } = byMarker(clean(parts[0]), clean(parts[1]));
      return { name, company };
    }
  }
  const comma = d.split(/\s*[,、，]\s*/);
  if (comma.length === 2 && comma[0] && comma[1] && hasCorpMarker(comma.join(' '))) {
    // "Doe, Jane" has no marker and stays a name.
    return byMarker(clean(comma[0]), clean(comma[1]));
  }
  const words = d.split(' ');
  if (words.length >= 2 && JA_CORP.test(d)) {
    if (JA_CORP.test(words[0]!)) return { name: words.slice(1).join(' '), company: words[0]! };
    if (JA_CORP.test(words[words.length - 1]!)) return { name: words.slice(0, -1).join(' '), company: words[words.length - 1]! };
  }
  return { name: d, company: null };
}

// Second-level suffixes under which organisations register (solarmora.co.jp, not co.jp).
const TWO_LEVEL_SUFFIXES = new Set([
  'co.jp',
  'ne.jp',
  'or.jp',
  'ac.jp',
  'go.jp',
  'ad.jp',
  'ed.jp',
  'gr.jp',
  'lg.jp',
  'co.uk',
  'org.uk',
  'ac.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.nz',
  'com.br',
  'com.cn',
  'com.tw',
  'co.kr',
  'com.sg',
  'co.in',
  'com.mx',
  'co.za',
  'com.hk',
]);

/** Public webmail and consumer ISP domains: they say nothing about the sender's company. */
const WEBMAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.jp',
  'ymail.com',
  'rocketmail.com',
  'outlook.com',
  'outlook.jp',
  'hotmail.com',
  'hotmail.co.jp',
  'hotmail.co.uk',
  'live.com',
  'live.jp',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'mail.ru',
  'yandex.ru',
  'yandex.com',
  'qq.com',
  '163.com',
  '126.com',
  'naver.com',
  'zoho.com',
  'fastmail.com',
  'hey.com',
  'docomo.ne.jp',
  'ezweb.ne.jp',
  'au.com',
  'softbank.ne.jp',
  'i.softbank.jp',
  'nifty.com',
  'biglobe.ne.jp',
  'ocn.ne.jp',
  'so-net.ne.jp',
  'plala.or.jp',
  'ybb.ne.jp',
  'excite.co.jp',
  'infoseek.jp',
]);

/** `mail.solarmora.co.jp` → `solarmora.co.jp`. */
export function registrableDomain(domain: string): string {
  const labels = domain.toLowerCase().replace(/\.$/, '').split('.');
  const lastTwo = labels.slice(-2).join('.');
  return labels.slice(TWO_LEVEL_SUFFIXES.has(lastTwo) ? -3 : -2).join('.');
}

/** The sender's company domain, or null for webmail (checked on the full and the registrable domain). */
export function companyDomainOf(address: Address): string | null {
  const domain = domainOf(address);
  if (domain === '') return null;
  const registrable = registrableDomain(domain);
  return WEBMAIL.has(domain) || WEBMAIL.has(registrable) ? null : registrable;
}

/** `solarmora.co.jp` → `Solarmora`: a readable guess, replaced as soon as someone knows better. */
function companyFromDomain(registrable: string): string {
  const label = registrable.split('.')[0] ?? registrable;
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** The lead a new sales thread opens; null when the message names nobody to answer. */
export function leadFromMessage(msg: IntakeMessage, publicAddress: Address | null): LeadDraft | null {
  const who = requesterOf(msg, publicAddress);
  if (who === null) return null;
  const split = splitDisplayName(who.name);
  const companyDomain = companyDomainOf(who.address);
  return {
    name: split.name === '' ? localPartOf(who.address) : split.name,
    email: who.address,
    company: split.company ?? (companyDomain === null ? null : companyFromDomain(companyDomain)),
    companyDomain,
    source: 'email',
    subject: clean(msg.subject ?? ''),
  };
}

export type LeadEvent =
  | { readonly kind: 'start-working' }
  | { readonly kind: 'qualify' }
  | { readonly kind: 'disqualify' }
  | { readonly kind: 'convert' }
  | { readonly kind: 'reopen' };

export type LeadStatusChange =
  | { readonly kind: 'changed'; readonly from: LeadStatus; readonly to: LeadStatus }
  | { readonly kind: 'unchanged'; readonly status: LeadStatus }
  | { readonly kind: 'rejected'; readonly reason: string };

/** Each event: the target status and the statuses it may come from. Converting implies qualifying. */
const LEAD_EDGES: Readonly<Record<LeadEvent['kind'], { to: LeadStatus; from: readonly LeadStatus[] }>> = {
  'start-working': { to: 'working', from: ['new'] },
  qualify: { to: 'qualified', from: ['new', 'working'] },
  disqualify: { to: 'disqualified', from: ['new', 'working', 'qualified'] },
  convert: { to: 'converted', from: ['new', 'working', 'qualified'] },
  reopen: { to: 'working', from: ['disqualified'] },
};

export function applyLeadEvent(current: LeadStatus, event: LeadEvent): LeadStatusChange {
  const edge = LEAD_EDGES[event.kind];
  if (current === edge.to) return { kind: 'unchanged', status: current };
  if (edge.from.includes(current)) return { kind: 'changed', from: current, to: edge.to };
  return {
    kind: 'rejected',
    reason: `a ${current} lead cannot be ${edge.to === 'working' ? 'worked' : edge.to}; allowed from: ${edge.from.join(', ')}`,
  };
}

export type OpportunityStage = 'prospecting' | 'qualification' | 'proposal' | 'negotiation' | 'closed-won' | 'closed-lost';

export interface ConversionOptions {
  readonly amount?: number;
  readonly stage?: OpportunityStage;
  /** The caller's lookup by the lead's company domain, then name. */
  readonly existingAccountByCompany?: { readonly id: string } | null;
  readonly existingContactByEmail?: { readonly id: string } | null;
}

export type ConversionPlan =
  | {
      readonly kind: 'convert';
      readonly contact: { readonly kind: 'reuse'; readonly contactId: string } | { readonly kind: 'create'; readonly name: string; readonly email: Address };
      readonly account:
        | { readonly kind: 'reuse'; readonly accountId: string }
        /** `personal`: no company is known, so the account is the person's own. */
        | { readonly kind: 'create'; readonly name: string; readonly domain: string | null; readonly personal: boolean };
      readonly opportunity: { readonly name: string; readonly amount: number | null; readonly stage: OpportunityStage };
      readonly leadStatus: 'converted';
    }
  | { readonly kind: 'rejected'; readonly reason: string };

const MAX_OPPORTUNITY_NAME = 255;

export function planConversion(lead: Lead, options: ConversionOptions = {}): ConversionPlan {
  const status = applyLeadEvent(lead.status, { kind: 'convert' });
  if (status.kind !== 'changed') {
    return { kind: 'rejected', reason: status.kind === 'rejected' ? status.reason : 'lead is already converted' };
  }
  const amount = options.amount ?? null;
  if (amount !== null && !(Number.isFinite(amount) && amount >= 0)) {
    return { kind: 'rejected', reason: `amount ${amount} must be a number of at least 0` };
  }
  const owner = lead.company ?? lead.name;
  const topic = stripReplyPrefixes(lead.subject);
  const name = topic === '' ? owner : `${owner} — ${topic}`;
  return {
    kind: 'convert',
    contact: options.existingContactByEmail
      ? { kind: 'reuse', contactId: options.existingContactByEmail.id }
      : { kind: 'create', name: lead.name, email: lead.email },
    account: options.existingAccountByCompany
      ? { kind: 'reuse', accountId: options.existingAccountByCompany.id }
      : { kind: 'create', name: owner, domain: lead.companyDomain, personal: lead.company === null },
    opportunity: {
      name: name.length > MAX_OPPORTUNITY_NAME ? `${name.slice(0, MAX_OPPORTUNITY_NAME - 1)}…` : name,
      amount,
      stage: options.stage ?? 'prospecting',
    },
    leadStatus: 'converted',
  };
}
