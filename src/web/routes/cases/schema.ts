import { z } from 'zod';
import { caseSchema, idParam, messageSchema } from '../../api/common-schemas.js';

const STATUSES = ['new', 'open', 'pending', 'solved', 'closed'] as const;

export const caseParams = z.strictObject({ number: idParam('the case number') });

export const caseMessageParams = z.strictObject({ number: idParam('the case number'), mid: idParam('the message id') });

export const messageHeadersSchema = z.object({
  headers: z.string().describe("the message's header block as the gateway stored it, its own trace fields on top; text, never HTML"),
  truncated: z.boolean().describe('the block was longer than 64 KiB and is cut at the last whole line within it'),
});

export const listCasesQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  channel: z.string().min(1).max(200).optional().describe('channel name or id'),
  assignee: z.string().min(1).max(200).optional().describe('an agent; "none" for unassigned cases, "me" for the caller'),
  search: z.string().min(1).max(200).optional().describe('subject, body or requester contains this'),
  sla: z.enum(['breached']).optional().describe("breached: cases not solved or closed with a missed service target (the console's Breached view)"),
  sort: z
    .enum(['number', 'due'])
    .default('number')
    .describe('number: newest first (pages with cursor); due: the nearest due time first, cases without one last (one page)'),
  tests: z
    .enum(['hide', 'only', 'include'])
    .default('hide')
    .describe("cases opened by the console's route test: left out (hide), alone (only) or with the others (include)"),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'cursor must be the nextCursor of the previous page')
    .optional()
    .describe('nextCursor of the previous page: cases numbered below it'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const casePageSchema = z.object({
  items: z.array(caseSchema),
  nextCursor: z.string().nullable().describe('pass as cursor for the next page; null on the last page'),
});

export const caseCountsSchema = z.object({
  breached: z.number().int().describe("cases not solved or closed with a missed service target: the count on the console's Breached badge"),
});

/** One step of a case's history besides its messages: who was given it, and why. */
export const caseEventSchema = z.object({
  at: z.string(),
  code: z
    .enum(['case.assigned', 'case.reassigned', 'case.unassigned', 'case.not_assigned', 'case.assigned_by_hand', 'case.unassigned_by_hand'])
    .describe('stable: the console words each code itself, from data'),
  summary: z.string().describe('the event in English'),
  data: z
    .record(z.string(), z.union([z.string(), z.number(), z.null()]))
    .describe('every value the summary names: agent, via (rule, round-robin), rule (1-based), from, by'),
  actor: z.string().nullable().describe('who did it; null: the desk by its rules'),
});

export const caseDetailSchema = caseSchema.extend({
  messages: z.array(messageSchema),
  history: z.array(caseEventSchema).describe('oldest first'),
  links: z.array(z.object({ number: z.number().int(), status: z.string(), relation: z.enum(['previous', 'follow-up']) })),
});

export const patchCaseBody = z
  .strictObject({
    status: z.enum(STATUSES).optional(),
    assignee: z.string().min(1).max(200).nullable().optional().describe('null unassigns'),
  })
  .refine((b) => b.status !== undefined || b.assignee !== undefined, { message: 'give status, assignee or both' });

export const replyBody = z.strictObject({
  body: z.string().trim().min(1, 'the answer is empty').max(100_000),
  status: z.enum(['pending', 'solved']).optional().describe('the case status after the answer'),
});

export const noteBody = z.strictObject({ body: z.string().trim().min(1, 'the note is empty').max(100_000) });

export const answerSchema = z.object({
  case: caseSchema,
  queueId: z.string().nullable().describe('the queue id of the email (trace it with `relaydesk trace`); null for a note'),
  messageId: z.string().nullable(),
});
