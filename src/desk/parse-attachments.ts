/**
 * The files of an inbound message: what mailparser found plus uuencoded blocks in the
 * text, named safely and kept within the desk's limits (what is left out is listed).
 * Pure: CPU only.
 */
import libmime from 'libmime';
import type { Attachment } from 'mailparser';
import { STORED_PART_HEADER, storedPartOf, type StoredParts } from './stored-parts.js';

const MAX_UUENCODED_BLOCKS = 20;

export interface ParsedAttachment {
  /** A safe base name: no directories, no drive, no controls; never empty. */
  filename: string;
  /** The name as the sender wrote it (decoded, NUL removed, bounded); null when none was given. */
  originalFilename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
  /** The bytes, or the blob the reader stored them in (large parts). */
  content: { readonly bytes: Buffer } | { readonly blobId: string };
}

export interface OmittedAttachment {
  filename: string;
  size: number;
  reason: string;
}

export interface FoundFile {
  filename: string | null;
  contentType: string;
  content: ParsedAttachment['content'];
  size: number;
  contentId: string | null;
  inline: boolean;
}

/** A file mailparser found; its bytes are in the store when the reader put them there. */
export function fromMailparser(a: Attachment, stored: StoredParts): FoundFile {
  const marker = a.headers.get(STORED_PART_HEADER.toLowerCase());
  const part = storedPartOf(typeof marker === 'string' ? marker : null, stored);
  return {
    filename: a.filename ?? null,
    contentType: a.contentType,
    content: part ? { blobId: part.blobId } : { bytes: a.content },
    size: part ? part.size : a.content.length,
    contentId: a.contentId ? `<${a.contentId.replace(/^<|>$/g, '')}>` : null,
    inline: a.related === true || a.contentDisposition === 'inline',
  };
}

export function keepAttachments(
  found: FoundFile[],
  lim: { readonly maxAttachments: number; readonly maxAttachmentBytes: number },
  problems: string[],
): { attachments: ParsedAttachment[]; omitted: OmittedAttachment[] } {
  const attachments: ParsedAttachment[] = [];
  const omitted: OmittedAttachment[] = [];
  let bytes = 0;
  found.forEach((f, i) => {
    const filename = safeFilename(f.filename, f.contentType, i + 1);
    // eslint-disable-next-line no-control-regex -- NUL cannot be stored in a PostgreSQL text column
    const originalFilename = f.filename === null ? null : f.filename.replace(/\u0000/g, '').slice(0, 1000);
    const size = f.size;
    if (/^application\/(vnd\.)?ms-tnef$/i.test(f.contentType) || filename.toLowerCase() === 'winmail.dat') {
      problems.push(`${filename} (Outlook TNEF) kept as is, not decoded`);
    }
    if (attachments.length >= lim.maxAttachments) {
      omitted.push({ filename, size, reason: `more than ${lim.maxAttachments} attachments` });
    } else if (bytes + size > lim.maxAttachmentBytes) {
      omitted.push({ filename, size, reason: `over the ${lim.maxAttachmentBytes}-byte attachment limit` });
    } else {
      bytes += size;
      attachments.push({ filename, originalFilename, contentType: f.contentType, size, contentId: f.contentId, inline: f.inline, content: f.content });
    }
  });
  if (omitted.length) problems.push(`${omitted.length} attachments omitted (limits)`);
  return { attachments, omitted };
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'message/rfc822': 'eml',
  'text/rfc822-headers': 'txt',
  'application/octet-stream': 'bin',
};

// Names Windows reserves for devices, whatever the extension: saving `CON.txt` fails or worse.
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\.|$)/i;

/**
 * A name the desk can show and a browser can save: the last segment of any path syntax
 * (`/`, `\`, a drive letter, `..`), no controls or characters Windows refuses, bounded.
 * A name that reduces to nothing becomes `attachment-N` with an extension for its type.
 */
export function safeFilename(name: string | null, contentType: string, index: number): string {
  const segments = (name ?? '')
    .replace(/^[A-Za-z]:/, '')
    .split(/[/\\]/)
    .map((s) => s.trim());
  // `a/b/..` names a directory, not a file: nothing of it is a file name.
  const last = segments[segments.length - 1] ?? '';
  const base = last === '..' || last === '.' ? '' : last;
  const clean = base
    // eslint-disable-next-line no-control-regex -- a file name keeps no control characters
    .replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 200);
  if (clean) return WINDOWS_DEVICE.test(clean) ? `_${clean}` : clean;
  if (/^application\/(vnd\.)?ms-tnef$/i.test(contentType)) return 'winmail.dat';
  const type = contentType.toLowerCase();
  return `attachment-${index}.${EXTENSIONS[type] ?? libmime.detectExtension(type)}`;
}

/** Per-recipient fields of a message/delivery-status part (RFC 3464). */

export function extractUuencoded(text: string): { text: string; files: FoundFile[] } {
  const files: FoundFile[] = [];
  const rest = text.replace(/^begin [0-7]{3,4} ([^\r\n]+)\r?\n([\s\S]*?)^end[ \t]*$/gm, (block, name: string, data: string) => {
    if (files.length >= MAX_UUENCODED_BLOCKS) return block;
    const bytes: number[] = [];
    for (const line of data.split(/\r?\n/)) {
      const length = ((line.charCodeAt(0) || 32) - 32) & 63;
      if (length === 0) break;
      const chunk: number[] = [];
      for (let i = 1; i + 3 < line.length + 1 && chunk.length < length; i += 4) {
        const [a, b, c, d] = [0, 1, 2, 3].map((k) => ((line.charCodeAt(i + k) || 32) - 32) & 63) as [number, number, number, number];
        chunk.push((a << 2) | (b >> 4), ((b & 15) << 4) | (c >> 2), ((c & 3) << 6) | d);
      }
      bytes.push(...chunk.slice(0, length));
    }
    files.push({
      filename: name.trim(),
      contentType: 'application/octet-stream',
      content: { bytes: Buffer.from(bytes) },
      size: bytes.length,
      contentId: null,
      inline: false,
    });
    return '';
  });
  return { text: rest, files };
}
