/**
 * Names for the shapes the console reads, each taken from the server's description of the
 * call that answers it (api.gen.ts): none is written out here, so none can drift.
 */
import type { Answer, BodyOf, QueryOf } from './client.js';

type Item<L extends { items: readonly unknown[] }> = L['items'][number];

/** Every member of a union listed, in the order a page shows them; tsc refuses a list that misses one. */
export const allOf =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> })): L =>
    list;

export type Session = Answer<'get', '/api/session'>;
export type User = Session['user'];
export type Role = User['role'];

export type Case = Answer<'patch', '/api/cases/{number}'>;
export type CasePage = Answer<'get', '/api/cases'>;
export type CaseDetail = Answer<'get', '/api/cases/{number}'>;
export type CaseStatus = Case['status'];
export const CASE_STATUSES = allOf<CaseStatus>()(['new', 'open', 'pending', 'solved', 'closed']);
export type Message = CaseDetail['messages'][number];
export type CaseReply = BodyOf<'post', '/api/cases/{number}/replies'>;

export type Channel = Item<Answer<'get', '/api/channels'>>;
export type VerificationState = Channel['verification']['state'];

export type LeadSummary = Item<Answer<'get', '/api/leads'>>;
export type LeadStatus = LeadSummary['status'];
export const LEAD_STATUSES = allOf<LeadStatus>()(['new', 'working', 'qualified', 'converted', 'disqualified']);
export type LeadDetail = Answer<'get', '/api/leads/{id}'>;
/** What every move answers: the lead as it is now, with its conversion once converted. */
export type LeadAfterAction = Answer<'post', '/api/leads/{id}/convert'>;
export type Conversion = NonNullable<LeadAfterAction['conversion']>;
export type OpportunityStage = NonNullable<NonNullable<BodyOf<'post', '/api/leads/{id}/convert'>>['stage']>;
export const OPPORTUNITY_STAGES = allOf<OpportunityStage>()(['prospecting', 'qualification', 'proposal', 'negotiation', 'closed-won', 'closed-lost']);

export type SuspendedMail = Item<Answer<'get', '/api/suspended'>>;
export type FailedMail = Item<Answer<'get', '/api/failed'>>;
export type HeldMessage = Item<Answer<'get', '/api/quarantine'>>;
export type HeldDetail = Answer<'get', '/api/quarantine/{id}'>;

export type LoggedMessage = Item<Answer<'get', '/api/messages'>>;
export type LogFilters = QueryOf<'get', '/api/messages'>;
export type MessageTrace = Answer<'get', '/api/messages/{id}/trace'>;

export type Traffic = Answer<'get', '/api/traffic'>;
export type TrafficRange = Traffic['range'];

export type ConsoleUser = Item<Answer<'get', '/api/users'>>;
export type CreatedUser = Answer<'post', '/api/users'>;

export type ApiToken = Item<Answer<'get', '/api/tokens'>>;
/** The answer to a create: the only time the token itself is sent. */
export type CreatedApiToken = Answer<'post', '/api/tokens'>;
export type ApiRole = ApiToken['role'];
export const API_ROLES = allOf<ApiRole>()(['agent', 'admin']);

export type Webhook = Item<Answer<'get', '/api/webhooks'>>;
/** The answer to a create: the only time the signing secret is sent. */
export type CreatedWebhook = Answer<'post', '/api/webhooks'>;
export type WebhookEvent = Webhook['events'][number];
/** In the server's order (src/desk/webhook-format.ts); a unit test keeps the two equal. */
export const WEBHOOK_EVENTS = allOf<WebhookEvent>()([
  'case.created',
  'case.updated',
  'message.received',
  'lead.created',
  'lead.converted',
  'case.sla_breached',
]);
