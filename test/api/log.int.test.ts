/** The email log over the API: search by sender, recipient, subject, outcome; a message's trace; admins only. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

describe('email log API', () => {
  let n: ApiNode;
  beforeAll(async () => {
    n = await startApiNode('sqlite');
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('finds a message and shows every step it took', async () => {
    await n.mail('help@solarmora.com', 'logged@customer.example', { Subject: 'Find me in the log' });
    const found = await eventually(
      async () => {
        const r = await n.call('GET', '/api/messages?sender=logged%40customer&outcome=delivered');
        return r.body.items?.length === 1 && r.body.items[0];
      },
      10_000,
      'the delivered message in the log',
    );
    expect(found.subject).toBe('Find me in the log');
    expect(found.deliveries[0].transport).toBe('desk');
    expect((await n.call('GET', '/api/messages?recipient=help%40solarmora.com&subject=Find%20me')).body.items).toHaveLength(1);
    expect((await n.call('GET', '/api/messages?sender=logged%40customer&outcome=bounced')).body.items).toHaveLength(0);
    const trace = await n.call('GET', `/api/messages/${found.id}/trace`);
    expect(trace.status).toBe(200);
    const codes = trace.body.steps.map((s: { code: string }) => s.code);
    expect(codes).toEqual(expect.arrayContaining(['inbound.envelope', 'spam.verdict', 'routing.rule_applied', 'inbound.accepted', 'queue.delivered']));
    expect((await n.call('GET', '/api/messages', { token: n.agent })).status).toBe(403);
    expect((await n.call('GET', '/api/messages/238D2CC4SDD156X/trace')).status).toBe(404);
    expect((await n.call('GET', '/api/messages?since=yesterday')).status).toBe(400);
  });
});
