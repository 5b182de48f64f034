import { z } from 'zod';
import { conversionSchema, idParam, leadSchema, messageSchema } from '../../api/common-schemas.js';

export const STAGES = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed-won', 'closed-lost'] as const;

export const leadParams = z.strictObject({ id: idParam('the lead id') });

export const listLeadsQuery = z.strictObject({
  status: z.enum(['new', 'working', 'qualified', 'converted', 'disqualified']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const leadListSchema = z.object({ items: z.array(leadSchema) });

export const leadDetailSchema = leadSchema.extend({ conversion: conversionSchema.nullable(), messages: z.array(messageSchema) });

export const leadActionSchema = leadSchema.extend({ conversion: conversionSchema.nullable() });

export const convertBody = z
  .strictObject({
    amount: z.number().finite().nonnegative().optional().describe('the opportunity amount'),
    stage: z.enum(STAGES).optional().describe('the opportunity stage (default prospecting)'),
  })
  .optional()
  .transform((b) => b ?? {});
