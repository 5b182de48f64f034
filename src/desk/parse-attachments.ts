/**
 * The files of an inbound message: what mailparser found plus uuencoded blocks in the
 * text, named safely and kept within the desk's limits (what is left out is listed).
 * Pure: CPU only.
 */
import type { Attachment } from 'mailparser';
import { STORED_PART_HEADER, storedPartOf, type StoredParts } from './stored-parts.js';

const MAX_UUENCODED_BLOCKS = 20;

export interface ParsedAttachment {
  filename: string;
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
      attachments.push({ filename, contentType: f.contentType, size, contentId: f.contentId, inline: f.inline, content: f.content });
    }
  });
  if (omitted.length) problems.push(`${omitted.length} attachments omitted (limits)`);
  return { attachments, omitted };
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'message/rfc822': 'eml',
  'text/rfc822-headers': 'txt',
};

/** A name the desk can show and a browser can save: no directories, no controls, bounded. */
function safeFilename(name: string | null, contentType: string, index: number): string {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base
    // eslint-disable-next-line no-control-regex -- a file name keeps no control characters
    .replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 200);
  if (clean) return clean;
  if (/^application\/(vnd\.)?ms-tnef$/i.test(contentType)) return 'winmail.dat';
  return `attachment-${index}.${EXTENSIONS[contentType.toLowerCase()] ?? 'bin'}`;
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
