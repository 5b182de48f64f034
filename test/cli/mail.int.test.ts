/**
 * The CLI against the data of a running server (`relaydesk start` as a child process): mail
 * arrives over SMTP (swaks), and quarantine, mailbox, trace and queue show it and act on it;
 * `apply` while the server runs changes the answer to the very next RCPT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { DIALECTS } from '../support/relaydesk.js';
import { CONFIG_VERSION_FRESH_MS } from '../../src/config/index.js';
import {
  cliStore,
  describeRun,
  GTUBE,
  openSmtpSession,
  parseJson,
  queuedId,
  relaydesk,
  startServer,
  type CliResult,
  type CliStore,
  type ServerChild,
} from './cli-helpers.js';

function config(sinkPort: number, extraRules = ''): string {
  return `domains: [solarmora.com]
users:
  - address: alice@solarmora.com
    aliases: [a.smith@solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
      changeRoute: crm
      addXOriginalToHeader: true
${extraRules}queue:
  retry: { firstRetry: 1s, maxInterval: 1s }
`;
}

const LATER_RULES = `  - description: Sales to the CRM
    match: { single: sales@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: sales@crm.test }
      changeRoute: crm
  - description: Block the old address
    match: { single: blocked@solarmora.com }
    action: reject
    rejectText: this address is closed; write to help@solarmora.com
`;

interface Step {
  code: string;
  summary: string;
  deliveryId: number | null;
  data: Record<string, unknown>;
}
interface Delivery {
  id: number;
  recipient: string;
  originalRecipient: string;
  transport: string;
  status: string;
  attempts: number;
  lastReply: string | null;
  rules: string[];
  steps: Step[];
}
interface Trace {
  message: { queueId: string; messageId: string; mailFrom: string; subject: string; spam: boolean; spamReasons: string[]; authResults: unknown };
  deliveries: Delivery[];
  steps: Step[];
}
interface Held {
  id: string;
  queueId: string;
  subject: string;
  spamScore: number;
  spamReasons: string[];
  recipients: { recipient: string; originalRecipient: string; holdReason: string }[];
}

/** Repeats a CLI run until `done` holds (the queue works in the background), up to `timeoutMs`. */
async function until(run: () => Promise<CliResult>, done: (r: CliResult) => boolean, timeoutMs = 60_000): Promise<CliResult> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run();
    if (done(r) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 300));
  }
}

