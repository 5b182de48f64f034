/**
 * The desk takes mail from an IMAP mailbox on a real Dovecot (127.0.0.1, a private instance):
 * new mail becomes a case within seconds (IDLE), a restart takes nothing twice, the server
 * going away and coming back loses nothing, `after: move` and `after: flag` both leave the
 * mailbox so no message is taken again, and a new UIDVALIDITY adds no duplicate case.
 */
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/base/log.js';
import { exportConfigText } from '../../src/config/io/apply.js';
import { startNode, type RunningNode } from '../../src/cli/start.js';
import { claimImapMailbox, listCases, listDeskChannels, listImapMailboxes, listSuspended, recordImapTaken, releaseImapMailbox } from '../../src/store/index.js';
import { applyConfigText } from '../../src/config/io/apply.js';
import { loadChannelViews } from '../../src/desk/index.js';
import { startDovecot, type Dovecot } from '../support/dovecot.js';
import { fixedResolver } from '../support/fixed-dns.js';
import { DIALECTS, eventually, openTestStore, type Dialect, type TestStore } from '../support/relaydesk.js';

const NODE = 'imap-node';
const PASSWORD = 'Tr0ub4dor-imap';

function message(n: string, extra = ''): string {
  return [
    `From: Customer ${n} <customer${n}@example.net>`,
    'To: help@solarmora.com',
    `Subject: Printer ${n} is on fire`,
    `Message-ID: <imap-${n}@example.net>`,
    'Date: Thu, 03 Dec 2026 09:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Please help with printer ${n}.${extra}`,
    '',
  ].join('\r\n');
}

