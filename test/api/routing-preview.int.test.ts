/**
 * Before saving, from the console: explain an address with an unsaved draft or with the
 * version that routed a stored message, and preview a draft against the mail stored in a
 * period — admin only, CSRF-checked for sessions, and a draft with errors refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser } from '../../src/accounts/index.js';
import { DIALECTS, eventually } from '../support/relaydesk.js';
import { ConsoleClient } from '../web/console-client.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field */
describe.each(DIALECTS)('explain and preview against stored mail on %s', (dialect) => {
  let n: ApiNode;
  let helpIds: string[];
  let salesId: string;
  let routedBy: number;

  beforeAll(async () => {
    n = await startApiNode(dialect);
    for (let i = 0; i < 4; i++) await n.mail('help@solarmora.com', 'someone@customer.example', { Subject: `Help ${i}` });
    await n.mail('sales@solarmora.com', 'buyer@customer.example', { Subject: 'Quote' });
    const found = await eventually(async () => {
      // The desk's acknowledgements are stored too: only the customers' mail counts here.
      const r = await n.call('GET', '/api/messages?limit=50&sender=customer.example');
      return r.body.items.length === 5 ? r.body.items : undefined;
    });
    helpIds = found.filter((m: any) => m.subject.startsWith('Help')).map((m: any) => m.id);
    salesId = found.find((m: any) => m.subject === 'Quote').id;
    routedBy = (await n.call('GET', '/api/config/document')).body.version;
  });
  afterAll(async () => {
    await n?.stop();
  });

  const draftWith = async (edit: (doc: any) => void) => {
    const doc = structuredClone((await n.call('GET', '/api/config/document')).body.document);
    edit(doc);
    return doc;
  };
  const helpToCrm = (doc: any) => {
    doc.defaultRouting[0].modify.changeEnvelopeRecipient = { replaceRecipient: 'help@customer.example' };
    doc.defaultRouting[1] = { description: 'no more sales mail', match: { single: 'sales@solarmora.com' }, action: 'reject' };
  };

  it('explains an address with an unsaved draft, and refuses a draft with errors by name', async () => {
    const document = await draftWith(helpToCrm);
    const r = await n.call('POST', '/api/routing/explain', { body: { address: 'help@solarmora.com', document } });
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(0);
    expect(r.body.rules.map((x: any) => x.outcome.kind)).toEqual(['applied', 'no-match']);
    expect(r.body.decision).toMatchObject({ kind: 'accept', targets: [{ recipient: 'help@customer.example', transport: 'smtp', route: null }] });
    // The draft was not saved: the rules in force still send help@ to the desk.
    const inForce = await n.call('GET', '/api/routing/explain?address=help%40solarmora.com');
    expect(inForce.body.decision.targets[0].transport).toBe('desk');

    const broken = await draftWith((doc) => doc.defaultRouting.push({ description: 'bad', match: { pattern: '([a-z' } }));
    const bad = await n.call('POST', '/api/routing/explain', { body: { address: 'help@solarmora.com', document: broken } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^the draft has 1 problem/);
    expect(bad.body.details).toEqual([expect.stringMatching(/^defaultRouting\[2\]\.match\.pattern: .*not a valid regular expression/)]);
  });

  it('previews a draft against the stored mail: per rule, changed recipients with examples, now rejected', async () => {
    const document = await draftWith(helpToCrm);
    const r = await n.call('POST', '/api/config/replay', { body: { document, period: '7d' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ period: '7d', version: routedBy });
    expect(r.body.messages).toBeGreaterThanOrEqual(5);
    expect(r.body.rules).toEqual([
      { index: 0, description: 'help to the desk', messages: 4 },
      { index: 1, description: 'no more sales mail', messages: 1 },
    ]);
    const help = r.body.changes.find((c: any) => c.recipient === 'help@solarmora.com');
    expect(help).toMatchObject({ messages: 4, after: 'help@customer.example by smtp' });
    expect(help.examples).toHaveLength(3);
    for (const id of help.examples) expect(helpIds).toContain(id);
    expect(help.plans.before).toMatchObject({ kind: 'accept', targets: [{ transport: 'desk', held: false }] });
    expect(help.plans.after).toEqual({ kind: 'accept', targets: [{ recipient: 'help@customer.example', transport: 'smtp', route: null, held: false }] });
    expect(r.body.rejected).toEqual({ messages: 1, examples: [salesId] });
    expect(r.body.held).toEqual({ messages: 0, examples: [] });

    const empty = await n.call('POST', '/api/config/replay', { body: { document, period: '1ms' } });
    expect(empty.body).toMatchObject({ messages: 0, changes: [] });
  });

  it('refuses a bad or unbounded period, a draft with errors, and agents', async () => {
    const document = await draftWith(helpToCrm);
    for (const period of ['soon', '0s', '91d']) {
      const r = await n.call('POST', '/api/config/replay', { body: { document, period } });
      expect(r.status, period).toBe(400);
      expect(r.body.details.join('\n'), period).toMatch(/period/);
    }
    const broken = await draftWith((doc) => (doc.defaultRouting[0].modify = { changeRoute: 'missing-host' }));
    const bad = await n.call('POST', '/api/config/replay', { body: { document: broken, period: '7d' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.stringMatching(/^defaultRouting\[0\]\.modify\.changeRoute: no host is named "missing-host"/)]);
    expect((await n.call('POST', '/api/config/replay', { token: n.agent, body: { document, period: '7d' } })).status).toBe(403);
    expect((await n.call('POST', '/api/routing/explain', { token: n.agent, body: { address: 'help@solarmora.com', document } })).status).toBe(403);
  });

  it('asks a console session for its CSRF token', async () => {
    await addUser(n.gw.store.db, { email: 'ana@solarmora.com', role: 'admin', password: 'correct horse battery staple', now: Date.now() });
    const c = new ConsoleClient(n.base);
    expect((await c.login('ana@solarmora.com', 'correct horse battery staple')).status).toBe(200);
    const document = await draftWith(helpToCrm);
    for (const [path, body] of [
      ['/api/config/replay', { document, period: '7d' }],
      ['/api/routing/explain', { address: 'help@solarmora.com', document }],
    ] as const) {
      const refused = await c.call('POST', path, { body });
      expect(refused.status, path).toBe(403);
      expect(refused.body.code).toBe('CSRF');
      expect((await c.call('POST', path, { body, csrf: true })).status, path).toBe(200);
    }
  });

  it('explains a stored message with the version that routed it, after the rules changed', async () => {
    const document = await draftWith(helpToCrm);
    const saved = await n.call('PUT', '/api/config/document', { body: { document, basedOn: routedBy } });
    expect(saved.body.applied).toBe(true);
    const then = await n.call('GET', `/api/routing/explain?address=help%40solarmora.com&queueId=${helpIds[0]}`);
    expect(then.status).toBe(200);
    expect(then.body).toMatchObject({ version: routedBy, sender: { address: 'someone@customer.example' } });
    expect(then.body.decision.targets[0].transport).toBe('desk');
    const now = await n.call('GET', '/api/routing/explain?address=help%40solarmora.com');
    expect(now.body.version).toBe(routedBy + 1);
    expect(now.body.decision.targets[0].transport).toBe('smtp');
    expect((await n.call('GET', '/api/routing/explain?address=help%40solarmora.com&queueId=NOSUCHMESSAGE1')).status).toBe(404);
  });
});
