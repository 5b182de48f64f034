import { z } from 'zod';
import { emailSchema } from '../../../accounts/index.js';
import { EVENTS } from '../../../base/events.js';
import { listAgentStates, setUserAvailability } from '../../../store/index.js';
import { defineRoute, type ApiRoute } from '../../api/route-kit.js';
import { principalLabel } from '../../auth/principal.js';
import { HttpProblem } from '../../http-problem.js';

const agentSchema = z.object({
  email: z.string(),
  role: z.enum(['admin', 'agent']),
  disabled: z.boolean(),
  available: z.boolean().describe('takes new cases: round-robin and rules pass over an unavailable agent, whose cases stay theirs'),
});

const list = defineRoute({
  method: 'GET',
  path: '/api/agents',
  operationId: 'listAgents',
  summary: 'Every console account, with whether it takes new cases now (availability)',
  tag: 'agents',
  action: 'desk.read',
  response: z.object({ items: z.array(agentSchema) }),
  command: async ({ deps }) => ({ items: await listAgentStates(deps.db) }),
});

const setAvailability = defineRoute({
  method: 'PUT',
  path: '/api/agents/:email/availability',
  operationId: 'setAgentAvailability',
  summary: "Set whether an agent takes new cases; one's own, or anyone's for an admin",
  tag: 'agents',
  action: 'desk.write',
  params: z.strictObject({ email: emailSchema.describe("the account's email") }),
  body: z.strictObject({ available: z.boolean() }),
  response: agentSchema,
  failures: [403, 404],
  async command({ input: { params, body }, principal, deps }) {
    if (principal.role !== 'admin' && !(principal.kind === 'session' && principal.name === params.email)) {
      throw new HttpProblem('FORBIDDEN', `not allowed: an agent sets only their own availability; ask an admin to set ${params.email}'s`);
    }
    const u = await setUserAvailability(deps.db, params.email, body.available, deps.now());
    if (!u) throw new HttpProblem('NOT_FOUND', `no console account ${params.email}; see GET /api/agents`);
    deps.logger.info({ event: EVENTS.userAvailability, email: u.email, available: u.available, by: principalLabel(principal) }, 'agent availability set');
    return { email: u.email, role: u.role, disabled: u.disabled, available: u.available };
  },
});

export const agentRoutes: readonly ApiRoute[] = [list, setAvailability];
