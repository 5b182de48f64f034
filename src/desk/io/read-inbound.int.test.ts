/**
 * The desk's reading of a message as a stream: large parts go to the store and the parser
 * sees them by reference; long texts are cut; a message beyond the limits on parts and
 * nesting is refused with the reason; a sender cannot name a stored part of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll, sourceOf } from '../../base/message-source.js';
import { BlobWriter, openBlob } from '../../store/index.js';
import { openTestStore, type TestStore } from '../../../test/support/relaydesk.js';
import { parseInboundMessage } from '../parse-message.js';
import { DEFAULT_PART_BUDGET, STORED_PART_HEADER, type PartBudget } from '../stored-parts.js';
import { readInbound } from './read-inbound.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

describe('reading an inbound message for the desk', () => {
  let ts: TestStore;
  let n = 0;
  beforeAll(async () => {
    ts = await openTestStore('sqlite');
  });
  afterAll(async () => {
    await ts?.cleanup();
  });
  const newBlob = () => new BlobWriter(ts.store, `att-test-${n++}`, { owner: 'test', now: () => 1 });
  const read = (raw: Buffer, budget: PartBudget = DEFAULT_PART_BUDGET) => readInbound(sourceOf(raw), newBlob, budget);

  it('stores a large attachment apart, decoded, and the parser names it by reference', async () => {
    const content = randomBytes(300 * 1024);
    const raw = crlf([
      'From: Ann <ann@customer.example>',
      'Subject: logs',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'See attached.',
      '--b',
      'Content-Type: application/octet-stream; name="logs.bin"',
      'Content-Disposition: attachment; filename="logs.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      content.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--b--',
      '',
    ]);
    const r = await read(raw);
    expect(r.refused).toBeNull();
    expect(r.message.length).toBeLessThan(2_000);
    expect([...r.stored.values()]).toEqual([expect.objectContaining({ size: content.length, sha256: createHash('sha256').update(content).digest('hex') })]);
    const parsed = await parseInboundMessage(r.message, {}, r.stored);
    expect(parsed.text).toContain('See attached.');
    expect(parsed.attachments).toHaveLength(1);
    const a = parsed.attachments[0]!;
    expect(a).toMatchObject({ filename: 'logs.bin', size: content.length });
    expect('blobId' in a.content && (await readAll(openBlob(ts.store.db, a.content.blobId), 1 << 24)).equals(content)).toBe(true);
  });

  it("ignores a stored-part header the sender wrote: no one else's blob can be named", async () => {
    const raw = crlf([
      'From: mallory@example.net',
      'Content-Type: multipart/mixed; boundary="b"',
      `${STORED_PART_HEADER}: att-someone-else; size=5`,
      '',
      '--b',
      'Content-Type: application/pdf; name="x.pdf"',
      `${STORED_PART_HEADER}: att-someone-else; size=5`,
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 tiny').toString('base64'),
      '--b--',
      '',
    ]);
    const r = await read(raw);
    expect(r.message.toString('latin1')).not.toContain('att-someone-else');
    const parsed = await parseInboundMessage(r.message, {}, r.stored);
    expect(parsed.attachments[0]!.content).toEqual({ bytes: Buffer.from('%PDF-1.4 tiny') });
  });

  it('cuts a text part at its budget and says so', async () => {
    const raw = crlf(['From: a@b', 'Content-Type: text/plain', '', 'y'.repeat(5_000), '']);
    const r = await read(raw, { ...DEFAULT_PART_BUDGET, maxTextPartBytes: 1_000 });
    expect(r.message.length).toBeLessThan(1_200);
    expect(r.problems.join(' ')).toMatch(/text part was cut at 1000 bytes/);
  });

  it('refuses more parts than allowed, and nesting deeper than allowed, with the reason', async () => {
    const many = ['From: a@b', 'Content-Type: multipart/mixed; boundary="b"', ''];
    for (let i = 0; i < 30; i++) many.push('--b', 'Content-Type: text/plain', '', `part ${i}`);
    many.push('--b--', '');
    expect((await read(crlf(many), { ...DEFAULT_PART_BUDGET, maxParts: 20 })).refused).toBe('more than 20 MIME parts');

    const deep = ['From: a@b'];
    for (let i = 0; i < 12; i++) deep.push(`Content-Type: multipart/mixed; boundary="d${i}"`, '', `--d${i}`);
    deep.push('Content-Type: text/plain', '', 'bottom', '');
    for (let i = 11; i >= 0; i--) deep.push(`--d${i}--`);
    expect((await read(crlf(deep), { ...DEFAULT_PART_BUDGET, maxDepth: 8 })).refused).toBe('MIME parts nested deeper than 8 levels');
  });
});
