import { describe, expect, it } from 'vitest';
import { applyLeadEvent } from '../../src/desk/lead.js';
import { LEAD_STATUSES } from '../../web/ui/src/api/shapes.js';
import { canConvert, movesFrom } from '../../web/ui/src/api/lead-moves.js';

// The console offers a move only where the server's status machine would make it.
const EVENT = { work: 'start-working', qualify: 'qualify', disqualify: 'disqualify' } as const;

describe('the lead moves the console offers', () => {
  it.each(LEAD_STATUSES)('from %s match the server', (status) => {
    const allowed = (Object.keys(EVENT) as (keyof typeof EVENT)[]).filter((m) => applyLeadEvent(status, { kind: EVENT[m] }).kind === 'changed');
    expect(movesFrom(status)).toEqual(allowed);
    expect(canConvert(status)).toBe(applyLeadEvent(status, { kind: 'convert' }).kind === 'changed');
  });
});
