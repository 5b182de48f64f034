/**
 * Large messages travel as streams: DATA goes to the store chunk by chunk while it arrives,
 * the relay reads it back chunk by chunk, and what a broken or refused session stored is
 * removed. Byte-exact end to end, on SQLite and PostgreSQL.
 */
import { createHash, randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawSmtp } from '../support/smtp-raw.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { DIALECTS, eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const config = (sinkPort: number) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${sinkPort}, tls: none, domains: [crm.test] }
smtp:
  maxMessageSize: 40MB
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
      changeRoute: crm
`;

/** A message of about `bytes` bytes: a short text and a base64 attachment of random bytes. */
function bigMessage(bytes: number, id: string): Buffer {
  const payload = randomBytes(Math.floor((bytes * 3) / 4))
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    [
      'From: Ann <ann@customer.example>',
      'To: help@solarmora.com',
      `Subject: ${id}`,
      `Message-ID: <${id}@customer.example>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=UTF-8',
      '',
      'The logs you asked for.',
      '--b',
      'Content-Type: application/octet-stream; name="logs.bin"',
      'Content-Disposition: attachment; filename="logs.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      payload,
      '--b--',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(DIALECTS)('large messages on %s', (dialect) => {
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

  const chunksOf = async (blobId: string) =>
    Number(
      (
        await gw.store.db
          .selectFrom('blob_chunks')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('blob_id', '=', blobId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const spoolRows = () => gw.store.db.selectFrom('spool').selectAll().execute();

  it('stores a 30 MB message in chunks as it arrives and relays it byte for byte', async () => {
    const raw = bigMessage(30 * 1024 * 1024, 'thirty-mb');
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: gw.smtpPort, secure: false, ignoreTLS: true });
    const info = await client.sendMail({ envelope: { from: 'ann@customer.example', to: ['help@solarmora.com'] }, raw });
    client.close();
    const queueId = /queued as (\S+)/.exec(info.response)![1]!;
    // Chunk 0 is the header block; the body is in chunks of 256 KiB.
    expect(await chunksOf(queueId)).toBeGreaterThan(100);
    expect(await spoolRows()).toEqual([]);
    const got = await sink.waitFor((m) => m.raw.includes('Subject: thirty-mb'), 60_000);
    expect(got.rcptTo).toEqual(['support@crm.test']);
    // Our Received and Authentication-Results fields on top, then the message as sent.
    expect(sha(got.raw.subarray(got.raw.length - raw.length))).toBe(sha(raw));
    expect(got.raw.subarray(0, got.raw.length - raw.length).toString('latin1')).toMatch(/^Received: from [^]*\r\nAuthentication-Results: [^]*\r\n$/);
  }, 120_000);

  it('removes what it stored of a message whose client goes away during DATA', async () => {
    const c = await rawSmtp(gw.smtpPort);
    await c.reply();
    expect(await c.command('EHLO client.example')).toMatch(/^250/);
    expect(await c.command('MAIL FROM:<ann@customer.example>')).toMatch(/^250/);
    expect(await c.command('RCPT TO:<help@solarmora.com>')).toMatch(/^250/);
    expect(await c.command('DATA')).toMatch(/^354/);
    c.send(bigMessage(3 * 1024 * 1024, 'cut-off').subarray(0, 2 * 1024 * 1024));
    // Some chunks reach the store under a spool mark while the message arrives…
    await eventually(async () => (await spoolRows()).length > 0, 10_000, 'a spool mark');
    c.close();
    // …and go once the session breaks.
    await eventually(async () => (await spoolRows()).length === 0, 10_000, 'the spool to empty');
    const orphans = await gw.store.db
      .selectFrom('blob_chunks')
      .select('blob_id')
      .where('blob_id', 'not in', gw.store.db.selectFrom('messages').select('queue_id'))
      .execute();
    expect(orphans).toEqual([]);
  }, 60_000);

  it('refuses a message over the size limit after reading it, keeping nothing of it', async () => {
    await gw.apply(config(sink.port).replace('maxMessageSize: 40MB', 'maxMessageSize: 1MB'));
    try {
      // No SIZE on MAIL FROM: the limit is found while DATA arrives, not announced before it.
      const c = await rawSmtp(gw.smtpPort);
      await c.reply();
      await c.command('EHLO client.example');
      expect(await c.command('MAIL FROM:<ann@customer.example>')).toMatch(/^250/);
      expect(await c.command('RCPT TO:<help@solarmora.com>')).toMatch(/^250/);
      expect(await c.command('DATA')).toMatch(/^354/);
      c.send(bigMessage(3 * 1024 * 1024, 'too-big'));
      expect(await c.command('.')).toMatch(/^552 5\.3\.4 /);
      c.close();
      expect(await spoolRows()).toEqual([]);
      const orphans = await gw.store.db
        .selectFrom('blob_chunks')
        .select('blob_id')
        .where('blob_id', 'not in', gw.store.db.selectFrom('messages').select('queue_id'))
        .execute();
      expect(orphans).toEqual([]);
    } finally {
      await gw.apply(config(sink.port));
    }
  }, 60_000);
});
