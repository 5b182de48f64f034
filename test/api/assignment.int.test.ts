/**
 * Assignment through the whole node, on both stores: rules and round-robin saved through the
 * configuration document (an unknown agent refused with its place), cases assigned as mail
 * arrives over SMTP, each with its history, and a disabled agent's cases handed over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, DIALECTS } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

const AMY = 'amy@solarmora.com';
const BEN = 'ben@solarmora.com';

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field */
describe.each(DIALECTS)('assignment over the API on %s', (dialect) => {
  let n: ApiNode;
  const caseOf = (subject: string) =>
    eventually(
      async () => {
        const r = await n.call('GET', `/api/cases?search=${encodeURIComponent(subject)}`);
        return r.body.items[0] && (await n.call('GET', `/api/cases/${r.body.items[0].number}`)).body;
      },
      10_000,
      `the case "${subject}"`,
    );

  beforeAll(async () => {
    n = await startApiNode(dialect);
    for (const email of [AMY, BEN]) expect((await n.call('POST', '/api/users', { body: { email, role: 'agent' } })).status).toBe(201);
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('refuses a rule naming no console account, with its place; saves rules that name real ones', async () => {
    const cur = (await n.call('GET', '/api/config/document')).body;
    const doc = structuredClone(cur.document);
    doc.desk.channels[0].autoAssign = true;
    doc.desk.assignment = [{ when: { keyword: 'invoice' }, assign: { agent: 'nobody@solarmora.com' } }];
    const refused = await n.call('POST', '/api/config/check', { body: { document: doc } });
    expect(refused.body.problems).toEqual([expect.objectContaining({ path: 'desk.assignment[0].assign.agent', code: 'assignment-agent-unknown' })]);
    doc.desk.assignment[0].assign.agent = BEN;
    const saved = await n.call('PUT', '/api/config/document', { body: { document: doc, basedOn: cur.version } });
    expect(saved.status).toBe(200);
  });

  it('assigns by the first matching rule, else in turn, and says why in the history', async () => {
    await n.mail('help@solarmora.com', 'kim@customer.example', { Subject: 'Wrong amount' }, 'The INVOICE says 42.');
    const byRule = await caseOf('Wrong amount');
    expect(byRule.assignee).toBe(BEN);
    expect(byRule.history).toEqual([
      {
        at: expect.any(String),
        code: 'case.assigned',
        summary: 'assigned to ben@solarmora.com by rule 1',
        data: { agent: BEN, via: 'rule', rule: 1 },
        actor: null,
      },
    ]);
    await n.mail('help@solarmora.com', 'lee@customer.example', { Subject: 'Turn one' });
    await n.mail('help@solarmora.com', 'max@customer.example', { Subject: 'Turn two' });
    expect([(await caseOf('Turn one')).assignee, (await caseOf('Turn two')).assignee]).toEqual([AMY, BEN]);
  });

  it("hands a disabled agent's open cases to the others, and records a change by hand with who made it", async () => {
    const disabled = await n.call('PATCH', `/api/users/${BEN}`, { body: { disabled: true } });
    expect(disabled.status).toBe(200);
    for (const subject of ['Wrong amount', 'Turn two']) {
      const c = await caseOf(subject);
      expect(c.assignee).toBe(AMY);
      expect(c.history.at(-1)).toMatchObject({ code: 'case.reassigned', data: { agent: AMY, from: BEN, via: 'round-robin', rule: null } });
    }
    const c = await caseOf('Turn one');
    expect((await n.call('PATCH', `/api/cases/${c.number}`, { body: { assignee: null } })).body.assignee).toBeNull();
    expect((await caseOf('Turn one')).history.at(-1)).toMatchObject({
      code: 'case.unassigned_by_hand',
      data: { from: AMY, by: 'token:admin-script' },
      actor: 'token:admin-script',
    });
    const agents = (await n.call('GET', '/api/agents', { token: n.agent })).body.items.filter((a: any) => a.role === 'agent');
    expect(agents).toEqual([
      { email: AMY, role: 'agent', disabled: false, available: true },
      { email: BEN, role: 'agent', disabled: true, available: true },
    ]);
  });
});
