/**
 * rspamd as the spam engine, end to end: swaks speaks SMTP to a node whose `spam.engine` is
 * rspamd, and a private rspamd (test/support/rspamd.ts, with its test patterns on) judges the
 * mail. Also an rspamd that is down and one that never answers, for both `onError` choices.
 * If rspamd is not installed, this file fails in beforeAll and says how to install it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listHeld, loadMessage, loadTrace } from '../../src/store/index.js';
import { freePort } from '../support/ports.js';
import { DIALECTS, startTestNode, type TestNode } from '../support/relaydesk.js';
import { startRspamd, type Rspamd } from '../support/rspamd.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';

/** rspamd's GTUBE family: X… rejects, Y… adds a header, Z… rewrites the subject (the last two need `enable_test_patterns`). */
const gtube = (first: 'X' | 'Y' | 'Z') => `${first}JS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X`;

const config = (sinkPort: number, spam: string) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
defaultRouting:
  - description: help to crm
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
spam:
${spam}
`;

const rspamdAt = (url: string, extra = '') => `  engine: rspamd\n  rspamd: { url: "${url}"${extra} }`;

describe('rspamd as the spam engine', () => {
  let rspamd: Rspamd;
  let sink: Sink;
  let hanging: Server;
  const held: Socket[] = [];
  let hangingUrl = '';
  let downUrl = '';

  beforeAll(async () => {
    rspamd = await startRspamd();
    sink = await startSink();
    // Takes the request and never answers.
    hanging = createServer((socket) => {
      held.push(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const address = hanging.address();
    hangingUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    downUrl = `http://127.0.0.1:${await freePort()}`;
  }, 90_000);

  afterAll(async () => {
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => (hanging ? hanging.close(() => resolve()) : resolve()));
    await sink?.stop();
    await rspamd?.stop();
  });

  describe.each(DIALECTS)('on %s', (dialect) => {
    let gw: TestNode;
    const send = (subject: string, body: string) =>
      swaks([
        '--server',
        `127.0.0.1:${gw.smtpPort}`,
        '--from',
        'ann@customer.example',
        '--to',
        'help@solarmora.com',
        '--header',
        `Subject: ${subject}`,
        '--body',
        body,
      ]);
    const queueIdOf = (reply: string | undefined) => /queued as (\S+)/.exec(reply ?? '')?.[1];

    beforeAll(async () => {
      gw = await startTestNode({ dialect });
      await gw.apply(config(sink.port, rspamdAt(rspamd.url)));
    }, 60_000);

    afterAll(async () => {
      await gw?.stop();
    });

    it('holds what rspamd would mark as spam, with its symbols as the reasons and in the trace', async () => {
      for (const [first, action] of [
        ['Y', 'add header'],
        ['Z', 'rewrite subject'],
      ] as const) {
        const r = await send(`Marked ${first}`, gtube(first));
        expect(r.lastReply).toMatch(/^250 /);
        const queueId = queueIdOf(r.lastReply)!;
        const message = await loadMessage(gw.store.db, queueId);
        expect(message?.spam).toBe(true);
        expect(message?.spamReasons).toContain('GTUBE');
        const quarantined = (await listHeld(gw.store.db)).find((h) => h.queueId === queueId);
        expect(quarantined?.spamReasons).toContain('GTUBE');
        expect(quarantined?.recipients.map((d) => d.holdReason)).toEqual(['spam']);
        const trace = await loadTrace(gw.store.db, queueId);
        expect(trace.find((e) => e.code === 'spam.verdict')?.summary).toMatch(/^spam \(score [\d.]+: GTUBE\)$/);
        expect(trace.find((e) => e.code === 'spam.auth_results')?.summary).toContain(`rspamd: action "${action}"`);
      }
    });

    it('streams a large message to rspamd from the store, to its last byte', async () => {
      // 3 MB is spooled in 256 kB chunks while it arrives. rspamd looks for GTUBE only in small
      // text parts, so the pattern is in a last, small part after a large one: it is found only
      // if rspamd got the stored chunks and the tail still in memory.
      const line = 'The quarterly figures are attached below for your review and comment.\r\n';
      const message = [
        'From: ann@customer.example',
        'To: help@solarmora.com',
        'Subject: Large',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        line.repeat(Math.ceil((3 * 1024 * 1024) / line.length)),
        '--b1',
        'Content-Type: text/plain; charset=us-ascii',
        '',
        gtube('Y'),
        '--b1--',
        '',
      ].join('\r\n');
      const r = await swaks(['--server', `127.0.0.1:${gw.smtpPort}`, '--from', 'ann@customer.example', '--to', 'help@solarmora.com', '--data', '-'], {
        input: message,
      });
      expect(r.lastReply).toMatch(/^250 /);
      const stored = await loadMessage(gw.store.db, queueIdOf(r.lastReply)!);
      expect(stored?.size).toBeGreaterThan(3 * 1024 * 1024);
      expect(stored?.spamReasons).toContain('GTUBE');
    }, 60_000);

    it("refuses what rspamd rejects with 550 5.7.1 and rspamd's text, and keeps nothing of it", async () => {
      const before = (await gw.store.db.selectFrom('messages').select('queue_id').execute()).length;
      const r = await send('Rejected', gtube('X'));
      expect(r.lastReply).toBe('550 5.7.1 Gtube pattern');
      expect(await gw.store.db.selectFrom('messages').select('queue_id').execute()).toHaveLength(before);
    });

    it('passes a clean message on', async () => {
      const r = await send('Lunch on Thursday', 'Hello Bob,\n\nare we still on for lunch on Thursday?\n\nAnn\n');
      expect(r.lastReply).toMatch(/^250 /);
      const queueId = queueIdOf(r.lastReply)!;
      expect((await loadMessage(gw.store.db, queueId))?.spam).toBe(false);
      const trace = await loadTrace(gw.store.db, queueId);
      expect(trace.find((e) => e.code === 'spam.auth_results')?.summary).toContain('rspamd: action "no action"');
      expect(trace.some((e) => e.code === 'routing.planned')).toBe(true);
    });

    it('answers 451 4.7.1 when rspamd is down and onError is tempfail (the default)', async () => {
      await gw.apply(config(sink.port, rspamdAt(downUrl)));
      try {
        const r = await send('While rspamd is down', 'Hello');
        expect(r.lastReply).toBe('451 4.7.1 The spam filter is unavailable; please try again later');
      } finally {
        await gw.apply(config(sink.port, rspamdAt(rspamd.url)));
      }
    });

    it('accepts unscanned when rspamd is down and onError is accept, and the trace says so', async () => {
      await gw.apply(config(sink.port, rspamdAt(downUrl, ', onError: accept')));
      try {
        const r = await send('Unscanned', gtube('Y'));
        expect(r.lastReply).toMatch(/^250 /);
        const queueId = queueIdOf(r.lastReply)!;
        const message = await loadMessage(gw.store.db, queueId);
        expect(message?.spam).toBe(false);
        expect(message?.spamReasons).toEqual(['unscanned']);
        const trace = await loadTrace(gw.store.db, queueId);
        expect(trace.find((e) => e.code === 'spam.verdict')?.summary).toBe('not spam (score 0: unscanned)');
        expect(trace.find((e) => e.code === 'spam.auth_results')?.summary).toBe(`unscanned: rspamd at ${downUrl} could not be reached (ECONNREFUSED)`);
      } finally {
        await gw.apply(config(sink.port, rspamdAt(rspamd.url)));
      }
    });

    it('gives up on an rspamd that never answers after the timeout', async () => {
      await gw.apply(config(sink.port, rspamdAt(hangingUrl, ', timeout: 1s')));
      try {
        const started = Date.now();
        const r = await send('rspamd hangs', 'Hello');
        const took = Date.now() - started;
        expect(r.lastReply).toBe('451 4.7.1 The spam filter is unavailable; please try again later');
        expect(took).toBeGreaterThanOrEqual(1_000);
        expect(took).toBeLessThan(4_000);

        await gw.apply(config(sink.port, rspamdAt(hangingUrl, ', timeout: 1s, onError: accept')));
        const accepted = await send('rspamd hangs, accepted', 'Hello');
        expect(accepted.lastReply).toMatch(/^250 /);
        const trace = await loadTrace(gw.store.db, queueIdOf(accepted.lastReply)!);
        expect(trace.find((e) => e.code === 'spam.auth_results')?.summary).toBe('unscanned: rspamd did not answer within 1000 ms');
      } finally {
        await gw.apply(config(sink.port, rspamdAt(rspamd.url)));
      }
    });
  });
});
