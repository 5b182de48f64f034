/**
 * The eml corpus end to end: every message in test/fixtures/eml/ is sent as it is, over real
 * SMTP, to help@solarmora.com; the gateway's rule hands it to the Support channel, and the desk
 * must give it exactly one effect — a case for a person's mail (readable, scripts gone), or,
 * for machine mail, no case and no acknowledgement: attached to the case it names, suspended,
 * or kept as a Gmail forwarding confirmation. Nothing may land in the failed list. Then the
 * messages too big for a fixture file: 10,000 recipients, a 2 MB header block, and one just
 * under the gateway's size limit (and one just over it, refused at DATA).
 *
 * corpus.test.ts checks the parser on each file; here the same bytes travel through the
 * gateway (which adds its trace headers and normalises line ends), so what the case shows is
 * compared with what the parser makes of the file on its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../../src/config/schema.js';
import { parseInboundMessage } from '../../src/desk/parse-message.js';
import { recoverSuspended } from '../../src/desk/io/set-aside.js';
import { loadDeskDeps } from '../../src/desk/io/desk-context.js';
import {
  listConfirmations,
  listDeskChannels,
  listFailed,
  listSuspended,
  loadCaseById,
  loadCaseByNumber,
  loadDeskMessages,
  type CaseRow,
  type DeskMessageRow,
  type StoredChannel,
} from '../../src/store/index.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/eml');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.eml'))
  .sort();

const base = `
domains: [solarmora.com]
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com, autoAcknowledge: false }
`;
const withRule = (inbound: string) => `${base}
defaultRouting:
  - description: Forward help to the desk
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: ${inbound} }
      addXOriginalToHeader: true
      # The junk in the corpus scores as spam; held at the gateway, the desk would never see it.
      bypassSpamFilter: true
`;

type Outcome =
  | { effect: 'new-case' }
  /** A person's reply naming case #1001 (opened in beforeAll) by its subject token. */
  | { effect: 'append' }
  /** Machine mail naming case #1001: kept on it, the case not woken. */
  | { effect: 'attach-machine-mail'; machine: 'auto-reply' | 'bounce' | 'bulk' }
  | { effect: 'suspend'; reason: 'auto-reply' | 'bounce' | 'bulk' }
  | { effect: 'forwarding-confirmation'; code: string };

/** Fixtures that are not a person's new mail; every other file must open a case. */
const NOT_A_NEW_CASE: Record<string, Outcome> = {
  'reply-with-references-chain.eml': { effect: 'append' },
  'out-of-office-auto-submitted.eml': { effect: 'attach-machine-mail', machine: 'auto-reply' },
  // Another desk's loop header is not ours; its Auto-Submitted still marks it as a machine.
  'loop-header-relaydesk.eml': { effect: 'attach-machine-mail', machine: 'auto-reply' },
  // A read receipt is a multipart/report: a report, never a case.
  'mdn-disposition-notification.eml': { effect: 'attach-machine-mail', machine: 'bounce' },
  // Its [#1001] is in the returned message, not in the report's own subject: nothing to attach to.
  'dsn-multipart-report.eml': { effect: 'suspend', reason: 'bounce' },
  'dsn-multiple-recipients-delayed.eml': { effect: 'suspend', reason: 'bounce' },
  'mailer-daemon-plain-bounce.eml': { effect: 'suspend', reason: 'bounce' },
  'precedence-bulk.eml': { effect: 'suspend', reason: 'bulk' },
  'list-id-mailing-list.eml': { effect: 'suspend', reason: 'bulk' },
  'x-autoreply.eml': { effect: 'suspend', reason: 'auto-reply' },
  'x-auto-response-suppress-exchange.eml': { effect: 'suspend', reason: 'auto-reply' },
  'gmail-forwarding-confirmation.eml': { effect: 'forwarding-confirmation', code: '812734519' },
  // Reports come with a real envelope sender here as everywhere: still machine mail.
  'arf-feedback-report.eml': { effect: 'suspend', reason: 'bulk' },
  'arf-feedback-report-headers-only.eml': { effect: 'suspend', reason: 'bulk' },
  'dsn-real-envelope-sender.eml': { effect: 'suspend', reason: 'bounce' },
  'mdn-real-envelope-sender.eml': { effect: 'suspend', reason: 'bounce' },
  'multipart-report-without-type.eml': { effect: 'suspend', reason: 'bounce' },
};

