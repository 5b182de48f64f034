/**
 * A case with a 30 MB attachment: the attachment is decoded into the store while the message
 * streams through the intake, the case opens without it ever being whole in memory, and the
 * download streams it back byte for byte.
 */
import { createHash, randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiNode, type ApiNode } from '../api/api-helpers.js';
import { DIALECTS, eventually } from '../support/relaydesk.js';

const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each(DIALECTS)('a 30 MB attachment on %s', (dialect) => {
  let n: ApiNode;
  const content = randomBytes(30 * 1024 * 1024);

  beforeAll(async () => {
    n = await startApiNode(dialect, { extra: 'smtp:\n  maxMessageSize: 50MB\n' });
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('opens the case, lists the attachment with its size, and streams it back intact', async () => {
    const raw = Buffer.from(
      [
        'From: Ann <ann@customer.example>',
        'To: help@solarmora.com',
        'Subject: The disk image',
        'Message-ID: <disk-image@customer.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=UTF-8',
        '',
        'Here is the image of the broken disk.',
        '--b',
        'Content-Type: application/octet-stream; name="disk.img"',
        'Content-Disposition: attachment; filename="disk.img"',
        'Content-Transfer-Encoding: base64',
        '',
        content.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b--',
        '',
      ].join('\r\n'),
      'latin1',
    );
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: n.gw.smtpPort, secure: false, ignoreTLS: true });
    await client.sendMail({ envelope: { from: 'ann@customer.example', to: ['help@solarmora.com'] }, raw });
    client.close();
    const listed = await eventually(
      async () => (await n.call('GET', '/api/cases')).body.items.find((c: { subject: string }) => c.subject === 'The disk image'),
      60_000,
      'the case',
    );
    const view = (await n.call('GET', `/api/cases/${listed.number}`)).body;
    const m = view.messages.find((x: { direction: string }) => x.direction === 'in');
    expect(m.text).toContain('broken disk');
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0]).toMatchObject({ filename: 'disk.img', size: content.length });
    // Stored apart, in chunks, not as one value.
    const rows = await n.gw.store.db.selectFrom('desk_attachments').select('blob_id').where('id', '=', m.attachments[0].id).executeTakeFirstOrThrow();
    const chunks = await n.gw.store.db.selectFrom('blob_chunks').select('seq').where('blob_id', '=', rows.blob_id!).execute();
    expect(chunks.length).toBeGreaterThan(100);
    expect(await n.gw.store.db.selectFrom('spool').selectAll().execute()).toEqual([]);

    const res = await fetch(`${n.base}/api/cases/${listed.number}/messages/${m.id}/attachments/${m.attachments[0].id}`, {
      headers: { authorization: `Bearer ${n.agent}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(content.length));
    expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(sha(content));
  }, 180_000);
});
