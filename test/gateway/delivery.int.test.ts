/**
 * Durable outbound: a dead next hop is retried until it comes back; a refusal turns into a
 * DSN to the sender; added recipients with suppressBounces stay silent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeliveries, loadTrace } from '../../src/store/index.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const config = (port: number) => `
domains: [solarmora.com]
hosts:
  - name: crm
    host: 127.0.0.1
    port: ${port}
    tls: none
    domains: [crm.test, example.net, elsewhere.example]
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
      addRecipients:
        - address: quiet@elsewhere.example
queue:
  retry: { firstRetry: 300ms, maxInterval: 500ms, giveUpAfter: 1h }
`;

const qidOf = (reply: string | undefined) => /queued as ([0-9A-Z]+)/.exec(reply ?? '')?.[1] ?? '';

describe.each(DIALECTS)('outbound on %s', (dialect) => {
  let sink: Sink;
  let gw: TestNode;
  beforeAll(async () => {
    sink = await startSink();
    gw = await startTestNode({ dialect, config: config(sink.port) });
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('defers while the next hop is down and delivers when it comes back', async () => {
    await sink.stop();
    const r = await swaks([
      '--server',
      `127.0.0.1:${gw.smtpPort}`,
      '--from',
      'customer@example.net',
      '--to',
      'help@solarmora.com',
      '--h-Subject',
      'while down',
    ]);
    const qid = qidOf(r.lastReply);
    expect(qid).not.toBe('');
    const deferred = await eventually(
      async () => (await loadDeliveries(gw.store.db, qid)).find((d) => d.recipient === 'support@crm.test' && d.status === 'deferred' && d.attempts >= 2),
      10_000,
      'two failed attempts',
    );
    expect(deferred.lastReply).toBeTruthy();
    await sink.restartOnSamePort();
    await sink.waitFor((m) => m.rcptTo.includes('support@crm.test') && m.raw.includes('while down'), 15_000);
    // The sink has it; the outcome is recorded right after the next hop's 250.
    const trace = await eventually(
      async () => {
        const t = await loadTrace(gw.store.db, qid);
        return t.some((s) => s.code === 'queue.delivered') && t;
      },
      5_000,
      'delivered in the trace',
    );
    expect(trace.filter((s) => s.code === 'queue.deferred').length).toBeGreaterThanOrEqual(2);
  });

  it('sends a DSN to the sender when the next hop answers 550, and none for a suppressed added recipient', async () => {
    sink.setReply({
      reply: (rcpt) => (rcpt === 'support@crm.test' || rcpt === 'quiet@elsewhere.example' ? { code: 550, message: '5.1.1 no such queue here' } : null),
    });
    try {
      const r = await swaks([
        '--server',
        `127.0.0.1:${gw.smtpPort}`,
        '--from',
        'customer@example.net',
        '--to',
        'help@solarmora.com',
        '--h-Subject',
        'will bounce',
      ]);
      const qid = qidOf(r.lastReply);
      const dsn = await sink.waitFor((m) => m.mailFrom === '' && m.rcptTo.includes('customer@example.net'), 10_000);
      const text = dsn.raw.toString();
      expect(text).toMatch(/Content-Type: multipart\/report;[\s\S]*report-type=("?)delivery-status\1/i);
      expect(text).toMatch(/Final-Recipient: rfc822;\s*support@crm\.test/i);
      expect(text).toMatch(/Status: 5\.1\.1/);
      expect(text).toContain('no such queue here');
      expect(text).not.toMatch(/Final-Recipient: rfc822;\s*quiet@elsewhere\.example/i);
      const trace = await eventually(
        async () => {
          const t = await loadTrace(gw.store.db, qid);
          return t.some((s) => s.code === 'queue.dsn_queued') && t;
        },
        5_000,
        'the bounce in the trace',
      );
      expect(trace.some((s) => s.code === 'queue.bounced')).toBe(true);
      expect(trace.some((s) => s.code === 'queue.dsn_suppressed' && s.summary.includes('quiet@elsewhere.example'))).toBe(true);
      expect(trace.some((s) => s.code === 'queue.dsn_queued')).toBe(true);
    } finally {
      sink.setReply({});
    }
  });
});
