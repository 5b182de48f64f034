/** The IMAP mailboxes' state, shared by nodes, on both dialects: one reader at a time, a UID taken only under the lease. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import {
  claimImapMailbox,
  listImapMailboxes,
  loadSecrets,
  recordImapState,
  recordImapTaken,
  releaseImapMailbox,
  restartImapMailbox,
  writeSecrets,
} from '../index.js';

const T0 = 1_800_000_000_000;

describe.each(DIALECTS)('IMAP mailboxes on %s', (dialect) => {
  let ts: TestStore;
  beforeAll(async () => {
    ts = await openTestStore(dialect);
  });
  afterAll(async () => {
    await ts?.cleanup();
  });

  const claim = (owner: string, now: number, mailbox = 'u@h:993/INBOX', channelId = 'ch_1') =>
    claimImapMailbox(ts.store.db, { channelId, mailbox, owner, now, until: now + 60_000 });

  it('lets one node read a mailbox at a time, and another take it once the lease lapses or is released', async () => {
    const [a, b] = await Promise.all([claim('node-a', T0), claim('node-b', T0)]);
    expect([a, b].filter((r) => r !== null)).toHaveLength(1);
    const holder = a ? 'node-a' : 'node-b';
    const other = a ? 'node-b' : 'node-a';
    expect(await claim(other, T0 + 59_000)).toBeNull();
    expect(await claim(holder, T0 + 59_000)).not.toBeNull();
    // The holder died: its lease (renewed at +59 s) lapses at +119 s.
    expect(await claim(other, T0 + 120_000)).toMatchObject({ leaseOwner: other, lastUid: 0 });
    await releaseImapMailbox(ts.store.db, { channelId: 'ch_1', owner: other, now: T0 + 121_000 });
    expect(await claim(holder, T0 + 122_000)).toMatchObject({ leaseOwner: holder });
  });

  it('records a UID only under the lease, so a node that lost it rolls its message back', async () => {
    await claim('node-a', T0, 'u@h:993/INBOX', 'ch_2');
    await recordImapTaken(ts.store.db, { channelId: 'ch_2', owner: 'node-a', uidValidity: 7, uid: 3, now: T0 + 1 });
    expect(await claim('node-b', T0 + 61_000, 'u@h:993/INBOX', 'ch_2')).toMatchObject({ uidValidity: 7, lastUid: 3 });
    const late = ts.store.db.transaction().execute(async (trx) => {
      await writeSecrets(trx, [{ name: 'marker-of-the-late-transaction', value: 'x' }], []);
      await recordImapTaken(trx, { channelId: 'ch_2', owner: 'node-a', uidValidity: 7, uid: 4, now: T0 + 62_000 });
    });
    await expect(late).rejects.toThrow(/read by another node now; UID 4 is left to it/);
    expect((await loadSecrets(ts.store.db, ['marker-of-the-late-transaction'])).size).toBe(0);
    expect((await listImapMailboxes(ts.store.db)).find((m) => m.channelId === 'ch_2')).toMatchObject({ lastUid: 3, leaseOwner: 'node-b' });
  });

  it('starts again from the first UID for another mailbox or a new UIDVALIDITY', async () => {
    await claim('node-a', T0, 'u@h:993/INBOX', 'ch_3');
    await recordImapTaken(ts.store.db, { channelId: 'ch_3', owner: 'node-a', uidValidity: 7, uid: 9, now: T0 });
    await restartImapMailbox(ts.store.db, { channelId: 'ch_3', owner: 'node-a', uidValidity: 8, now: T0 + 1 });
    expect(await claim('node-a', T0 + 2, 'u@h:993/INBOX', 'ch_3')).toMatchObject({ uidValidity: 8, lastUid: 0 });
    await recordImapTaken(ts.store.db, { channelId: 'ch_3', owner: 'node-a', uidValidity: 8, uid: 5, now: T0 + 3 });
    expect(await claim('node-a', T0 + 4, 'u@other:993/INBOX', 'ch_3')).toMatchObject({ mailbox: 'u@other:993/INBOX', uidValidity: null, lastUid: 0 });
  });

  it('keeps how it went for the console: connected, the last success, the last error', async () => {
    await claim('node-a', T0, 'u@h:993/INBOX', 'ch_4');
    const row = async () => (await listImapMailboxes(ts.store.db)).find((m) => m.channelId === 'ch_4')!;
    await recordImapState(ts.store.db, { channelId: 'ch_4', owner: 'node-a', now: T0 + 1, kind: 'connected' });
    expect(await row()).toMatchObject({ connectedAt: T0 + 1, lastError: null });
    await recordImapState(ts.store.db, {
      channelId: 'ch_4',
      owner: 'node-a',
      now: T0 + 2,
      kind: 'error',
      code: 'imap-unreachable',
      error: 'nothing answers at h:993',
    });
    expect(await row()).toMatchObject({ connectedAt: null, lastError: 'nothing answers at h:993', lastErrorCode: 'imap-unreachable', lastErrorAt: T0 + 2 });
    await recordImapState(ts.store.db, { channelId: 'ch_4', owner: 'node-a', now: T0 + 3, kind: 'success' });
    expect(await row()).toMatchObject({ lastSuccessAt: T0 + 3, lastError: null });
    // Another node's word does not count while node-a holds the lease.
    await recordImapState(ts.store.db, { channelId: 'ch_4', owner: 'node-b', now: T0 + 4, kind: 'error', code: 'imap-failed', error: 'not mine' });
    expect((await row()).lastError).toBeNull();
  });

  it('stores, replaces and drops secrets', async () => {
    await writeSecrets(ts.store.db, [{ name: 'imap-password:a', value: 'one' }], []);
    await writeSecrets(ts.store.db, [{ name: 'imap-password:a', value: 'two' }], []);
    expect(await loadSecrets(ts.store.db, ['imap-password:a', 'imap-password:none'])).toEqual(new Map([['imap-password:a', 'two']]));
    await writeSecrets(ts.store.db, [], ['imap-password:a']);
    expect((await loadSecrets(ts.store.db, ['imap-password:a'])).size).toBe(0);
  });
});