describe.each(DIALECTS)('IMAP intake on %s', (dialect: Dialect) => {
  let dovecot: Dovecot;
  let ts: TestStore;
  let node: RunningNode | null = null;
  const mailboxes: ImapFlow[] = [];

  const config = (user: string, after: 'move' | 'flag', folder = 'INBOX', password = PASSWORD) => `
domains: [solarmora.com]
smtp: { maxMessageSize: 200KB }
desk:
  domain: case.relaydesk.test
  channels:
    - name: Support
      kind: support
      publicAddress: help@solarmora.com
      autoAcknowledge: false
      imap: { host: 127.0.0.1, port: ${dovecot.port}, tls: false, user: ${user}, passwordSecret: ${password}, folder: ${folder}, after: ${after} }
`;

  async function mailbox(user: string): Promise<ImapFlow> {
    const c = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user, pass: PASSWORD }, logger: false });
    c.on('error', () => undefined);
    await c.connect();
    mailboxes.push(c);
    return c;
  }

  async function start(): Promise<RunningNode> {
    await stop();
    node = await startNode({
      store: ts.store,
      listen: '127.0.0.1',
      smtpPort: 0,
      httpPort: 0,
      hostname: 'gw.relaydesk.test',
      nodeName: NODE,
      roles: ['queue'],
      resolver: fixedResolver({}),
      logger: process.env.IMAP_DEBUG ? createLogger({ level: 'debug' }) : silentLogger,
      imapTimings: { checkMs: 200 },
    });
    return node;
  }

  async function stop(): Promise<void> {
    await node?.stop();
    node = null;
  }

  const cases = () => listCases(ts.store.db, { tests: 'include' });
  const subjects = async () => (await cases()).map((c) => c.subject).sort();

  async function uidsIn(c: ImapFlow, folder: string | string[]): Promise<{ uid: number; flags: Set<string> }[]> {
    const lock = await c.getMailboxLock(folder);
    try {
      // Expunges by the intake's session reach this one with a command that may carry them.
      await c.noop();
      const out: { uid: number; flags: Set<string> }[] = [];
      if ((c.mailbox && c.mailbox.exists) === 0) return out;
      for await (const m of c.fetch('1:*', { uid: true, flags: true })) out.push({ uid: m.uid, flags: m.flags ?? new Set() });
      return out;
    } finally {
      lock.release();
    }
  }

  beforeAll(async () => {
    dovecot = await startDovecot({ 'move@example.test': PASSWORD, 'flag@example.test': PASSWORD });
    ts = await openTestStore(dialect);
  }, 60_000);

  afterAll(async () => {
    await stop().catch(() => undefined);
    for (const c of mailboxes) await c.logout().catch(() => undefined);
    await ts?.cleanup();
    await dovecot?.stop();
  });

  it('keeps the password out of the saved configuration, and says only that it was set', async () => {
    const r = await applyConfigText(ts.store.db, config('move@example.test', 'move'), { appliedBy: 'test', now: Date.now() });
    expect(r.changes).toContain('+ IMAP password of channel "Support" set');
    expect(r.changes.join('\n')).not.toContain(PASSWORD);
    const exported = (await exportConfigText(ts.store.db)).yaml;
    expect(exported).not.toContain(PASSWORD);
    expect(exported).toMatch(/passwordSecret: stored:\w+/);
    // The export applies unchanged; the password written in again is no change either.
    expect((await applyConfigText(ts.store.db, exported, { appliedBy: 'test', now: Date.now() })).changes).toEqual([]);
    expect((await applyConfigText(ts.store.db, config('move@example.test', 'move'), { appliedBy: 'test', now: Date.now() })).changes).toEqual([]);
  });

  it('after: move — new mail is a case within seconds; a restart, a crash before the move and an outage take nothing twice', async () => {
    const box = await mailbox('move@example.test');
    await start();
    await box.append('INBOX', message('1'));
    await eventually(async () => (await subjects()).includes('Printer 1 is on fire'), 10_000, 'the case of message 1');
    await eventually(async () => (await uidsIn(box, 'INBOX')).length === 0, 10_000, 'message 1 moved out of INBOX');
    expect(await uidsIn(box, ['Relaydesk', 'Processed'])).toHaveLength(1);

    // Too large for smtp.maxMessageSize: set aside with its reason, and moved all the same.
    await box.append('INBOX', message('big', 'x'.repeat(300 * 1024)));
    const big = await eventually(
      async () => (await listSuspended(ts.store.db)).find((s) => s.reason === 'too-large'),
      10_000,
      'the too-large message set aside',
    );
    expect(big.detail).toMatch(/over smtp\.maxMessageSize/);
    expect(big.subject).toBe('Printer big is on fire');
    await eventually(async () => (await uidsIn(box, 'INBOX')).length === 0, 10_000, 'the large message moved');

    // Stopped: one message was taken just before a crash that came before its move, and one arrives.
    await stop();
    const crashed = await box.append('INBOX', message('3'));
    await box.append('INBOX', message('2'));
    const channelId = (await listDeskChannels(ts.store.db))[0]!.id;
    const now = Date.now();
    await claimImapMailbox(ts.store.db, { channelId, mailbox: `move@example.test@127.0.0.1:${dovecot.port}/INBOX`, owner: NODE, now, until: now + 60_000 });
    await recordImapTaken(ts.store.db, {
      channelId,
      owner: NODE,
      uidValidity: Number((crashed as { uidValidity: bigint }).uidValidity),
      uid: (crashed as { uid: number }).uid,
      now,
    });
    await releaseImapMailbox(ts.store.db, { channelId, owner: NODE, now });
    await start();
    await eventually(async () => (await uidsIn(box, 'INBOX')).length === 0, 10_000, 'messages 2 and 3 moved');
    await eventually(async () => (await subjects()).includes('Printer 2 is on fire'), 10_000, 'the case of message 2');
    expect(await subjects()).toEqual(['Printer 1 is on fire', 'Printer 2 is on fire']);

    // The server goes away: the mailbox says so; back again, new mail is still taken.
    await dovecot.halt();
    await eventually(async () => (await listImapMailboxes(ts.store.db))[0]?.lastError, 15_000, 'the outage recorded');
    const down = (await listImapMailboxes(ts.store.db))[0]!;
    expect(down.connectedAt).toBeNull();
    expect(down.lastError).toMatch(/127\.0\.0\.1/);
    const shown = (await loadChannelViews(ts.store.db, Date.now()))[0]!.imap!;
    expect(shown).toMatchObject({ host: '127.0.0.1', port: dovecot.port, user: 'move@example.test', folder: 'INBOX', after: 'move', connected: false });
    expect(['imap-unreachable', 'imap-connection-lost']).toContain(shown.lastError?.code);
    await dovecot.resume();
    const again = await mailbox('move@example.test');
    await again.append('INBOX', message('4'));
    await eventually(async () => (await subjects()).includes('Printer 4 is on fire'), 30_000, 'the case of message 4 after the outage');
    const up = await eventually(
      async () => {
        const row = (await listImapMailboxes(ts.store.db))[0];
        return row && row.connectedAt !== null && row.lastError === null ? row : null;
      },
      10_000,
      'the mailbox connected again',
    );
    expect(up.lastTakenAt).not.toBeNull();
    const view = (await loadChannelViews(ts.store.db, Date.now()))[0]!;
    expect(view.imap).toMatchObject({ connected: true, lastError: null });
    expect(view.imap?.lastTakenAt).not.toBeNull();
    expect(JSON.stringify(view)).not.toContain(PASSWORD);
    expect(await subjects()).toEqual(['Printer 1 is on fire', 'Printer 2 is on fire', 'Printer 4 is on fire']);
    await stop();
  }, 90_000);

  it('after: flag — taken mail is flagged and stays; a new UIDVALIDITY reads the folder again without a duplicate case', async () => {
    const before = (await cases()).length;
    const box = await mailbox('flag@example.test');
    await box.mailboxCreate('Desk');
    await applyConfigText(ts.store.db, config('flag@example.test', 'flag', 'Desk'), { appliedBy: 'test', now: Date.now() });
    await start();
    await box.append('Desk', message('A'));
    await box.append('Desk', message('B'));
    await eventually(async () => (await cases()).length === before + 2, 10_000, 'cases A and B');
    const flagged = await eventually(
      async () => {
        const list = await uidsIn(box, 'Desk');
        return list.length === 2 && list.every((m) => m.flags.has('$RelaydeskTaken') && m.flags.has('\\Seen')) ? list : null;
      },
      10_000,
      'A and B flagged',
    );
    expect(flagged).toHaveLength(2);

    // The folder is rebuilt (a new UIDVALIDITY) with A and B in it again, unflagged, and a new C.
    await stop();
    const first = (await listImapMailboxes(ts.store.db))[0]!.uidValidity;
    await box.mailboxDelete('Desk');
    await box.mailboxCreate('Desk');
    const rebuilt = (await box.append('Desk', message('A'))) as { uidValidity: bigint };
    expect(Number(rebuilt.uidValidity)).not.toBe(first);
    await box.append('Desk', message('B'));
    await box.append('Desk', message('C'));
    await start();
    await eventually(async () => (await subjects()).includes('Printer C is on fire'), 10_000, 'the case of message C');
    await eventually(async () => (await uidsIn(box, 'Desk')).every((m) => m.flags.has('$RelaydeskTaken')), 10_000, 'all three flagged');
    expect((await cases()).length).toBe(before + 3);
    expect((await subjects()).filter((s) => /Printer [ABC] /.test(s))).toEqual(['Printer A is on fire', 'Printer B is on fire', 'Printer C is on fire']);
    expect((await listImapMailboxes(ts.store.db))[0]!.uidValidity).toBe(Number(rebuilt.uidValidity));
    await stop();
  }, 60_000);

  it('says so when the folder is missing or the login is refused', async () => {
    const state = async () => (await listImapMailboxes(ts.store.db))[0];
    await applyConfigText(ts.store.db, config('flag@example.test', 'flag', 'Nowhere'), { appliedBy: 'test', now: Date.now() });
    await start();
    const missing = await eventually(async () => (await state())?.lastErrorCode === 'imap-folder-missing' && state(), 10_000, 'the missing folder');
    expect(missing?.lastError).toMatch(/the folder Nowhere does not exist for flag@example\.test/);
    await stop();
    await applyConfigText(ts.store.db, config('flag@example.test', 'flag', 'Desk', 'not-the-password'), { appliedBy: 'test', now: Date.now() });
    await start();
    const refused = await eventually(async () => (await state())?.lastErrorCode === 'imap-login-refused' && state(), 10_000, 'the refused login');
    expect(refused?.lastError).toMatch(/refused the login of flag@example\.test/);
    expect(refused?.lastError).not.toContain('not-the-password');
    await stop();
  }, 40_000);
});
