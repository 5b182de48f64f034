import { z } from 'zod';
import { ACTOR_KINDS } from '../../base/actors.js';

/** Response shapes shared by several resources; they mirror desk/views.ts. */
export const problemSchema = z.object({
  error: z.string().describe('what went wrong and how to fix it, as a sentence'),
  code: z.string().describe('stable code, e.g. BAD_INPUT, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT'),
  details: z.array(z.string()).describe('every individual problem, e.g. "body.status: Invalid option"'),
  reason: z.string().nullable().describe("the sentence as a kebab-case code the console's dictionaries say in words (null: none)"),
  params: z.record(z.string(), z.union([z.string(), z.number()])).describe('the values the sentence names, by name'),
});

const textValue = z.union([z.string(), z.number()]);
/** A server text in words of the console's dictionaries: a code and the values it names. */
export const textSchema = z.object({
  code: z.string().describe("a stable code; the console's dictionaries say it in English and Japanese"),
  params: z.record(z.string(), textValue).describe('the values the text names, by name'),
});
/** A trace line's text: a value may quote a text of ours (a reply, a note), which may quote one in turn. */
export const traceTextSchema = z.object({
  code: z.string().describe("trace.<code> in the console's dictionaries; unknown codes show the summary"),
  params: z.record(
    z.string(),
    z.union([textValue, z.object({ code: z.string(), params: z.record(z.string(), z.unknown()).describe('values as in params: plain or texts') })]),
  ),
});

const person = z.object({ name: z.string(), address: z.string() });
const time = z.string().describe('ISO 8601');
export const channelRefSchema = z.object({ id: z.string(), name: z.string() });

const slaTarget = z.enum(['firstResponse', 'resolution']);

export const slaSchema = z.object({
  firstResponseDue: time
    .nullable()
    .describe('when the first answer is due; null once answered in time, while paused or once solved. A due time that has passed stays: it was missed'),
  resolutionDue: time.nullable().describe('when the case is due to be solved; null while paused or once solved in time'),
  firstResponseAt: time.nullable().describe("when an agent's first answer went out"),
  breached: z.array(slaTarget).describe('targets whose breach is recorded (case.sla_breached was sent for each)'),
  paused: z.boolean().describe('the case waits on the customer (pending): its clock stands still'),
  remaining: z
    .object({ firstResponse: z.number().int().nullable(), resolution: z.number().int().nullable() })
    .nullable()
    .describe('while paused: business time left on each target not met yet, in milliseconds'),
});

export const caseSchema = z.object({
  number: z.number().int(),
  subject: z.string(),
  status: z.enum(['new', 'open', 'pending', 'solved', 'closed']),
  channel: channelRefSchema,
  requester: person,
  assignee: z.string().nullable(),
  participants: z.array(person),
  originalRecipient: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
  test: z.boolean().describe("opened by the console's route test: closed at once and left out of the list unless asked for (tests=only|include)"),
  sla: slaSchema.nullable().describe("the case's service targets (its channel's desk.channels[].sla when it opened); null without any"),
});

/** A raw actor id (`web:admin@…`, `cli:root`, `token:ci`) read back as who it is, for display. */
export const actorSchema = z
  .object({
    kind: z.enum(ACTOR_KINDS).describe('console: a console account; api-token: a script; cli: the command line; system and acknowledgement: the desk itself'),
    name: z.string().nullable().describe("the account's email, the token's name or the system user; null when the kind says it all"),
  })
  .describe('who did it, as a person');

export const messageSchema = z.object({
  id: z.number().int(),
  direction: z.enum(['in', 'out', 'note']),
  messageId: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  from: person.nullable(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable().describe('sanitised at intake; show it in a sandboxed frame'),
  author: z.string().nullable(),
  authorActor: actorSchema.nullable().describe('the author as a person: its kind and name, for display'),
  machineKind: z.string().nullable(),
  messageIdReused: z.boolean().describe('an earlier, different message came with the same Message-ID; this one was kept as a message of its own'),
  queueId: z.string().nullable(),
  createdAt: time,
  attachments: z.array(
    z.object({
      id: z.number().int(),
      filename: z.string().describe('a safe base name: no directories, no control characters'),
      originalFilename: z.string().nullable().describe('the name as the sender wrote it, when it differs from filename; null otherwise or when unknown'),
      contentType: z.string(),
      size: z.number().int(),
      contentId: z.string().nullable(),
      inline: z.boolean(),
    }),
  ),
});

export const leadSchema = z.object({
  id: z.number().int(),
  channel: channelRefSchema,
  name: z.string(),
  email: z.string(),
  company: z.string().nullable(),
  companyDomain: z.string().nullable(),
  subject: z.string(),
  status: z.enum(['new', 'working', 'qualified', 'converted', 'disqualified']),
  contactId: z.number().int().nullable(),
  accountId: z.number().int().nullable(),
  opportunityId: z.number().int().nullable(),
  createdAt: time,
  updatedAt: time,
});

export const conversionSchema = z.object({
  contact: z.object({ id: z.number().int(), name: z.string(), email: z.string(), accountId: z.number().int().nullable() }),
  account: z.object({ id: z.number().int(), name: z.string(), domain: z.string().nullable() }),
  opportunity: z.object({ id: z.number().int(), name: z.string(), amount: z.number().nullable(), stage: z.string(), createdAt: time }),
});

/** A positive integer from a path or query string ("1001", or "#1001" for a case). */
export const idParam = (what: string) =>
  z
    .string()
    .regex(/^#?[1-9][0-9]{0,15}$/, `${what} must be a number like 1001`)
    .transform((v) => Number(v.replace(/^#/, '')))
    .describe(what);
