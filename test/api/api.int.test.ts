/**
 * The REST API against a whole node: mail arrives over SMTP, agents and scripts work the
 * desk over HTTP, answers leave over SMTP to a sink. Errors are `{ error, code, details }`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, DIALECTS } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

describe.each(DIALECTS)('the REST API on %s', (dialect) => {
  let n: ApiNode;
  let first: number;

  const waitForCase = (from: string) =>
    eventually(
      async () => {
        const r = await n.call('GET', `/api/cases?search=${encodeURIComponent(from)}`);
        return r.body.items.length > 0 && r.body.items[0];
      },
      10_000,
      `a case from ${from}`,
    );

  beforeAll(async () => {
    n = await startApiNode(dialect);
    await n.mail(
      'help@solarmora.com',
      'carol@customer.example',
      {
        From: 'Carol Customer <carol@customer.example>',
        Cc: 'dave@customer.example',
        Subject: 'Printer on fire',
        'Message-Id': '<api-first@customer.example>',
      },
      'It is smoking.',
    );
    first = (await waitForCase('carol@customer.example')).number;
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('serves the OpenAPI document, valid JSON with a path for each resource', async () => {
    const res = await fetch(`${n.base}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = JSON.parse(await res.text());
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/api/channels',
      '/api/channels/{name}/rotate',
      '/api/channels/{name}/verify',
      '/api/cases',
      '/api/cases/{number}',
      '/api/cases/{number}/replies',
      '/api/cases/{number}/notes',
      '/api/leads',
      '/api/leads/{id}',
      '/api/leads/{id}/convert',
      '/api/suspended',
      '/api/failed',
      '/api/webhooks',
      '/api/tokens',
    ]) {
      expect(doc.paths, p).toHaveProperty([p]);
    }
    expect(doc.paths['/api/cases/{number}'].patch.requestBody.content['application/json'].schema.properties.status.enum).toContain('solved');
  });

  it('keeps /healthz and /metrics as they were', async () => {
    expect((await fetch(`${n.base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${n.base}/metrics`)).text()).toContain('relaydesk_deliveries');
  });

  it('answers 401 without a token, with a malformed one and with an unknown one', async () => {
    for (const token of [null, 'nope', `rd_${'x'.repeat(40)}`]) {
      const r = await n.call('GET', '/api/cases', { token });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 'UNAUTHENTICATED', details: [] });
      expect(r.body.error).toMatch(/not authenticated/);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+/);
    }
    const bad = await n.call('GET', '/api/cases', { token: null });
    expect(Object.keys(bad.body).sort()).toEqual(['code', 'details', 'error', 'params', 'reason']);
  });

  it('answers 403 to an agent on admin endpoints, and lets the admin through', async () => {
    for (const [method, path, body] of [
      ['POST', '/api/channels/Spare/rotate', undefined],
      ['POST', '/api/channels/Spare/verify', undefined],
      ['GET', '/api/tokens', undefined],
      ['POST', '/api/tokens', { name: 'sneaky', role: 'admin' }],
      ['GET', '/api/webhooks', undefined],
      // An invalid body does not turn the refusal into a validation error.
      ['POST', '/api/webhooks', { url: 'ftp://nope', events: [] }],
      ['POST', '/api/channels/NoSuchChannel/rotate', undefined],
    ] as const) {
      const r = await n.call(method, path, { token: n.agent, ...(body ? { body } : {}) });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe('FORBIDDEN');
    }
    expect((await n.call('GET', '/api/me', { token: n.agent })).body).toEqual({ kind: 'token', name: 'agent-script', role: 'agent' });
    expect((await n.call('GET', '/api/channels', { token: n.agent })).status).toBe(200);
    const rotated = await n.call('POST', '/api/channels/Spare/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.body.address).toMatch(/^support@[a-z0-9]{16}\.case\.relaydesk\.test$/);
    const channels = (await n.call('GET', '/api/channels')).body.items;
    expect(channels.find((c: { name: string }) => c.name === 'Spare').inboundAddress).toBe(rotated.body.address);
  });

  it('answers 400 with every problem in details', async () => {
    const r = await n.call('PATCH', `/api/cases/${first}`, { body: { status: 'bogus', assignee: 5, colour: 'red' } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('BAD_INPUT');
    expect(r.body.details).toHaveLength(3);
    expect(r.body.details.join('\n')).toMatch(/^body\.status: /m);
    expect(r.body.details.join('\n')).toMatch(/^body\.assignee: /m);
    expect(r.body.details.join('\n')).toMatch(/colour/);
    const q = await n.call('GET', '/api/cases?limit=0&status=lost');
    expect(q.status).toBe(400);
    expect(q.body.details).toHaveLength(2);
    const notJson = await n.call('POST', `/api/cases/${first}/notes`, { rawBody: '{"body": ' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('BAD_INPUT');
    expect((await n.call('GET', '/api/cases/abc')).body.details).toEqual(['params.number: the case number must be a number like 1001']);
  });

  it('answers 404 for unknown cases, leads and endpoints', async () => {
    for (const path of ['/api/cases/999999', '/api/leads/999999', '/api/nothing-here']) {
      const r = await n.call('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.code).toBe('NOT_FOUND');
    }
    expect((await n.call('POST', '/api/cases/999999/replies', { body: { body: 'hi' } })).status).toBe(404);
    expect((await n.call('POST', '/api/suspended/999999/recover')).status).toBe(404);
  });

  it('lists with filters and pages by case number', async () => {
    for (const i of [1, 2, 3])
      await n.mail('help@solarmora.com', `page${i}@customer.example`, { Subject: `Page ${i}`, 'Message-Id': `<api-page${i}@customer.example>` });
    await eventually(async () => (await n.call('GET', '/api/cases?search=page')).body.items.length === 3, 10_000, 'three cases');
    const p1 = await n.call('GET', '/api/cases?search=page&limit=2');
    expect(p1.body.items.map((c: { subject: string }) => c.subject)).toEqual(['Page 3', 'Page 2']);
    expect(p1.body.nextCursor).toBe(String(p1.body.items[1].number));
    const p2 = await n.call('GET', `/api/cases?search=page&limit=2&cursor=${p1.body.nextCursor}`);
    expect(p2.body.items.map((c: { subject: string }) => c.subject)).toEqual(['Page 1']);
    expect(p2.body.nextCursor).toBeNull();
    expect((await n.call('GET', '/api/cases?channel=support&status=new&search=page')).body.items).toHaveLength(3);
    expect((await n.call('GET', '/api/cases?channel=Sales&search=page')).body.items).toHaveLength(0);
    expect((await n.call('GET', '/api/cases?channel=Nowhere')).status).toBe(400);
    const c = p2.body.items[0].number;
    await n.call('PATCH', `/api/cases/${c}`, { token: n.agent, body: { assignee: 'token:agent-script' } });
    expect((await n.call('GET', '/api/cases?assignee=me', { token: n.agent })).body.items.map((x: { number: number }) => x.number)).toEqual([c]);
    expect((await n.call('GET', '/api/cases?assignee=none&search=page')).body.items).toHaveLength(2);
  });

  it('gets a case with its messages and participants, and refuses a disallowed transition with 409', async () => {
    const r = await n.call('GET', `/api/cases/${first}`, { token: n.agent });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      number: first,
      subject: 'Printer on fire',
      status: 'new',
      requester: { name: 'Carol Customer', address: 'carol@customer.example' },
      channel: { name: 'Support' },
    });
    expect(r.body.participants.map((p: { address: string }) => p.address)).toContain('dave@customer.example');
    expect(r.body.messages[0]).toMatchObject({ direction: 'in', messageId: '<api-first@customer.example>' });
    expect(r.body.messages[0].text).toContain('It is smoking.');
    expect(r.body.links).toEqual([]);
    const bad = await n.call('PATCH', `/api/cases/${first}`, { body: { status: 'closed' } });
    expect(bad.status).toBe(409);
    expect(bad.body).toMatchObject({ code: 'CONFLICT' });
    expect(bad.body.error).toMatch(/cannot be set to closed/);
    const ok = await n.call('PATCH', `/api/cases/${first}`, { body: { status: 'open' } });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('open');
  });

  it('replies by email with threading headers, and keeps notes internal', async () => {
    const r = await n.call('POST', `/api/cases/${first}/replies`, { token: n.agent, body: { body: 'We are on our way.', status: 'pending' } });
    expect(r.status).toBe(201);
    expect(r.body.case.status).toBe('pending');
    expect(r.body.queueId).toMatch(/^[0-9A-Z]+$/);
    const sent = await n.sink.waitFor((m) => m.raw.includes('We are on our way.'), 10_000);
    expect(sent.rcptTo).toContain('carol@customer.example');
    const text = sent.raw.toString().replace(/\r\n[ \t]+/g, ' ');
    expect(text).toMatch(/^In-Reply-To: <api-first@customer\.example>/m);
    expect(text).toMatch(/^References: .*<api-first@customer\.example>/m);
    expect(text).toMatch(new RegExp(`^Subject: .*\\[#${first}\\]`, 'm'));
    expect(text).toContain(r.body.messageId);
    const note = await n.call('POST', `/api/cases/${first}/notes`, { token: n.agent, body: { body: 'internal only' } });
    expect(note.status).toBe(201);
    const msgs = (await n.call('GET', `/api/cases/${first}`)).body.messages;
    expect(msgs.map((m: { direction: string }) => m.direction)).toEqual(expect.arrayContaining(['in', 'out', 'note']));
    expect(msgs.filter((m: { direction: string }) => m.direction === 'out').map((m: { author: string }) => m.author)).toEqual([
      'auto-acknowledgement',
      'token:agent-script',
    ]);
    await new Promise((res) => setTimeout(res, 300));
    expect(n.sink.messages.some((m) => m.raw.includes('internal only'))).toBe(false);
    expect((await n.call('POST', `/api/cases/${first}/replies`, { body: { body: '   ' } })).status).toBe(400);
  });

  it('qualifies and converts a lead into a contact, an account and an opportunity', async () => {
    await n.mail('sales@solarmora.com', 'erin@bigcorp.example', {
      From: 'Erin Buyer <erin@bigcorp.example>',
      Subject: 'We want 500 seats',
      'Message-Id': '<api-lead@bigcorp.example>',
    });
    const lead = await eventually(
      async () => (await n.call('GET', '/api/leads')).body.items.find((l: { email: string }) => l.email === 'erin@bigcorp.example'),
      10_000,
      'a lead',
    );
    expect(lead).toMatchObject({ status: 'new', name: 'Erin Buyer', channel: { name: 'Sales' } });
    const detail = await n.call('GET', `/api/leads/${lead.id}`, { token: n.agent });
    expect(detail.body.messages).toHaveLength(1);
    expect(detail.body.conversion).toBeNull();
    expect((await n.call('POST', `/api/leads/${lead.id}/qualify`, { token: n.agent })).body.status).toBe('qualified');
    expect((await n.call('POST', `/api/leads/${lead.id}/convert`, { body: { amount: -1, stage: 'won' } })).body.details).toHaveLength(2);
    const conv = await n.call('POST', `/api/leads/${lead.id}/convert`, { token: n.agent, body: { amount: 12000, stage: 'proposal' } });
    expect(conv.status).toBe(200);
    expect(conv.body.status).toBe('converted');
    expect(conv.body.conversion.contact).toMatchObject({ email: 'erin@bigcorp.example' });
    expect(conv.body.conversion.account.name).toBeTruthy();
    expect(conv.body.conversion.opportunity).toMatchObject({ amount: 12000, stage: 'proposal' });
    expect(conv.body.opportunityId).toBe(conv.body.conversion.opportunity.id);
    expect((await n.call('POST', `/api/leads/${lead.id}/convert`)).status).toBe(409);
    expect((await n.call('GET', '/api/leads?status=converted')).body.items.map((l: { id: number }) => l.id)).toContain(lead.id);
  });

  it('lists suspended mail and recovers it into a case; lists failed mail', async () => {
    await n.mail('help@solarmora.com', 'ooo@customer.example', {
      Subject: 'Out of office',
      'Auto-Submitted': 'auto-replied',
      'Message-Id': '<api-ooo@customer.example>',
    });
    const s = await eventually(
      async () => (await n.call('GET', '/api/suspended', { token: n.agent })).body.items.find((x: { from: string }) => x.from === 'ooo@customer.example'),
      10_000,
      'suspended',
    );
    const r = await n.call('POST', `/api/suspended/${s.id}/recover`, { token: n.agent });
    expect(r.status).toBe(200);
    expect(r.body.result).toMatch(/opened case #\d+/);
    expect((await n.call('POST', `/api/suspended/${s.id}/recover`)).status).toBe(404);
    expect((await n.call('DELETE', `/api/suspended/${s.id}`)).status).toBe(404);
    const failed = await n.call('GET', '/api/failed', { token: n.agent });
    expect(failed.status).toBe(200);
    expect(failed.body.items).toEqual([]);
  });

  it('manages tokens over the API: made once, listed without the token, revoked at once', async () => {
    const made = await n.call('POST', '/api/tokens', { body: { name: 'ci-bot' } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ name: 'ci-bot', role: 'agent' });
    expect(made.body.token).toMatch(/^rd_[a-z0-9]{40}$/);
    expect((await n.call('GET', '/api/me', { token: made.body.token })).body.name).toBe('ci-bot');
    const list = await n.call('GET', '/api/tokens');
    expect(JSON.stringify(list.body)).not.toContain(made.body.token);
    expect(list.body.items.find((t: { name: string }) => t.name === 'ci-bot').lastUsedAt).not.toBeNull();
    expect((await n.call('POST', '/api/tokens', { body: { name: 'ci-bot' } })).status).toBe(409);
    expect((await n.call('DELETE', '/api/tokens/ci-bot')).status).toBe(200);
    expect((await n.call('GET', '/api/me', { token: made.body.token })).status).toBe(401);
  });
});
