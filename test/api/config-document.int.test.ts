/**
 * The console's view of the configuration: the file as an object, checked as it is edited,
 * saved with the same versioning as `relaydesk apply`; and "test the route", which sends a
 * real message through the node's own listener and follows it into a case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- documents are checked field by field */
describe('configuration document API', () => {
  let n: ApiNode;
  beforeAll(async () => {
    n = await startApiNode('sqlite');
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('reads the file as an object, with when and by whom each rule changed', async () => {
    const r = await n.call('GET', '/api/config/document');
    expect(r.status).toBe(200);
    expect(r.body.document.domains).toEqual(['solarmora.com']);
    expect(r.body.document.defaultRouting.map((x: any) => x.description)).toEqual(['help to the desk', 'sales to the desk']);
    expect(r.body.activeVersion).toBe(r.body.version);
    expect(r.body.ruleChanges).toHaveLength(2);
    expect(r.body.ruleChanges[0]).toMatchObject({ version: r.body.version, orEarlier: false });
    expect(r.body.ruleChanges[0].changedBy).toMatch(/\S/);
  });

  it('explains how the rules in force treat an address, for admins only', async () => {
    const r = await n.call('GET', '/api/routing/explain?address=Help%40solarmora.com&from=someone%40customer.example');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ recipient: 'help@solarmora.com', recognized: false, before: null, sender: { list: null } });
    expect(r.body.rules.map((x: any) => [x.description, x.outcome.kind])).toEqual([
      ['help to the desk', 'applied'],
      ['sales to the desk', 'no-match'],
    ]);
    expect(r.body.rules[1].text).toBe('no match: help@solarmora.com is not sales@solarmora.com');
    expect(r.body.decision).toMatchObject({ kind: 'accept', rules: ['help to the desk'] });
    expect(r.body.decision.targets).toEqual([
      { recipient: expect.stringMatching(/^support@[a-z0-9]+\.case\.relaydesk\.test$/), transport: 'desk', route: null, role: 'primary', spam: 'held' },
    ]);
    expect(r.body.lines[0]).toBe('help@solarmora.com (not recognized)');
    expect((await n.call('GET', '/api/routing/explain?address=x%40gmail.com')).body).toMatchObject({ before: 'not-hosted', decision: { kind: 'reject' } });
    expect((await n.call('GET', '/api/routing/explain?address=not-an-address')).status).toBe(400);
    expect((await n.call('GET', '/api/routing/explain?address=help%40solarmora.com', { token: n.agent })).status).toBe(403);
  });

  it('checks an edit without saving it: errors and warnings at their paths', async () => {
    const { body: cur } = await n.call('GET', '/api/config/document');
    const doc = structuredClone(cur.document);
    doc.defaultRouting.push(
      { description: 'bad pattern', match: { pattern: '([a-z' } },
      { description: 'nowhere', match: { single: 'x@solarmora.com' }, modify: { changeRoute: 'missing-host' } },
    );
    doc.users = [{ address: 'held@solarmora.com' }];
    doc.defaultRouting.push({ description: 'held', match: { single: 'held@solarmora.com' } });
    doc.defaultRouting.push({
      description: 'again',
      match: { single: 'help@solarmora.com' },
      modify: { changeEnvelopeRecipient: { replaceRecipient: 'other@example.net' } },
    });
    const r = await n.call('POST', '/api/config/check', { body: { document: doc } });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(false);
    const at = (list: any[], path: string) => list.find((p) => p.path === path)?.message ?? '';
    expect(at(r.body.problems, 'defaultRouting[2].match.pattern')).toMatch(/not a valid regular expression/);
    expect(at(r.body.problems, 'defaultRouting[3].modify.changeRoute')).toMatch(/no host is named "missing-host"/);
    expect(at(r.body.warnings, 'defaultRouting[4].match.single')).toMatch(/user held@solarmora.com/);
    expect(at(r.body.warnings, 'defaultRouting[5].modify.changeEnvelopeRecipient')).toMatch(/both change the recipient of help@solarmora.com/);
    expect((await n.call('GET', '/api/config/document')).body.version).toBe(cur.version);
  });

  it('explains a pattern construct RE2 lacks at its path, with the cause and the fix', async () => {
    const { body: cur } = await n.call('GET', '/api/config/document');
    const doc = structuredClone(cur.document);
    doc.defaultRouting.unshift({
      description: 'all but noreply',
      match: { pattern: '(?!noreply@).*@solarmora\\.com' },
      modify: { changeEnvelopeRecipient: { replaceRecipient: 'support@crm.test' } },
    });
    const r = await n.call('POST', '/api/config/check', { body: { document: doc } });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(false);
    const problem = r.body.problems.find((p: any) => p.path === 'defaultRouting[0].match.pattern');
    expect(problem).toMatchObject({ severity: 'error' });
    expect(problem.message).toMatch(
      /^"\(\?!noreply@\)\.\*@solarmora\\\.com" uses a negative lookahead \(\(\?!\), which RE2 patterns do not support; RE2 cannot test text without matching it, so describe the address itself/,
    );
    expect(problem.text).toBe(`defaultRouting[0].match.pattern: ${problem.message}`);
    expect((await n.call('GET', '/api/config/document')).body.version).toBe(cur.version);
  });

  it('saves an edit as a new version in force at once, and refuses a stale one', async () => {
    const { body: cur } = await n.call('GET', '/api/config/document');
    const doc = structuredClone(cur.document);
    doc.defaultRouting[1].enabled = false;
    const check = await n.call('POST', '/api/config/check', { body: { document: doc } });
    expect(check.body).toMatchObject({ ok: true });
    expect(check.body.changes.join('\n')).toMatch(/sales to the desk/);
    const saved = await n.call('PUT', '/api/config/document', { body: { document: doc, basedOn: cur.version } });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ applied: true, version: cur.version + 1, activeVersion: cur.version + 1 });
    const after = await n.call('GET', '/api/config/document');
    expect(after.body.document.defaultRouting[1].enabled).toBe(false);
    // The untouched rule keeps its date; the edited one is dated by this save.
    expect(after.body.ruleChanges[0].version).toBe(cur.ruleChanges[0].version);
    // Saved by a script's token: its history says so, rather than passing it off as the console.
    expect(after.body.ruleChanges[1]).toMatchObject({
      version: cur.version + 1,
      changedBy: 'token:admin-script',
      changedByActor: { kind: 'api-token', name: 'admin-script' },
    });
    const stale = await n.call('PUT', '/api/config/document', { body: { document: cur.document, basedOn: cur.version } });
    expect(stale.status).toBe(409);
    const invalid = await n.call('PUT', '/api/config/document', { body: { document: { domains: 'nope' }, basedOn: cur.version + 1 } });
    expect(invalid.status).toBe(400);
    expect((await n.call('GET', '/api/config/document')).body.version).toBe(cur.version + 1);
  });

  it('is for admins only', async () => {
    expect((await n.call('GET', '/api/config/document', { token: n.agent })).status).toBe(403);
    expect((await n.call('POST', '/api/config/check', { token: n.agent, body: { document: {} } })).status).toBe(403);
    expect((await n.call('POST', '/api/routing/test', { token: n.agent, body: { address: 'help@solarmora.com' } })).status).toBe(403);
  });

  it('tests a route: a real message through the listener, followed into the case it opens', async () => {
    const r = await n.call('POST', '/api/routing/test', { body: { address: 'help@solarmora.com', rule: 'help to the desk' } });
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(true);
    expect(r.body.queueId).toMatch(/^[0-9A-Z]+$/);
    const trace = await eventually(
      async () => {
        const t = await n.call('GET', `/api/messages/${r.body.queueId}/trace`);
        // The case is committed by the intake a moment before the queue records the delivery.
        const delivered = t.body.steps?.some((s: any) => s.code === 'queue.delivered');
        return t.body.desk?.[0]?.caseNumber && delivered ? t.body : null;
      },
      10_000,
      'the test mail delivered and its case opened',
    );
    expect(trace.desk[0]).toMatchObject({ channel: 'Support', effect: 'new-case' });
    expect(trace.steps.map((s: any) => s.code)).toEqual(expect.arrayContaining(['routing.rule_applied', 'queue.delivered']));
    const c = await n.call('GET', `/api/cases/${trace.desk[0].caseNumber}`);
    expect(c.body.subject).toBe(r.body.subject);
  });

  it("reports a refused test mail with the gateway's reply", async () => {
    const r = await n.call('POST', '/api/routing/test', { body: { address: 'nobody@solarmora.com' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: false, queueId: null });
    expect(r.body.reply).toMatch(/^550/);
    expect((await n.call('POST', '/api/routing/test', { body: { address: 'not an address' } })).status).toBe(400);
  });
});
