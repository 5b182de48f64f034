/** The moves a lead's page offers, as the server's lead status machine allows them. */
import type { LeadStatus } from './shapes.js';

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