describe.each(DIALECTS)('CLI against a running server on %s', { timeout: 180_000 }, (dialect) => {
  let sink: Sink;
  let store: CliStore;
  let server: ServerChild;
  const cli = (...args: string[]) => relaydesk([...args, ...store.args]);
  const send = (to: string, subject: string, extra: string[] = []) =>
    swaks(['--server', `127.0.0.1:${server.smtpPort}`, '--from', 'customer@example.net', '--to', to, '--header', `Subject: ${subject}`, ...extra], {
      timeoutMs: 30_000,
    });

  beforeAll(async () => {
    sink = await startSink();
    store = await cliStore(dialect);
    const applied = await cli('apply', '-f', await store.file('relaydesk.yaml', config(sink.port)));
    expect(applied.code, describeRun(applied)).toBe(0);
    server = await startServer(store.args);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await sink?.stop();
    await store?.cleanup();
  });

  it('mailbox list shows mail for a recognized user (also sent to an alias)', async () => {
    const direct = await send('alice@solarmora.com', 'hello alice', ['--header', 'Message-Id: <mbox-1@example.net>']);
    const viaAlias = await send('a.smith@solarmora.com', 'hello alias');
    const ids = [queuedId(direct.lastReply), queuedId(viaAlias.lastReply)];
    const r = await until(
      () => cli('mailbox', 'list', 'alice@solarmora.com', '--json'),
      (r) => r.code === 0 && parseJson<unknown[]>(r).length >= 2,
    );
    expect(r.code, describeRun(r)).toBe(0);
    const rows = parseJson<{ queueId: string; subject: string; from: string; messageId: string; spam: boolean; date: string }[]>(r);
    expect(rows.map((m) => m.queueId).sort()).toEqual([...ids].sort());
    expect(rows.find((m) => m.queueId === ids[0])).toMatchObject({
      subject: 'hello alice',
      from: 'customer@example.net',
      messageId: '<mbox-1@example.net>',
      spam: false,
      date: expect.any(String),
    });
    const human = await cli('mailbox', 'list', 'ALICE@solarmora.com');
    expect(human.code, describeRun(human)).toBe(0);
    expect(human.stdout).toMatch(/^QUEUE ID\s+STORED\s+SPAM\s+FROM\s+SUBJECT/);
    expect(human.stdout).toContain('hello alias');
    const empty = await cli('mailbox', 'list', 'nobody@solarmora.com');
    expect(empty.stdout).toBe('no messages for nobody@solarmora.com\n');
  });

  it('trace shows the envelope, verdict, the rule with its description, and each delivery with its attempts', async () => {
    const sent = await send('help@solarmora.com', 'trace me', ['--header', 'Message-Id: <trace-1@example.net>']);
    const id = queuedId(sent.lastReply);
    await sink.waitFor((m) => m.raw.toString().includes('Subject: trace me'), 30_000);
    const r = await until(
      () => cli('trace', id, '--json'),
      (r) => r.code === 0 && parseJson<Trace>(r).deliveries.every((d) => d.status === 'delivered'),
    );
    expect(r.code, describeRun(r)).toBe(0);
    const t = parseJson<Trace>(r);
    expect(t.message).toMatchObject({ queueId: id, messageId: '<trace-1@example.net>', mailFrom: 'customer@example.net', subject: 'trace me', spam: false });
    const codes = t.steps.map((s) => s.code);
    expect(codes).toEqual(
      expect.arrayContaining(['inbound.envelope', 'spam.auth_results', 'spam.verdict', 'routing.rule_applied', 'inbound.accepted', 'queue.delivered']),
    );
    expect(t.steps.find((s) => s.code === 'inbound.envelope')!.data).toMatchObject({ mailFrom: 'customer@example.net', recipients: ['help@solarmora.com'] });
    expect(t.steps.find((s) => s.code === 'spam.verdict')!.data).toMatchObject({ spam: false });
    expect(t.steps.find((s) => s.code === 'routing.rule_applied')!.data).toMatchObject({ rule: 'Forward help to the CRM', recipient: 'help@solarmora.com' });
    expect(t.deliveries).toHaveLength(1);
    const d = t.deliveries[0]!;
    expect(d).toMatchObject({
      recipient: 'support@crm.test',
      originalRecipient: 'help@solarmora.com',
      transport: 'smtp',
      status: 'delivered',
      attempts: 1,
      rules: ['Forward help to the CRM'],
    });
    expect(d.lastReply).toMatch(/^250/);
    expect(d.steps.map((s) => s.code)).toContain('queue.delivered');
    expect(d.steps.find((s) => s.code === 'queue.delivered')!.data).toMatchObject({ attempt: 1 });

    const [byMid, byBareMid, human] = await Promise.all([
      cli('trace', '--message-id', '<trace-1@example.net>', '--json'),
      cli('trace', '--message-id', 'trace-1@example.net', '--json'),
      cli('trace', id),
    ]);
    for (const m of [byMid, byBareMid]) {
      expect(m.code, describeRun(m)).toBe(0);
      expect(parseJson<Trace[]>(m).map((x) => x.message.queueId)).toEqual([id]);
    }
    expect(human.code, describeRun(human)).toBe(0);
    expect(human.stdout).toContain(`${id}  trace me  from <customer@example.net>`);
    expect(human.stdout).toMatch(/routing\.rule_applied\s+rule "Forward help to the CRM" applied to <help@solarmora\.com>/);
    expect(human.stdout).toMatch(/delivery \d+: <help@solarmora\.com> → <support@crm\.test> smtp delivered after 1 attempt\(s\): 250/);
  });

  it('quarantine: GTUBE to help@ is held with its reasons; release delivers it to the CRM', async () => {
    const sent = await send('help@solarmora.com', 'spam to release', ['--body', GTUBE]);
    const id = queuedId(sent.lastReply);
    const list = await cli('quarantine', 'list', '--json');
    expect(list.code, describeRun(list)).toBe(0);
    const held = parseJson<Held[]>(list).find((h) => h.id === id);
    expect(held).toMatchObject({
      queueId: id,
      subject: 'spam to release',
      recipients: [{ recipient: 'support@crm.test', originalRecipient: 'help@solarmora.com', holdReason: 'spam' }],
    });
    expect(held!.spamReasons).toContain('gtube');
    const human = await cli('quarantine', 'list');
    expect(human.stdout).toMatch(new RegExp(`^${id}\\s+\\S+ \\S+\\s+customer@example\\.net\\s+help@solarmora\\.com\\s+\\d+\\s+spam\\s+spam to release$`, 'm'));
    expect(sink.messages.some((m) => m.raw.toString().includes('spam to release'))).toBe(false);

    const released = await cli('quarantine', 'release', id);
    expect(released.code, describeRun(released)).toBe(0);
    expect(released.stdout).toBe(`released ${id}: 1 delivery queued\n`);
    const got = await sink.waitFor((m) => m.raw.toString().includes('Subject: spam to release'), 30_000);
    expect(got.rcptTo).toEqual(['support@crm.test']);
    expect(got.raw.toString()).toContain(GTUBE);
    expect(got.raw.toString()).toContain('X-Original-To: help@solarmora.com');

    const after = await cli('quarantine', 'list', '--json');
    expect(parseJson<Held[]>(after).map((h) => h.id)).not.toContain(id);
    const again = await cli('quarantine', 'release', id);
    expect(again.code, describeRun(again)).toBe(4);
    const t = parseJson<Trace>(
      await until(
        () => cli('trace', id, '--json'),
        (r) => parseJson<Trace>(r).deliveries[0]?.status === 'delivered',
      ),
    );
    expect(t.message.spam).toBe(true);
    expect(t.steps.map((s) => s.code)).toEqual(expect.arrayContaining(['queue.held', 'queue.released', 'queue.delivered']));
  });

  it('quarantine delete: the message leaves the list and is never delivered', async () => {
    const sent = await send('help@solarmora.com', 'spam to delete', ['--body', GTUBE]);
    const id = queuedId(sent.lastReply);
    const deleted = await cli('quarantine', 'delete', id, '--json');
    expect(deleted.code, describeRun(deleted)).toBe(0);
    expect(parseJson(deleted)).toEqual({ id, deleted: 1 });
    const [list, release, trace] = await Promise.all([cli('quarantine', 'list', '--json'), cli('quarantine', 'release', id), cli('trace', id, '--json')]);
    expect(parseJson<Held[]>(list).map((h) => h.id)).not.toContain(id);
    expect(release.code, describeRun(release)).toBe(4);
    expect(release.stderr).toContain(`no quarantined message with id ${id}`);
    const t = parseJson<Trace>(trace);
    expect(t.steps.map((s) => s.code)).toContain('queue.deleted');
    expect(t.deliveries.map((d) => d.status)).not.toContain('delivered');
    // The queue works on, and nothing of this message reaches the CRM.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sink.messages.some((m) => m.raw.toString().includes('spam to delete'))).toBe(false);
  });

  it('queue list shows recent messages with their deliveries and the counts by state', async () => {
    const [all, alice, human] = await Promise.all([
      cli('queue', 'list', '--json'),
      cli('queue', 'list', '--recipient', 'alice@', '--json'),
      cli('queue', 'list', '--limit', '2'),
    ]);
    expect(all.code, describeRun(all)).toBe(0);
    const body = parseJson<{
      counts: Record<string, number>;
      messages: { queueId: string; subject: string; deliveries: { recipient: string; status: string; attempts: number }[] }[];
    }>(all);
    expect(body.messages.map((m) => m.subject)).toEqual(
      expect.arrayContaining(['hello alice', 'hello alias', 'trace me', 'spam to release', 'spam to delete']),
    );
    expect(body.counts.delivered).toBeGreaterThanOrEqual(4);
    expect(body.messages.find((m) => m.subject === 'trace me')!.deliveries).toEqual([
      expect.objectContaining({ recipient: 'support@crm.test', status: 'delivered', attempts: 1 }),
    ]);
    const aliceOnly = parseJson<{ messages: { subject: string }[] }>(alice)
      .messages.map((m) => m.subject)
      .sort();
    expect(aliceOnly).toEqual(['hello alias', 'hello alice']);
    expect(human.code, describeRun(human)).toBe(0);
    expect(human.stdout.trim().split('\n')).toHaveLength(3);
    expect(human.stdout).toMatch(/^QUEUE ID\s+RECEIVED\s+FROM\s+DELIVERIES\s+SUBJECT/);
  });

  it('apply while the server runs: the next RCPT of an open session obeys the new rules', async () => {
    const session = await openSmtpSession(server.smtpPort);
    try {
      expect(session.greeting).toMatch(/^220 /);
      expect(await session.command('EHLO client.example.net')).toMatch(/^250/);
      expect(await session.command('MAIL FROM:<customer@example.net>')).toMatch(/^250/);
      expect(await session.command('RCPT TO:<sales@solarmora.com>')).toMatch(/^550 5\.1\.1/);

      const applied = await cli('apply', '-f', await store.file('relaydesk.yaml', config(sink.port, LATER_RULES)));
      expect(applied.code, describeRun(applied)).toBe(0);
      expect(applied.stdout).toMatch(/applied: configuration version 2 \(was 1\)/);
      // Another process's apply is seen within CONFIG_VERSION_FRESH_MS: the server's
      // last read (at the RCPT above) may still be that fresh when the CLI is quick.
      await new Promise((resolve) => setTimeout(resolve, CONFIG_VERSION_FRESH_MS + 50));

      expect(await session.command('RCPT TO:<sales@solarmora.com>')).toMatch(/^250/);
      expect(await session.command('RCPT TO:<blocked@solarmora.com>')).toBe('550 5.7.1 this address is closed; write to help@solarmora.com');
      expect(await session.command('DATA')).toMatch(/^354/);
      const reply = await session.command('From: customer@example.net\r\nTo: sales@solarmora.com\r\nSubject: after apply\r\n\r\nhello sales\r\n.');
      expect(reply).toMatch(/^250 .*queued as/);
      await session.command('QUIT').catch(() => '');
    } finally {
      session.close();
    }
    const got = await sink.waitFor((m) => m.raw.toString().includes('Subject: after apply'), 30_000);
    expect(got.rcptTo).toEqual(['sales@crm.test']);
  });
});
