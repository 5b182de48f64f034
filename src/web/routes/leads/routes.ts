import { refusalText } from '../../../base/refusal-texts.js';
import { actOnLead, conversionView, leadView, messageView, type LeadAction } from '../../../desk/index.js';
import { listDeskChannels, listLeads, loadConversion, loadDeskMessages, loadLead, type Db, type LeadRow } from '../../../store/index.js';
import { deskContextOf, type ApiDeps } from '../../api/api-deps.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { HttpProblem } from '../../http-problem.js';
import { convertBody, leadActionSchema, leadDetailSchema, leadListSchema, leadParams, listLeadsQuery } from './schema.js';

async function loadOrFail(db: Db, id: number): Promise<LeadRow> {
  const l = await loadLead(db, id);
  if (!l) throw new HttpProblem('NOT_FOUND', `no lead ${id}; list leads with GET /api/leads`, [], refusalText('lead-not-found', { id }));
  return l;
}

async function presentWithConversion(deps: ApiDeps, id: number) {
  const [lead, channels, conversion] = await Promise.all([loadOrFail(deps.db, id), listDeskChannels(deps.db), loadConversion(deps.db, id)]);
  return { ...leadView(lead, channels), conversion: conversionView(conversion) };
}

const list = defineRoute({
  method: 'GET',
  path: '/api/leads',
  operationId: 'listLeads',
  summary: 'Sales leads, newest first',
  tag: 'leads',
  action: 'desk.read',
  query: listLeadsQuery,
  response: leadListSchema,
  async command({ input: { query }, deps }) {
    const [rows, channels] = await Promise.all([
      listLeads(deps.db, { ...(query.status ? { status: query.status } : {}), limit: query.limit }),
      listDeskChannels(deps.db),
    ]);
    return { items: rows.map((l) => leadView(l, channels)) };
  },
});

const get = defineRoute({
  method: 'GET',
  path: '/api/leads/:id',
  operationId: 'getLead',
  summary: 'One lead with its messages and, once converted, its contact, account and opportunity',
  tag: 'leads',
  action: 'desk.read',
  params: leadParams,
  response: leadDetailSchema,
  failures: [404],
  load: ({ params }, deps) => loadOrFail(deps.db, params.id),
  async command({ subject: lead, deps }) {
    const [channels, conversion, messages] = await Promise.all([
      listDeskChannels(deps.db),
      loadConversion(deps.db, lead.id),
      loadDeskMessages(deps.db, { leadId: lead.id }),
    ]);
    return { ...leadView(lead, channels), conversion: conversionView(conversion), messages: messages.map(messageView) };
  },
});

const move = (action: Exclude<LeadAction, 'convert'>, summary: string) =>
  defineRoute({
    method: 'POST',
    path: `/api/leads/:id/${action}`,
    operationId: `${action}Lead`,
    summary,
    tag: 'leads',
    action: 'desk.write',
    params: leadParams,
    response: leadActionSchema,
    failures: [404, 409],
    load: ({ params }, deps) => loadOrFail(deps.db, params.id),
    async command({ input: { params }, deps }) {
      await actOnLead(await deskContextOf(deps), { leadId: params.id, action });
      return presentWithConversion(deps, params.id);
    },
  });

const convert = defineRoute({
  method: 'POST',
  path: '/api/leads/:id/convert',
  operationId: 'convertLead',
  summary: 'Convert a lead into a contact, an account (by company) and an opportunity',
  tag: 'leads',
  action: 'desk.write',
  params: leadParams,
  body: convertBody,
  response: leadActionSchema,
  failures: [404, 409],
  load: ({ params }, deps) => loadOrFail(deps.db, params.id),
  async command({ input: { params, body }, deps }) {
    await actOnLead(await deskContextOf(deps), {
      leadId: params.id,
      action: 'convert',
      ...(body.amount !== undefined ? { amount: body.amount } : {}),
      ...(body.stage ? { stage: body.stage } : {}),
    });
    return presentWithConversion(deps, params.id);
  },
});

export const leadRoutes: readonly ApiRoute[] = [
  list,
  get,
  move('work', 'Start working a lead (new → working)'),
  move('qualify', 'Qualify a lead'),
  move('disqualify', 'Disqualify a lead'),
  convert,
];
