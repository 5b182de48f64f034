/**
 * postmaster (RFC 5321 4.5.1) over real SMTP: accepted at every hosted domain and bare,
 * whatever the rules say, and delivered where `postmaster:` points (by default a mailbox
 * of its own, read with `relaydesk mailbox list`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMailbox } from '../../src/store/index.js';
import { relaydesk } from '../cli/cli-helpers.js';
import { rawSmtp } from '../support/smtp-raw.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const config = (sinkPort: number, postmaster = '') => `
domains: [solarmora.com, solarmora.net]
${postmaster}users:
  - address: bob@solarmora.com
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
defaultRouting:
  - description: Refuse everything, accounts included
    match: { all: true }
    action: reject
    recognizedAddresses: true
  - description: Send postmaster elsewhere
    match: { single: postmaster@solarmora.com }
    recognizedAddresses: true
    modify:
      changeEnvelopeRecipient: { replaceRecipient: abuse@crm.test }
`;

describe.each(DIALECTS)('postmaster on %s', (dialect) => {
  let gw: TestNode;
  let sink: Sink;
  const send = (to: string, subject: string) =>
    swaks(['--server', `127.0.0.1:${gw.smtpPort}`, '--from', 'reporter@example.net', '--to', to, '--h-Subject', subject]);

  beforeAll(async () => {
    sink = await startSink();
    gw = await startTestNode({ dialect, config: config(sink.port) });
  });
  afterAll(async () => {
    await gw?.stop();
    await sink?.stop();
  });

  it('takes postmaster at every hosted domain and bare, in any case, past a rule that refuses everything', async () => {
    const c = await rawSmtp(gw.smtpPort);
    try {
      await c.reply();
      await c.command('EHLO reporter.example');
      expect(await c.command('MAIL FROM:<reporter@example.net>')).toMatch(/^250 /);
      expect(await c.command('RCPT TO:<bob@solarmora.com>')).toMatch(/^550 5\.7\.1 /);
      expect(await c.command('RCPT TO:<PostMaster@Solarmora.NET>')).toMatch(/^250 /);
      expect(await c.command('RCPT TO:<POSTMASTER>')).toMatch(/^250 /);
      expect(await c.command('DATA')).toMatch(/^354 /);
      expect(await c.command('From: Reporter <reporter@example.net>\r\nSubject: to the postmaster\r\n\r\nYour server is an open relay.\r\n.')).toMatch(
        /^250 2\.0\.0 Ok: queued as /,
      );
    } finally {
      c.close();
    }
    const [stored] = await eventually(
      async () => {
        const rows = await listMailbox(gw.store.db, 'postmaster@solarmora.com');
        return rows.length > 0 && rows;
      },
      10_000,
      'the postmaster mailbox',
    );
    expect(stored?.subject).toBe('to the postmaster');
    // Two postmaster recipients, one mailbox: one copy.
    expect(await listMailbox(gw.store.db, 'postmaster@solarmora.com')).toHaveLength(1);
    // The rule that rewrites postmaster@solarmora.com never ran.
    expect(sink.messages).toEqual([]);

    const where = 'dataDir' in gw.location ? ['--data', gw.location.dataDir] : ['--database', gw.location.databaseUrl];
    const listed = await relaydesk(['mailbox', 'list', 'postmaster@solarmora.com', ...where]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/Reporter <reporter@example\.net>\s+to the postmaster/);
  });

  it('relays postmaster mail to an outside address when postmaster: names one', async () => {
    await gw.apply(config(sink.port, 'postmaster: ops@crm.test\n'));
    const r = await send('postmaster@solarmora.net', 'relayed to ops');
    expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    const got = await sink.waitFor((m) => m.raw.includes('relayed to ops'));
    expect(got.rcptTo).toEqual(['ops@crm.test']);
  });

  it('stores it in a user’s mailbox when postmaster: names a user', async () => {
    await gw.apply(config(sink.port, 'postmaster: bob@solarmora.com\n'));
    const r = await send('postmaster', 'for bob');
    expect(r.lastReply, r.stdout + r.stderr).toMatch(/^250 /);
    await eventually(async () => (await listMailbox(gw.store.db, 'bob@solarmora.com')).some((m) => m.subject === 'for bob'), 10_000, 'bob’s mailbox');
  });

  it('refuses a postmaster that is not an address, and changes nothing', async () => {
    const before = await gw.apply(config(sink.port, 'postmaster: bob@solarmora.com\n'));
    await expect(gw.apply(config(sink.port, 'postmaster: root\n'))).rejects.toMatchObject({
      details: expect.arrayContaining([expect.stringMatching(/^postmaster: "root" is not an email address/)]),
    });
    expect(await gw.apply(config(sink.port, 'postmaster: bob@solarmora.com\n'))).toBe(before);
  });
});
