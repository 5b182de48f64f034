/** The lead shapes of /api/leads (leadSchema, leadDetailSchema and conversionSchema on the server). */
import type { Lead, LeadStatus, Message } from './types.js';

export interface LeadSummary extends Lead {
  readonly channel: { readonly id: string; readonly name: string };
  readonly companyDomain: string | null;
  readonly contactId: number | null;
  readonly accountId: number | null;
  readonly opportunityId: number | null;
  readonly updatedAt: string;
}

export interface Conversion {
  readonly contact: { readonly id: number; readonly name: string; readonly email: string; readonly accountId: number | null };
  readonly account: { readonly id: number; readonly name: string; readonly domain: string | null };
  readonly opportunity: { readonly id: number; readonly name: string; readonly amount: number | null; readonly stage: string; readonly createdAt: string };
}

/** What every move answers: the lead as it is now, with its conversion once converted. */
export interface LeadAfterAction extends LeadSummary {
  readonly conversion: Conversion | null;
}

export interface LeadDetail extends LeadAfterAction {
  readonly messages: readonly Message[];
}

export const OPPORTUNITY_STAGES = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed-won', 'closed-lost'] as const;
export type OpportunityStage = (typeof OPPORTUNITY_STAGES)[number];

/** The moves POST /api/leads/:id/{move} takes besides convert, which has its own form. */
export const LEAD_MOVES = ['work', 'qualify', 'disqualify'] as const;
export type LeadMove = (typeof LEAD_MOVES)[number];

/**
 * The statuses each move may start from, as the server's lead status machine has them
 * (src/desk/lead.ts; test/ui/lead-moves.test.ts keeps the two in step). The API does not
 * list a lead's possible moves, so the page offers only these and the server still decides.
 */
const MOVES_FROM: Readonly<Record<LeadMove | 'convert', readonly LeadStatus[]>> = {
  work: ['new'],
  qualify: ['new', 'working'],
  disqualify: ['new', 'working', 'qualified'],
  convert: ['new', 'working', 'qualified'],
};

export function movesFrom(status: LeadStatus): readonly LeadMove[] {
  return LEAD_MOVES.filter((m) => MOVES_FROM[m].includes(status));
}

export function canConvert(status: LeadStatus): boolean {
  return MOVES_FROM.convert.includes(status);
}
