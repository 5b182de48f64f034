/**
 * Webhooks through the durable queue: a signed POST per subscription, retried after a
 * 5xx with the same idempotency key and body, refused for good on a 4xx without a DSN,
 * every attempt in the message trace. Loopback, private and link-local destinations are
 * refused unless desk.webhooks.allowPrivateDestinations says otherwise: at creation for a
 * literal address, and at each delivery for what a name resolves to.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMessagesByMessageId, loadDeliveries, loadTrace } from '../../src/store/index.js';
import type { WebhookLookup } from '../../src/desk/index.js';
import { verifyWebhookSignature } from '../../src/desk/webhook-format.js';
import { eventually, DIALECTS } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

/** A loopback receiver; `answer` decides each status from what came in. */
async function startReceiver() {
  const received: Received[] = [];
  let answer: (r: Omit<Received, 'status'>) => number = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks) };
      const status = answer(r);
      received.push({ ...r, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/relaydesk`,
    received,
    answerWith(f: typeof answer) {
      answer = f;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(DIALECTS)('webhooks on %s', (dialect) => {
  let n: ApiNode;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let secret: string;
  let hookId: string;
  const events = (type: string) => rx.received.filter((r) => r.headers['x-relaydesk-event'] === type);
  const parse = (r: Received) => JSON.parse(r.body.toString('utf8'));

  beforeAll(async () => {
    rx = await startReceiver();
    // The receiver is on loopback: only allowed by the configuration.
    n = await startApiNode(dialect, { allowPrivateWebhooks: true });
  });
  afterAll(async () => {
    await n?.stop();
    await rx?.close();
  });

  it('is managed by admins only, refuses other schemes and unknown events with every problem', async () => {
    expect((await n.call('POST', '/api/webhooks', { token: n.agent, body: { url: rx.url, events: ['case.created'] } })).status).toBe(403);
    const bad = await n.call('POST', '/api/webhooks', { body: { url: 'ftp://example.com/x', events: ['case.exploded'], secret: 'short' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toHaveLength(3);
    const made = await n.call('POST', '/api/webhooks', {
      body: { url: rx.url, events: ['case.created', 'case.updated', 'message.received', 'lead.created', 'lead.converted'] },
    });
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^whsec_/);
    secret = made.body.secret;
    hookId = made.body.id;
    const list = await n.call('GET', '/api/webhooks');
    expect(list.body.items).toEqual([expect.objectContaining({ id: hookId, url: rx.url })]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
  });

  it('POSTs case.created, signed with HMAC-SHA256 of the timestamp and the body, with the event id as idempotency key', async () => {
    await n.mail('help@solarmora.com', 'hook@customer.example', {
      From: 'Hook Customer <hook@customer.example>',
      Subject: 'Webhook me',
      'Message-Id': '<hook-1@customer.example>',
    });
    const [r] = await eventually(async () => events('case.created').length > 0 && events('case.created'), 10_000, 'case.created');
    const body = parse(r!);
    expect(r!.headers['content-type']).toBe('application/json');
    const timestamp = r!.headers['x-relaydesk-timestamp'] as string;
    expect(r!.headers['x-relaydesk-signature']).toBe(
      `t=${timestamp},sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(r!.body).digest('hex')}`,
    );
    expect(verifyWebhookSignature(secret, r!.headers['x-relaydesk-signature'] as string, r!.body, Date.now() / 1000)).toBe(true);
    expect(r!.headers['x-relaydesk-delivery']).toBe(body.id);
    expect(body.id).toMatch(/^evt_/);
    expect(Number(r!.headers['x-relaydesk-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(body).toMatchObject({
      type: 'case.created',
      data: { case: { subject: 'Webhook me', status: 'new', requester: { address: 'hook@customer.example' }, channel: { name: 'Support' } } },
    });
    expect(Date.parse(body.createdAt)).not.toBeNaN();
    // The subscription's list entry says how its newest event went.
    const last = await eventually(
      async () => {
        const hook = (await n.call('GET', '/api/webhooks')).body.items.find((w: { id: string }) => w.id === hookId);
        return hook?.lastDelivery?.status === 'delivered' && hook.lastDelivery;
      },
      10_000,
      'the last delivery in the list',
    );
    expect(last.lastReply).toMatch(/^HTTP 2\d\d/);
    expect((await n.call('GET', `/api/messages/${last.queueId}/trace`)).status).toBe(200);
  });

  it('retries after a 500 and delivers the same body and idempotency key, with both attempts traced', async () => {
    const number = parse(events('case.created')[0]!).data.case.number;
    let failures = 0;
    rx.answerWith((r) => (r.headers['x-relaydesk-event'] === 'case.updated' && failures++ === 0 ? 500 : 200));
    expect((await n.call('PATCH', `/api/cases/${number}`, { body: { status: 'open' } })).status).toBe(200);
    const [a, b] = await eventually(async () => events('case.updated').length >= 2 && events('case.updated'), 15_000, 'a retry after the 500');
    expect(a!.status).toBe(500);
    expect(b!.status).toBe(200);
    expect(b!.headers['x-relaydesk-delivery']).toBe(a!.headers['x-relaydesk-delivery']);
    expect(b!.body.equals(a!.body)).toBe(true);
    // Each attempt is signed when it is sent, so a retry passes a receiver's freshness check.
    expect(verifyWebhookSignature(secret, b!.headers['x-relaydesk-signature'] as string, b!.body, Date.now() / 1000)).toBe(true);
    expect(parse(b!).data).toMatchObject({ change: 'status', case: { number, status: 'open' } });
    const [message] = await findMessagesByMessageId(n.gw.store.db, parse(b!).id);
    const trace = await eventually(
      async () => {
        const t = await loadTrace(n.gw.store.db, message!.queueId);
        return t.some((e) => e.code === 'queue.delivered') && t;
      },
      5_000,
      'the delivery in the trace',
    );
    expect(trace.map((e) => e.code)).toEqual(expect.arrayContaining(['queue.deferred', 'queue.delivered']));
    expect(trace.find((e) => e.code === 'queue.deferred')!.summary).toMatch(/HTTP 500/);
    expect((await loadDeliveries(n.gw.store.db, message!.queueId)).map((d) => [d.transport, d.status, d.recipient])).toEqual([
      ['webhook', 'delivered', hookId],
    ]);
  });

  it('gives up on a 4xx at once, without a bounce message', async () => {
    rx.answerWith((r) => (r.headers['x-relaydesk-event'] === 'lead.created' ? 410 : 200));
    await n.mail('sales@solarmora.com', 'gone@bigcorp.example', { Subject: 'Lead for a gone hook', 'Message-Id': '<hook-lead@bigcorp.example>' });
    const [r] = await eventually(async () => events('lead.created').length > 0 && events('lead.created'), 10_000, 'lead.created');
    const [message] = await findMessagesByMessageId(n.gw.store.db, parse(r!).id);
    const deliveries = await eventually(
      async () => {
        const ds = await loadDeliveries(n.gw.store.db, message!.queueId);
        return ds[0]?.status === 'bounced' && ds;
      },
      5_000,
      'bounced',
    );
    expect(deliveries[0]!.lastReply).toMatch(/HTTP 410/);
    const trace = await loadTrace(n.gw.store.db, message!.queueId);
    expect(trace.map((e) => e.code)).toContain('queue.dsn_suppressed');
    expect(trace.map((e) => e.code)).not.toContain('queue.dsn_queued');
    await new Promise((res) => setTimeout(res, 1_500));
    expect(events('lead.created')).toHaveLength(1);
  });

  it('sends message.received for a reply and lead.converted with the conversion; nothing after removal', async () => {
    rx.answerWith(() => 200);
    const number = parse(events('case.created')[0]!).data.case.number;
    await n.mail(
      'help@solarmora.com',
      'hook@customer.example',
      { Subject: `Re: [#${number}] Webhook me`, 'Message-Id': '<hook-2@customer.example>' },
      'Second message',
    );
    const [m] = await eventually(async () => events('message.received').length > 0 && events('message.received'), 10_000, 'message.received');
    expect(parse(m!).data).toMatchObject({ case: { number }, message: { direction: 'in', messageId: '<hook-2@customer.example>' } });
    const lead = (await n.call('GET', '/api/leads')).body.items[0];
    await n.call('POST', `/api/leads/${lead.id}/convert`, { body: { amount: 10 } });
    const [c] = await eventually(async () => events('lead.converted').length > 0 && events('lead.converted'), 10_000, 'lead.converted');
    expect(parse(c!).data).toMatchObject({ lead: { id: lead.id, status: 'converted' }, conversion: { opportunity: { amount: 10 } } });
    expect((await n.call('DELETE', `/api/webhooks/${hookId}`)).status).toBe(200);
    expect((await n.call('DELETE', `/api/webhooks/${hookId}`)).status).toBe(404);
    const before = rx.received.length;
    await n.call('PATCH', `/api/cases/${number}`, { body: { status: 'pending' } });
    await new Promise((res) => setTimeout(res, 1_500));
    expect(rx.received).toHaveLength(before);
  });
});