/**
 * No From, Date, Message-ID or Subject: the gateway scores these as spam, and a rule that
 * bypasses the filter hands them on flagged. The desk opens nothing for flagged mail; it
 * suspends it (reason spam) for an agent, who recovers it into a case.
 */
const SPAM_AT_GATEWAY = new Set(['not-an-email-random-bytes.eml', 'plain-text-no-headers.eml']);

/**
 * Refused by the gateway, before the desk: 1,400 Received fields is a mail loop by any MTA's
 * count (ours and Postfix's limit is 50; RFC 5321 §6.3 suggests at least 100).
 */
const REFUSED: Record<string, RegExp> = { 'huge-headers.eml': /^554 5\.4\.6 Routing loop detected/ };

/** Broken on purpose: U+FFFD may appear. */
const GARBLED = new Set(['base64-garbage.eml', 'not-an-email-random-bytes.eml']);

/**
 * Without a header block of their own, these files gain one from the gateway (Received,
 * X-Original-To), so the desk does not read them as the parser reads the bare file.
 */
const HEADERS_ADDED_BY_GATEWAY = new Set(['not-an-email-random-bytes.eml', 'plain-text-no-headers.eml', 'headers-only-no-blank-line.eml']);
/** What those must still show. */
const SHOWN_AFTER_GATEWAY_HEADERS: Record<string, { subject?: string; text?: string }> = {
  'plain-text-no-headers.eml': { text: 'just some text\nwith no headers at all' },
  'headers-only-no-blank-line.eml': { subject: 'Headers only' },
};

