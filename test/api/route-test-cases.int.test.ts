/**
 * The route test's case is a test: no acknowledgement, closed at once, out of the default
 * case list (there with tests=only), and only the route test's own signed mark makes one —
 * the same header on a customer's mail, copied or forged, opens an ordinary case.
 * And a rotation through the API that updates the routing rules in the same change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConfigText, exportConfigText } from '../../src/config/index.js';
import { listDeskChannels } from '../../src/store/index.js';
import { DIALECTS, eventually, storedRaw } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field */
describe.each(DIALECTS)('route test cases and rotation with rules on %s', (dialect) => {
  let n: ApiNode;
  beforeAll(async () => {
    n = await startApiNode(dialect);
  });
  afterAll(async () => n?.stop());

  const caseOf = async (queueId: string): Promise<number> =>
    eventually(
      async () => {
        const t = await n.call('GET', `/api/messages/${queueId}/trace`);
        return t.body.desk?.[0]?.caseNumber as number | undefined;
      },
      10_000,
      `the case of ${queueId}`,
    );
  const numbers = async (query: string) => (await n.call('GET', `/api/cases${query}`)).body.items.map((c: any) => c.number) as number[];

  let mark = '';
  it('opens the route test case closed, unacknowledged and out of the default list', async () => {
    const r = await n.call('POST', '/api/routing/test', { body: { address: 'help@solarmora.com', rule: 'help to the desk' } });
    expect(r.body.accepted).toBe(true);
    const number = await caseOf(r.body.queueId);
    const c = await n.call('GET', `/api/cases/${number}`);
    expect(c.body).toMatchObject({ status: 'closed', test: true });
    expect(c.body.messages.map((m: any) => m.direction)).toEqual(['in']);
    expect(await numbers('')).not.toContain(number);
    expect(await numbers('?tests=only')).toEqual([number]);
    expect(await numbers('?tests=include')).toContain(number);
    const trace = await n.call('GET', `/api/messages/${r.body.queueId}/trace`);
    expect(JSON.stringify(trace.body.steps)).toMatch(/route test case/);
    const raw = (await storedRaw(n.gw.store.db, r.body.queueId)).toString('latin1').replace(/\r\n[ \t]+/g, ' ');
    mark = /^X-Relaydesk-Route-Test: (.+)$/im.exec(raw)![1]!.trim();
    expect(mark).toMatch(/^n=\w+; t=\d+; s=\w+$/);
  });

  it("opens an ordinary case for a customer's mail that carries a copied or forged mark", async () => {
    const forged = mark.replace(/s=\w+$/, 's=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    for (const [i, value] of [mark, forged].entries()) {
      const from = `copier${i}@customer.example`;
      await n.mail('help@solarmora.com', from, { From: from, Subject: `Not a test ${i}`, 'X-Relaydesk-Route-Test': value });
      const c = await eventually(
        async () => (await n.call('GET', `/api/cases?search=${encodeURIComponent(from)}`)).body.items[0],
        10_000,
        `the case from ${from}`,
      );
      expect(c).toMatchObject({ test: false, status: 'new' });
      // Support acknowledges; the customer gets it, as any customer does.
      await n.sink.waitFor((m) => m.rcptTo.includes(from), 10_000);
    }
    expect(await numbers('?tests=only')).toHaveLength(1);
  });

  it('rotates with updateRules: the rule and the channel change together', async () => {
    const preview = await n.call('GET', '/api/channels/Support/rotate');
    expect(preview.body.rules).toEqual([
      { index: 0, description: 'help to the desk', paths: ['defaultRouting[0].modify.changeEnvelopeRecipient.replaceRecipient'] },
    ]);
    const r = await n.call('POST', '/api/channels/Support/rotate', { body: { updateRules: true } });
    expect(r.status).toBe(200);
    expect(r.body.version).toEqual(expect.any(Number));
    expect(r.body.rules).toHaveLength(1);
    const doc = await exportConfigText(n.gw.store.db);
    expect(doc.version).toBe(r.body.version);
    expect(doc.yaml).toContain(r.body.address);
    expect(doc.yaml).not.toContain(r.body.retired[0]);
    // The customer's mail reaches the case under the new address.
    await n.mail('help@solarmora.com', 'after@customer.example', { From: 'after@customer.example', Subject: 'After the rotation' });
    await eventually(async () => (await n.call('GET', '/api/cases?search=after%40customer.example')).body.items[0], 10_000, 'a case after the rotation');
    const plain = await n.call('POST', '/api/channels/Sales/rotate');
    expect(plain.body).toMatchObject({ version: null, rules: [{ index: 1, description: 'sales to the desk' }] });
  });

  it('leaves the channel as it was when the version cannot be saved', async () => {
    const before = (await listDeskChannels(n.gw.store.db)).find((c) => c.name === 'Spare')!;
    const { version, yaml } = await exportConfigText(n.gw.store.db);
    await expect(
      applyConfigText(n.gw.store.db, `${yaml}\n# edited\n`.replace('Spare', 'Spare2'), {
        appliedBy: 'test',
        now: Date.now(),
        basedOn: version - 1,
        rotation: { channelId: before.id, address: 'support@zzzzzzzzzzzzzzzz.case.relaydesk.test' },
      }),
    ).rejects.toThrow(/changed since it was loaded/);
    const after = (await listDeskChannels(n.gw.store.db)).find((c) => c.name === 'Spare')!;
    expect(after.inboundAddresses).toEqual(before.inboundAddresses);
  });
});