describe.each(DIALECTS)('webhook destinations on %s', (dialect) => {
  let n: ApiNode;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  /** Every name the node resolved for a webhook, in order. */
  const lookups: string[] = [];
  /** hooks.example.test is a name that points at the receiver on loopback. */
  const lookup: WebhookLookup = async (hostname) => {
    lookups.push(hostname);
    if (hostname === 'hooks.example.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  const SETTING = 'webhooks go to public addresses only; to send them there, set desk.webhooks.allowPrivateDestinations: true in the configuration';

  beforeAll(async () => {
    rx = await startReceiver();
    n = await startApiNode(dialect, { webhookLookup: lookup });
  });
  afterAll(async () => {
    await n?.stop();
    await rx?.close();
  });

  it('refuses a loopback, private or metadata address at creation, naming the setting that allows it', async () => {
    const refusals = [
      [rx.url, '127.0.0.1 is a loopback address'],
      ['http://[::1]:8080/x', '[::1] is a loopback address'],
      ['http://[::ffff:10.0.0.1]/x', '[::ffff:a00:1] is a private address'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a link-local address (the range of the cloud metadata service 169.254.169.254)'],
      ['http://localhost:8080/x', 'localhost is this machine (a loopback name)'],
    ] as const;
    for (const [url, why] of refusals) {
      const r = await n.call('POST', '/api/webhooks', { body: { url, events: ['case.created'] } });
      expect(r.status, url).toBe(400);
      expect(r.body.error).toBe(`the webhook was not added: ${why}; ${SETTING}`);
    }
    expect((await n.call('GET', '/api/webhooks')).body.items).toEqual([]);
    expect(lookups).toEqual([]);
  });

  it('refuses at delivery a name that resolves to loopback: the event fails for good and the trace says why', async () => {
    const made = await n.call('POST', '/api/webhooks', {
      body: { url: rx.url.replace('127.0.0.1', 'hooks.example.test'), events: ['case.created', 'case.updated'] },
    });
    expect(made.status).toBe(201);
    await n.mail('help@solarmora.com', 'rebind@customer.example', { Subject: 'Resolve me', 'Message-Id': '<resolve-1@customer.example>' });
    const last = await eventually(
      async () => {
        const hook = (await n.call('GET', '/api/webhooks')).body.items[0];
        return hook?.lastDelivery?.status === 'bounced' && hook.lastDelivery;
      },
      10_000,
      'the refused delivery',
    );
    const why = `not sent: hooks.example.test resolves to 127.0.0.1, a loopback address; ${SETTING}`;
    expect(last).toMatchObject({ attempts: 1, lastReply: why });
    const steps = (await n.call('GET', `/api/messages/${last.queueId}/trace`)).body.steps as { code: string; summary: string }[];
    expect(steps.find((s) => s.code === 'queue.bounced')?.summary).toContain(why);
    expect(rx.received).toEqual([]);
    // Resolved once, by the connection itself: no second lookup could have answered otherwise.
    expect(lookups).toEqual(['hooks.example.test']);
  });

  it('delivers to such destinations once the configuration allows them, connecting to the address it checked', async () => {
    await n.configure({ allowPrivateWebhooks: true });
    expect((await n.call('POST', '/api/webhooks', { body: { url: rx.url, events: ['lead.created'] } })).status).toBe(201);
    const [c] = (await n.call('GET', '/api/cases')).body.items;
    expect((await n.call('PATCH', `/api/cases/${c.number}`, { body: { status: 'open' } })).status).toBe(200);
    const [r] = await eventually(async () => rx.received.length > 0 && rx.received, 10_000, 'the POST');
    expect(r!.headers['x-relaydesk-event']).toBe('case.updated');
    // No DNS knows hooks.example.test: the connection went where the checked lookup said.
    expect(r!.headers.host).toBe(`hooks.example.test:${new URL(rx.url).port}`);
    expect(lookups).toEqual(['hooks.example.test', 'hooks.example.test']);
  });
});
