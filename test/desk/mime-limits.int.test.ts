/**
 * A message past the desk's MIME limits (parts, nesting) is set aside with the reason, not
 * parsed without end and not dropped: it is in the suspended list, findable by its sender.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PART_BUDGET } from '../../src/desk/stored-parts.js';
import { startApiNode, type ApiNode } from '../api/api-helpers.js';
import { eventually } from '../support/relaydesk.js';

describe("the desk's MIME limits", () => {
  let n: ApiNode;
  beforeAll(async () => {
    n = await startApiNode('sqlite');
  });
  afterAll(async () => {
    await n?.stop();
  });

  it(`sets aside a message of more than ${DEFAULT_PART_BUDGET.maxParts} parts, with the reason`, async () => {
    const lines = [
      'From: Mallory <mallory@customer.example>',
      'To: help@solarmora.com',
      'Subject: many parts',
      'Message-ID: <many-parts@customer.example>',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
    ];
    for (let i = 0; i < DEFAULT_PART_BUDGET.maxParts + 50; i++) lines.push('--b', 'Content-Type: text/plain', '', `part ${i}`);
    lines.push('--b--', '');
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: n.gw.smtpPort, secure: false, ignoreTLS: true });
    await client.sendMail({ envelope: { from: 'mallory@customer.example', to: ['help@solarmora.com'] }, raw: lines.join('\r\n') });
    client.close();
    const item = await eventually(
      async () => (await n.call('GET', '/api/suspended')).body.items.find((s: { from: string | null }) => s.from === 'mallory@customer.example'),
      20_000,
      'the set-aside entry',
    );
    expect(item).toMatchObject({ reason: 'mime-limits', subject: 'many parts' });
    expect(item.detail).toMatch(new RegExp(`more than ${DEFAULT_PART_BUDGET.maxParts} MIME parts`));
    expect((await n.call('GET', '/api/cases')).body.items).toEqual([]);
  });
});
