import { describe, expect, it } from 'vitest';
import { keepAttachments, safeFilename } from './parse-attachments.js';

describe('safeFilename', () => {
  it.each<[string | null, string, string]>([
    ['C:\\TEMP\\scan.png', 'image/png', 'scan.png'],
    ['..\\..\\evil.exe', 'application/octet-stream', 'evil.exe'],
    ['\\\\server\\share\\x.pdf', 'application/pdf', 'x.pdf'],
    ['D:scan.jpg', 'image/jpeg', 'scan.jpg'],
    ['/etc/passwd', 'text/plain', 'passwd'],
    ['a/b/../c.txt', 'text/plain', 'c.txt'],
    ['mixed\\path/to\\file.doc', 'application/msword', 'file.doc'],
    ['../../', 'application/zip', 'attachment-1.zip'],
    ['..', 'image/jpeg', 'attachment-1.jpg'],
    ['a/b/..', 'application/pdf', 'attachment-1.pdf'],
    ['C:\\', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'attachment-1.xlsx'],
    [null, 'message/rfc822', 'attachment-1.eml'],
    ['', 'application/x-unknown', 'attachment-1.bin'],
    [null, 'application/ms-tnef', 'winmail.dat'],
    ['CON.txt', 'text/plain', '_CON.txt'],
    ['lpt1', 'text/plain', '_lpt1'],
    ['  report?.pdf. ', 'application/pdf', 'report.pdf'],
    ['見積書_2025年1月.pdf', 'application/pdf', '見積書_2025年1月.pdf'],
  ])('%j → %s', (name, type, want) => {
    expect(safeFilename(name, type, 1)).toBe(want);
  });
});

describe('keepAttachments', () => {
  it('keeps the name as written beside the safe one', () => {
    const found = (filename: string | null) => ({
      filename,
      contentType: 'image/png',
      content: { bytes: Buffer.from('x') },
      size: 1,
      contentId: null,
      inline: false,
    });
    const { attachments } = keepAttachments(
      [found('C:\\TEMP\\scan.png'), found(null), found('a\u0000b.png')],
      { maxAttachments: 10, maxAttachmentBytes: 100 },
      [],
    );
    expect(attachments.map((a) => [a.filename, a.originalFilename])).toEqual([
      ['scan.png', 'C:\\TEMP\\scan.png'],
      ['attachment-2.png', null],
      ['ab.png', 'ab.png'],
    ]);
  });
});
