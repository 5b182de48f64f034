import type { z } from 'zod';
import { refusalText } from '../../../base/refusal-texts.js';
import { answerCase, caseView, changeCase, isoTime, messageView } from '../../../desk/index.js';
import {
  countBreachedCases,
  findLinkedCases,
  listCases,
  listDeskChannels,
  loadCaseByNumber,
  loadCaseEvents,
  loadDeskMessages,
  loadHeader,
  loadMessage,
  type CaseRow,
  type Db,
} from '../../../store/index.js';
import { caseSchema } from '../../api/common-schemas.js';
import { deskContextOf, type ApiDeps } from '../../api/api-deps.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { principalLabel } from '../../auth/principal.js';
import { HttpProblem } from '../../http-problem.js';
import {
  answerSchema,
  caseCountsSchema,
  caseDetailSchema,
  caseEventSchema,
  caseMessageParams,
  caseParams,
  casePageSchema,
  listCasesQuery,
  messageHeadersSchema,
  noteBody,
  patchCaseBody,
  replyBody,
} from './schema.js';

type CaseEventCode = z.output<typeof caseEventSchema>['code'];

async function loadCase(db: Db, number: number): Promise<CaseRow> {
  const c = await loadCaseByNumber(db, number);
  if (!c) throw new HttpProblem('NOT_FOUND', `no case #${number}; list cases with GET /api/cases`, [], refusalText('case-not-found', { number }));
  return c;
}

async function presentCase(deps: ApiDeps, number: number) {
  return caseView(await loadCase(deps.db, number), await listDeskChannels(deps.db));
}

