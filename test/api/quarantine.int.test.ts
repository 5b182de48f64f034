/** The quarantine over the API: admins list, release and delete held mail; agents get 403. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

describe('quarantine API', () => {
  let n: ApiNode;
  beforeAll(async () => {
    n = await startApiNode('sqlite');
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('lists held spam for admins only, releases one and deletes another', async () => {
    await n.mail('help@solarmora.com', 'spammer@customer.example', { Subject: 'Held one' }, GTUBE);
    await n.mail('help@solarmora.com', 'spammer@customer.example', { Subject: 'Held two' }, GTUBE);
    const items = await eventually(
      async () => {
        const r = await n.call('GET', '/api/quarantine');
        return r.body.items.length >= 2 && r.body.items;
      },
      10_000,
      'two held messages',
    );
    const one = items.find((h: { subject: string }) => h.subject === 'Held one');
    const two = items.find((h: { subject: string }) => h.subject === 'Held two');
    expect(one.spamReasons).toContain('gtube');
    expect(one.recipients[0].originalRecipient).toBe('help@solarmora.com');
    expect((await n.call('GET', '/api/quarantine', { token: n.agent })).status).toBe(403);
    expect((await n.call('POST', `/api/quarantine/${one.id}/release`, { token: n.agent })).status).toBe(403);
    expect((await n.call('GET', `/api/quarantine/${one.id}`, { token: n.agent })).status).toBe(403);

    // The header block as received and the verdicts, to decide on a release.
    const detail = await n.call('GET', `/api/quarantine/${one.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.headers).toMatch(/^Subject: Held one\r$/m);
    expect(detail.body.headers).not.toContain('GTUBE');
    expect(detail.body).toMatchObject({ truncated: false, spamReasons: expect.arrayContaining(['gtube']) });
    expect(typeof detail.body.authResults).toBe('object');

    const released = await n.call('POST', `/api/quarantine/${one.id}/release`);
    expect(released.status).toBe(200);
    expect(released.body.deliveries).toBeGreaterThan(0);
    const deleted = await n.call('DELETE', `/api/quarantine/${two.id}`);
    expect(deleted.status).toBe(200);
    const left = (await n.call('GET', '/api/quarantine')).body.items.map((h: { id: string }) => h.id);
    expect(left).not.toContain(one.id);
    expect(left).not.toContain(two.id);
    expect((await n.call('POST', `/api/quarantine/${one.id}/release`)).status).toBe(404);
    // Released, it is no longer the quarantine's to show (the email log has it).
    expect((await n.call('GET', `/api/quarantine/${one.id}`)).status).toBe(404);
    expect((await n.call('DELETE', '/api/quarantine/not-a-queue-id')).status).toBe(400);
    // The released message reaches the desk as ordinary mail: a case opens for it.
    await eventually(async () => (await n.call('GET', '/api/cases?search=Held%20one')).body.items.length === 1, 10_000, 'a case for the released mail');
  });
});