const UNSAFE_HTML: [string, RegExp][] = [
  ['<script', /<script/i],
  ['an on* handler', /\son[a-z]+\s*=/i],
  ['javascript:', /javascript:/i],
  ['vbscript:', /vbscript:/i],
  ['<iframe', /<iframe/i],
  ['a remote src', /[\s"'/]src\s*=\s*["']?\s*(?:https?:)?\/\//i],
];

interface IntakeRow {
  id: number;
  effect: string;
  target: string | null;
}

describe.each(DIALECTS)('the eml corpus through the gateway into the desk on %s', (dialect) => {
  let gw: TestNode;
  let channel: StoredChannel;
  let smtp: nodemailer.Transporter;
  let firstCase: CaseRow;
  const seen: Record<string, number> = {};

  /** Sends raw bytes as they are; resolves to the gateway's reply (or its refusal). */
  const send = async (raw: Buffer, from: string): Promise<{ code: number; reply: string; queueId: string | null }> => {
    try {
      const info = await smtp.sendMail({ envelope: { from, to: ['help@solarmora.com'] }, raw });
      return { code: Number(info.response.slice(0, 3)), reply: info.response, queueId: /queued as (\S+)/.exec(info.response)?.[1] ?? null };
    } catch (e) {
      const err = e as { responseCode?: number; response?: string; message: string };
      return { code: err.responseCode ?? 0, reply: err.response ?? err.message, queueId: null };
    }
  };
  const intakeOf = async (queueId: string): Promise<IntakeRow | undefined> =>
    gw.store.db.selectFrom('desk_intake').select(['id', 'effect', 'target']).where('queue_id', '=', queueId).executeTakeFirst();
  /** Waits for the desk's one effect, or for the message to land in the failed list. */
  const effectOf = (queueId: string, what: string, timeoutMs = 20_000): Promise<IntakeRow | { failed: string }> =>
    eventually(
      async () => (await intakeOf(queueId)) ?? (await listFailed(gw.store.db, 500)).filter((f) => f.queueId === queueId).map((f) => ({ failed: f.error }))[0],
      timeoutMs,
      `the desk's effect of ${what}`,
    );
  const messagesOf = async (queueId: string): Promise<DeskMessageRow[]> => {
    const rows = await gw.store.db.selectFrom('desk_messages').select(['case_id']).where('queue_id', '=', queueId).execute();
    const out: DeskMessageRow[] = [];
    for (const caseId of new Set(rows.map((r) => r.case_id))) {
      if (caseId !== null) out.push(...(await loadDeskMessages(gw.store.db, { caseId })).filter((m) => m.queueId === queueId));
    }
    return out;
  };
  /**
   * The flood limit (20 new cases per requester an hour) counts From, and 76 fixtures are
   * from customer@example.com; the corpus is sent in seconds, not hours, so earlier cases
   * are moved back two hours before each message. The fixtures' bytes stay as they are.
   */
  /** Flagged spam is suspended; recovering it (`relaydesk desk recover ID`) makes the case. */
  const recoverSpam = async (queueId: string, what: string): Promise<IntakeRow> => {
    const row = await effectOf(queueId, what);
    expect(row, `${what} is suspended as spam`).toMatchObject({ effect: 'suspend' });
    const [s] = (await listSuspended(gw.store.db, 500)).filter((x) => x.queueId === queueId);
    expect(s?.reason).toBe('spam');
    expect((await recoverSuspended(await loadDeskDeps(gw.store.db), s!.id)).result).toMatch(/^opened case #/);
    seen['recovered from spam'] = (seen['recovered from spam'] ?? 0) + 1;
    return (await intakeOf(queueId))!;
  };
  const ageCases = () =>
    gw.store.db
      .updateTable('desk_cases')
      .set({ created_at: sql<number>`created_at - 7200000` })
      .execute();

  beforeAll(async () => {
    gw = await startTestNode({ dialect, config: base });
    channel = (await listDeskChannels(gw.store.db))[0]!;
    await gw.apply(withRule(channel.inboundAddresses[0]!.address));
    smtp = nodemailer.createTransport({
      host: '127.0.0.1',
      port: gw.smtpPort,
      secure: false,
      ignoreTLS: true,
      name: 'client.customer.example',
      socketTimeout: 60_000,
    });
    // The case the fixtures' "[#1001]" subjects name.
    const r = await send(
      Buffer.from(
        'From: First Customer <first@customer.example>\r\nTo: help@solarmora.com\r\nSubject: Printer is broken\r\nMessage-ID: <orig-first@customer.example>\r\n\r\nIt prints nothing.\r\n',
      ),
      'first@customer.example',
    );
    expect(r.code).toBe(250);
    const row = await effectOf(r.queueId!, 'the first case');
    expect(row).toMatchObject({ effect: 'new-case' });
    firstCase = (await loadCaseByNumber(gw.store.db, 1001))!;
    expect(firstCase.requester.address).toBe('first@customer.example');
  });
  afterAll(async () => {
    smtp?.close();
    await gw?.stop();
  });

  it.each(files.map((f, i) => [f, i] as const))('%s: accepted with 250, exactly one effect', async (file, i) => {
    const raw = readFileSync(path.join(DIR, file));
    const want = NOT_A_NEW_CASE[file] ?? { effect: 'new-case' };
    await ageCases();
    const r = await send(raw, `fixture-${i}@customer.example`);
    if (REFUSED[file]) {
      expect(r.reply).toMatch(REFUSED[file]);
      seen['refused by the gateway'] = (seen['refused by the gateway'] ?? 0) + 1;
      return;
    }
    expect(r.reply, 'the gateway takes every fixture').toMatch(/^250 /);
    const row = SPAM_AT_GATEWAY.has(file) ? await recoverSpam(r.queueId!, file) : await effectOf(r.queueId!, file);
    expect(row, 'nothing goes to the failed list').not.toHaveProperty('failed');
    const intake = row as IntakeRow;
    expect(intake.effect).toBe(want.effect);
    seen[want.effect] = (seen[want.effect] ?? 0) + 1;
    const direct = await parseInboundMessage(raw);
    const msgs = await messagesOf(r.queueId!);

    switch (want.effect) {
      case 'new-case':
      case 'append': {
        expect(msgs).toHaveLength(1);
        const m = msgs[0]!;
        expect(m.direction).toBe('in');
        expect(m.machineKind).toBeNull();
        const c = (await loadCaseById(gw.store.db, m.caseId!))!;
        if (want.effect === 'append') {
          expect(c.number).toBe(1001);
        } else {
          expect(String(c.id)).toBe(intake.target);
          expect(c.status).toBe('new');
          expect(c.requester.address).toMatch(/@/);
          expect(c.originalRecipient).toBe('help@solarmora.com');
          expect(c.participants.length).toBeLessThanOrEqual(50);
        }
        if (!GARBLED.has(file)) {
          for (const [what, s] of [
            ['case subject', c.subject],
            ['subject', m.subject],
            ['text', m.text],
          ] as const)
            expect(s, `${what} has U+FFFD`).not.toContain('\uFFFD');
        }
        expect(m.text).not.toContain('\u0000');
        for (const [what, re] of UNSAFE_HTML) expect(re.test(m.html ?? ''), `stored HTML keeps ${what}`).toBe(false);
        const shown = SHOWN_AFTER_GATEWAY_HEADERS[file];
        if (shown?.subject !== undefined) expect(m.subject).toBe(shown.subject);
        if (shown?.text !== undefined) expect(m.text).toContain(shown.text);
        if (!HEADERS_ADDED_BY_GATEWAY.has(file)) {
          // The gateway hop changes nothing the agent reads.
          expect(m.subject).toBe(direct.subject);
          expect(m.text).toBe(direct.text);
          expect(m.html).toBe(direct.html);
          expect(m.messageId).toBe(direct.messageId);
          expect(m.attachments.map((a) => [a.filename, a.size, a.contentId])).toEqual(direct.attachments.map((a) => [a.filename, a.size, a.contentId]));
        }
        break;
      }
      case 'attach-machine-mail': {
        expect(intake.target).toBe(String(firstCase.id));
        const inbound = msgs.filter((m) => m.direction === 'in');
        expect(inbound).toHaveLength(1);
        expect(inbound[0]!.machineKind).toBe(want.machine);
        expect(inbound[0]!.caseId).toBe(firstCase.id);
        break;
      }
      case 'suspend': {
        expect(msgs).toHaveLength(0);
        const s = (await listSuspended(gw.store.db, 500)).filter((x) => x.queueId === r.queueId);
        expect(s).toHaveLength(1);
        expect(s[0]!.reason).toBe(want.reason);
        break;
      }
      case 'forwarding-confirmation': {
        expect(msgs).toHaveLength(0);
        expect((await listConfirmations(gw.store.db, channel.id)).map((x) => x.code)).toContain(want.code);
        break;
      }
    }
  });

  it('left case #1001 as it was (machine mail does not wake it), mailed nobody, and failed nothing', async () => {
    const c = (await loadCaseByNumber(gw.store.db, 1001))!;
    expect(c.status).toBe('new');
    const msgs = await loadDeskMessages(gw.store.db, { caseId: c.id });
    expect(
      msgs
        .filter((m) => m.direction === 'in')
        .map((m) => m.machineKind ?? 'person')
        .sort(),
    ).toEqual(['auto-reply', 'auto-reply', 'bounce', 'person', 'person']);
    const out = await gw.store.db
      .selectFrom('desk_messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('direction', '=', 'out')
      .executeTakeFirstOrThrow();
    expect(Number(out.n), 'no acknowledgement or other mail from the desk').toBe(0);
    expect(await listFailed(gw.store.db, 500)).toEqual([]);
    const cases = await gw.store.db
      .selectFrom('desk_cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(cases.n)).toBe(1 + (seen['new-case'] ?? 0));
    expect(seen['recovered from spam']).toBe(SPAM_AT_GATEWAY.size);
    expect(
      (seen['new-case'] ?? 0) +
        (seen['append'] ?? 0) +
        (seen['attach-machine-mail'] ?? 0) +
        (seen['suspend'] ?? 0) +
        (seen['forwarding-confirmation'] ?? 0) +
        (seen['refused by the gateway'] ?? 0),
    ).toBe(files.length);
    const suspended = await listSuspended(gw.store.db, 500);
    expect(suspended).toHaveLength(seen['suspend'] ?? 0);
    console.log(`[${dialect}] ${files.length} fixtures: ${JSON.stringify(seen)}`);
  });

  const head = (id: string, extra: string) =>
    `From: Big Sender <${id}@customer.example>\r\nSubject: Generated ${id}\r\nMessage-ID: <${id}@customer.example>\r\n${extra}MIME-Version: 1.0\r\n`;

  it('10,000 recipients in To: one case, participants capped at 50', async () => {
    const to = Array.from({ length: 10_000 }, (_, i) => `"User ${i}" <user${i}@example.com>`).join(',\r\n ');
    const r = await send(
      Buffer.from(`${head('many-rcpts', `To: ${to}\r\n`)}Content-Type: text/plain; charset=UTF-8\r\n\r\nHello everyone.\r\n`),
      'many-rcpts@customer.example',
    );
    expect(r.reply).toMatch(/^250 /);
    expect(await effectOf(r.queueId!, 'the 10,000-recipient mail')).toMatchObject({ effect: 'new-case' });
    const [m] = await messagesOf(r.queueId!);
    const c = (await loadCaseById(gw.store.db, m!.caseId!))!;
    expect(c.requester.address).toBe('many-rcpts@customer.example');
    expect(c.participants).toHaveLength(50);
    expect(m!.recipients.to).toHaveLength(50);
    expect(m!.text).toContain('Hello everyone.');
  });

  it('a 2 MB header block is refused at DATA with a reason, and nothing of it is kept', async () => {
    const junk = Array.from({ length: 20_000 }, (_, i) => `X-Junk-${i}: ${'x'.repeat(90)}\r\n`).join('');
    const raw = Buffer.from(`${junk}${head('huge-head', 'To: help@solarmora.com\r\n')}Content-Type: text/plain; charset=UTF-8\r\n\r\nBody after the junk.\r\n`);
    expect(raw.length).toBeGreaterThan(2_000_000);
    const r = await send(raw, 'huge-head@customer.example');
    expect(r.code).toBe(552);
    expect(r.reply).toMatch(/^552 5\.3\.4 Message header exceeds the limit/);
    const spooled = await gw.store.db.selectFrom('spool').select('blob_id').execute();
    expect(spooled).toEqual([]);
  });

  it('a message just under the gateway size limit opens a case; its oversize attachment is named in a note, not dropped silently', async () => {
    const limit = DEFAULT_MAX_MESSAGE_SIZE;
    const build = (size: number, id: string) => {
      const top = `${head(id, 'To: help@solarmora.com\r\n')}Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nThe backup you asked for.\r\n--b\r\nContent-Type: application/octet-stream; name="backup.bin"\r\nContent-Disposition: attachment; filename="backup.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n`;
      const tail = '\r\n--b--\r\n';
      const lines = Math.floor((size - top.length - tail.length) / 78);
      const line = `${'QUJD'.repeat(19)}\r\n`;
      const pad = size - top.length - tail.length - lines * 78;
      return Buffer.from(top + line.repeat(lines) + ' '.repeat(pad) + tail);
    };
    const under = build(limit - 1024, 'near-limit');
    expect(under.length).toBe(limit - 1024);
    const r = await send(under, 'near-limit@customer.example');
    expect(r.reply).toMatch(/^250 /);
    // 35 MB read back, decoded and stored again: give a busy machine time.
    expect(await effectOf(r.queueId!, 'the mail just under the limit', 90_000)).toMatchObject({ effect: 'new-case' });
    const msgs = await messagesOf(r.queueId!);
    const inbound = msgs.find((m) => m.direction === 'in')!;
    expect(inbound.text).toContain('The backup you asked for.');
    // ~26 MB decoded: kept whole, stored apart while the message streamed past.
    expect(inbound.attachments.map((a) => [a.filename, a.size > 25_000_000])).toEqual([['backup.bin', true]]);

    const over = await send(build(limit + 1024, 'over-limit'), 'over-limit@customer.example');
    expect(over.code).toBe(552);
    expect(over.reply).toMatch(/5\.3\.4/);
  }, 150_000);
});