const list = defineRoute({
  method: 'GET',
  path: '/api/cases',
  operationId: 'listCases',
  summary: 'Cases, newest first, filtered; pages by case number',
  tag: 'cases',
  action: 'desk.read',
  query: listCasesQuery,
  response: casePageSchema,
  async command({ input: { query }, principal, deps }) {
    const channels = await listDeskChannels(deps.db);
    const channel =
      query.channel === undefined ? undefined : channels.find((c) => c.id === query.channel || c.name.toLowerCase() === query.channel!.toLowerCase());
    if (query.channel !== undefined && !channel) {
      throw new HttpProblem('BAD_INPUT', `no desk channel "${query.channel}"`, [
        `query.channel: no desk channel "${query.channel}"; channels: ${channels.map((c) => c.name).join(', ') || 'none'}`,
      ]);
    }
    const assignee =
      query.assignee === undefined ? undefined : query.assignee === 'none' ? null : query.assignee === 'me' ? principalLabel(principal) : query.assignee;
    const rows = await listCases(deps.db, {
      ...(query.status ? { status: query.status } : {}),
      ...(channel ? { channelId: channel.id } : {}),
      ...(assignee !== undefined ? { assignee } : {}),
      ...(query.search ? { search: query.search } : {}),
      ...(query.cursor ? { beforeNumber: Number(query.cursor) } : {}),
      tests: query.tests,
      ...(query.sla ? { sla: query.sla } : {}),
      sort: query.sort,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    // A cursor is a case number: it pages the newest-first order only.
    const more = rows.length > query.limit && query.sort === 'number';
    return { items: page.map((c) => caseView(c, channels)), nextCursor: more ? String(page[page.length - 1]!.number) : null };
  },
});

const counts = defineRoute({
  method: 'GET',
  path: '/api/cases/counts',
  operationId: 'countCases',
  summary: 'How many cases need attention: those with a missed service target',
  tag: 'cases',
  action: 'desk.read',
  response: caseCountsSchema,
  async command({ deps }) {
    return { breached: await countBreachedCases(deps.db) };
  },
});

const get = defineRoute({
  method: 'GET',
  path: '/api/cases/:number',
  operationId: 'getCase',
  summary: 'One case with its messages (in, out, notes), participants and linked cases',
  tag: 'cases',
  action: 'desk.read',
  params: caseParams,
  response: caseDetailSchema,
  failures: [404],
  load: ({ params }, deps) => loadCase(deps.db, params.number),
  async command({ subject: c, deps }) {
    const [channels, messages, links, history] = await Promise.all([
      listDeskChannels(deps.db),
      loadDeskMessages(deps.db, { caseId: c.id }),
      findLinkedCases(deps.db, c.id),
      loadCaseEvents(deps.db, c.id),
    ]);
    return {
      ...caseView(c, channels),
      messages: messages.map(messageView),
      links: links.map((l) => ({ number: l.number, status: l.status, relation: l.relation })),
      history: history.map((e) => ({
        at: isoTime(e.at),
        code: e.code as CaseEventCode,
        summary: e.summary,
        data: e.data as Record<string, string | number | null>,
        actor: e.actor,
      })),
    };
  },
});

/** Enough for any real header block; a flood of fields is cut, not sent whole to a browser. */
const HEADERS_VIEW_MAX = 64 * 1024;

/** The block as text: UTF-8 where it is (RFC 6532 mail), each byte as one character where not. */
function headerText(block: Buffer): { headers: string; truncated: boolean } {
  let cut = block;
  if (block.length > HEADERS_VIEW_MAX) {
    const lastLine = block.subarray(0, HEADERS_VIEW_MAX).lastIndexOf('\n');
    cut = block.subarray(0, lastLine > 0 ? lastLine + 1 : HEADERS_VIEW_MAX);
  }
  let headers: string;
  try {
    headers = new TextDecoder('utf-8', { fatal: true }).decode(cut);
  } catch {
    headers = cut.toString('latin1');
  }
  return { headers, truncated: cut.length < block.length };
}

const headers = defineRoute({
  method: 'GET',
  path: '/api/cases/:number/messages/:mid/headers',
  operationId: 'getCaseMessageHeaders',
  summary: "One message's original header block, as text",
  tag: 'messages',
  action: 'desk.read',
  params: caseMessageParams,
  response: messageHeadersSchema,
  failures: [404],
  load: ({ params }, deps) => loadCase(deps.db, params.number),
  async command({ subject: c, input: { params }, deps }) {
    const m = (await loadDeskMessages(deps.db, { caseId: c.id })).find((x) => x.id === params.mid);
    if (!m) throw new HttpProblem('NOT_FOUND', `no message ${params.mid} on case #${c.number}; the case lists its messages at GET /api/cases/${c.number}`);
    if (m.queueId === null)
      throw new HttpProblem('NOT_FOUND', `message ${params.mid} of case #${c.number} is a note of the desk, not an email; it has no headers`);
    const [stored, block] = await Promise.all([loadMessage(deps.db, m.queueId), loadHeader(deps.db, m.queueId)]);
    if (!block || stored?.bodyPurgedAt != null) {
      throw new HttpProblem(
        'NOT_FOUND',
        `the original of message ${params.mid} of case #${c.number} is no longer stored (retention.messages removed it); the case keeps its text`,
      );
    }
    return headerText(block);
  },
});

const patch = defineRoute({
  method: 'PATCH',
  path: '/api/cases/:number',
  operationId: 'updateCase',
  summary: "Change a case's status or assignee (transitions the desk does not allow answer 409)",
  tag: 'cases',
  action: 'desk.write',
  params: caseParams,
  body: patchCaseBody,
  response: caseSchema,
  failures: [404, 409],
  load: ({ params }, deps) => loadCase(deps.db, params.number),
  async command({ input: { params, body }, principal, deps }) {
    await changeCase(await deskContextOf(deps), {
      caseNumber: params.number,
      ...(body.status ? { status: body.status } : {}),
      ...(body.assignee !== undefined ? { assignee: body.assignee } : {}),
      by: principalLabel(principal),
    });
    return presentCase(deps, params.number);
  },
});

const reply = defineRoute({
  method: 'POST',
  path: '/api/cases/:number/replies',
  operationId: 'replyToCase',
  summary: "Answer the requester by email from the channel's public address, threaded into the case",
  tag: 'messages',
  action: 'desk.write',
  params: caseParams,
  body: replyBody,
  response: answerSchema,
  status: 201,
  failures: [404, 409],
  load: ({ params }, deps) => loadCase(deps.db, params.number),
  async command({ input: { params, body }, principal, deps }) {
    const r = await answerCase(await deskContextOf(deps), {
      caseNumber: params.number,
      body: body.body,
      author: principalLabel(principal),
      ...(body.status ? { status: body.status } : {}),
    });
    deps.wake();
    return { case: await presentCase(deps, params.number), queueId: r.queueId, messageId: r.messageId };
  },
});

const note = defineRoute({
  method: 'POST',
  path: '/api/cases/:number/notes',
  operationId: 'addCaseNote',
  summary: 'Add an internal note to a case; it is never mailed',
  tag: 'messages',
  action: 'desk.write',
  params: caseParams,
  body: noteBody,
  response: answerSchema,
  status: 201,
  failures: [404],
  load: ({ params }, deps) => loadCase(deps.db, params.number),
  async command({ input: { params, body }, principal, deps }) {
    await answerCase(await deskContextOf(deps), { caseNumber: params.number, body: body.body, author: principalLabel(principal), note: true });
    return { case: await presentCase(deps, params.number), queueId: null, messageId: null };
  },
});

export const caseRoutes: readonly ApiRoute[] = [list, counts, get, headers, patch, reply, note];
