/**
 * Large MIME parts leave the message before the desk parses it: their decoded bytes go
 * to the store while the message streams past, and the part stays in the message with
 * an empty body and this header naming what was stored. The parser then sees the
 * structure, names and types of every part without any large part in memory.
 *
 * A sender could write the header too, to point at someone else's stored part: the
 * reader removes it from every part it meets, and the parser believes it only for the
 * parts the reader itself stored (`StoredParts`).
 */
export const STORED_PART_HEADER = 'X-Relaydesk-Stored-Part';

export interface StoredPart {
  readonly blobId: string;
  /** Decoded bytes. */
  readonly size: number;
}

/** The parts stored for one message, by blob id. */
export type StoredParts = ReadonlyMap<string, StoredPart>;

export function renderStoredPart(p: StoredPart): string {
  return `${p.blobId}; size=${p.size}`;
}

/** The stored part a header value names, if the reader stored it for this message. */
export function storedPartOf(value: string | undefined | null, stored: StoredParts): StoredPart | null {
  if (!value) return null;
  const id = value.split(';')[0]!.trim();
  return stored.get(id) ?? null;
}

/** Which parts go to the store, and how much of the rest the parser may see. */
export interface PartBudget {
  /** A non-text part larger than this is stored apart. */
  readonly maxInlinePartBytes: number;
  /** Encoded bytes kept of one text part (the body text and HTML); the rest is cut. */
  readonly maxTextPartBytes: number;
  /** The whole message as the parser sees it; past it every further part is stored or cut. */
  readonly maxMessageBytes: number;
  /** MIME parts in one message; past it the message is set aside. */
  readonly maxParts: number;
  /** Nesting of multiparts; past it the message is set aside. */
  readonly maxDepth: number;
}

export const DEFAULT_PART_BUDGET: PartBudget = {
  maxInlinePartBytes: 64 * 1024,
  maxTextPartBytes: 8 * 1024 * 1024,
  maxMessageBytes: 16 * 1024 * 1024,
  maxParts: 500,
  maxDepth: 30,
};

/** A leaf part as the reader meets it. */
export interface LeafFacts {
  readonly contentType: string;
  readonly disposition: string | null;
  readonly filename: string | null;
}

/**
 * Parts the parser reads as text: the body's text and HTML, and the machine-readable
 * parts of reports. Everything else is a file, and large files are stored apart.
 */
export function isTextPart(p: LeafFacts): boolean {
  if (p.disposition === 'attachment' || p.filename) return false;
  return /^(text\/(plain|html|rfc822-headers)|message\/(delivery-status|disposition-notification|feedback-report))$/.test(p.contentType);
}
