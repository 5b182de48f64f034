/**
 * Decisions of the IMAP intake (desk/io/imap-intake.ts carries them out): which UIDs a pass
 * takes, what a new UIDVALIDITY means, what is done with a message once taken, how long to
 * wait after a failure, and how an error reads.
 */

/** What `desk.channels[].imap` says, as the intake needs it. */
export interface ImapMailboxConfig {
  readonly host: string;
  readonly port?: number | undefined;
  readonly tls: boolean;
  readonly user: string;
  readonly folder: string;
  readonly after: 'move' | 'flag';
}

/** Where `after: move` puts what was taken (created when missing). */
export const PROCESSED_FOLDER = 'Relaydesk/Processed';
/** What `after: flag` sets; a message carrying the keyword is never taken again. */
export const TAKEN_KEYWORD = '$RelaydeskTaken';
/** A pass that finds no news waits this long (without IDLE, or when IDLE says nothing) before it looks again. */
export const POLL_INTERVAL_MS = 60_000;
/** Messages taken in one pass before the lease is renewed and the folder looked at again. */
export const PASS_BATCH = 50;

export function imapPort(m: ImapMailboxConfig): number {
  return m.port ?? (m.tls ? 993 : 143);
}

/** Names the mailbox; another name (host, user or folder changed) starts from its first UID. */
export function mailboxKey(m: ImapMailboxConfig): string {
  return `${m.user}@${m.host}:${imapPort(m)}/${m.folder}`;
}

export type FolderStart =
  | { readonly kind: 'continue'; readonly lastUid: number }
  /** First look at this folder, or its UIDVALIDITY changed: every UID is new again. */
  | { readonly kind: 'restart'; readonly reason: 'first' | 'uidvalidity-changed' };

/**
 * A UIDVALIDITY other than the stored one means the server renumbered the folder: UIDs we
 * took may now name other messages. The folder is read again from the start; what was taken
 * before is still moved or flagged, and the desk's dedupe (Message-ID and content) keeps a
 * message it already has from a second effect.
 */
export function decideFolderStart(stored: { readonly uidValidity: number | null; readonly lastUid: number }, uidValidity: number): FolderStart {
  if (stored.uidValidity === null) return { kind: 'restart', reason: 'first' };
  if (stored.uidValidity !== uidValidity) return { kind: 'restart', reason: 'uidvalidity-changed' };
  return { kind: 'continue', lastUid: stored.lastUid };
}

export interface PassPlan {
  /** New UIDs, oldest first, at most PASS_BATCH. */
  readonly take: readonly number[];
  /**
   * UIDs taken earlier that are still here unmoved or unflagged (the connection broke
   * between the commit and the move): only `after` is done again.
   */
  readonly finish: readonly number[];
  /** More new UIDs wait beyond this batch. */
  readonly more: boolean;
}

/**
 * `present` are the UIDs the folder's search found: every message with `after: move`, those
 * without the keyword with `after: flag`.
 */
export function planPass(present: readonly number[], lastUid: number, batch = PASS_BATCH): PassPlan {
  const sorted = [...new Set(present)].sort((a, b) => a - b);
  const fresh = sorted.filter((u) => u > lastUid);
  return { take: fresh.slice(0, batch), finish: sorted.filter((u) => u <= lastUid), more: fresh.length > batch };
}

export type MessageDecision = { readonly kind: 'take' } | { readonly kind: 'too-large'; readonly detail: string };

/** A message over smtp.maxMessageSize is not read: set aside with the reason, and still moved or flagged so no pass takes it again. */
export function decideMessage(size: number, maxSize: number, where: { readonly mailbox: string; readonly uid: number }): MessageDecision {
  if (size <= maxSize) return { kind: 'take' };
  return {
    kind: 'too-large',
    detail: `the message is ${size} bytes, over smtp.maxMessageSize (${maxSize} bytes), so the desk kept only its header; it was UID ${where.uid} of ${where.mailbox} and stays whole in that mailbox (moved or flagged as imap.after says); answer it from there, or raise the limit`,
  };
}

export type AfterAction = { readonly kind: 'move'; readonly folder: string } | { readonly kind: 'flag'; readonly flags: readonly string[] };

export function afterAction(after: 'move' | 'flag'): AfterAction {
  return after === 'move' ? { kind: 'move', folder: PROCESSED_FOLDER } : { kind: 'flag', flags: ['\\Seen', TAKEN_KEYWORD] };
}

/** Waits after failures in a row: 1 s, 2 s, 4 s … at most 5 minutes. */
export function reconnectDelay(failures: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, Math.min(failures - 1, 20)));
}

/**
 * The envelope sender of mail taken from a mailbox: its Return-Path (the delivering server
 * wrote it), else the From address. Never empty because a header is missing: an empty sender
 * is what bounces have, and the desk would take the message for one.
 */
export function envelopeSenderOf(h: { readonly returnPath: string | null; readonly from: string | null }): string {
  if (h.returnPath !== null) return h.returnPath;
  return h.from ?? 'unknown@invalid';
}

/** The Return-Path field's address from a header block (`<>` gives ""), or null without one. */
export function returnPathOf(header: string): string | null {
  const m = /^return-path:[ \t]*<([^>\r\n]*)>/im.exec(header);
  return m ? m[1]!.trim() : null;
}

/** The error facts imapflow gives. */
export interface ImapErrorFacts {
  readonly code?: string | undefined;
  readonly authenticationFailed?: boolean | undefined;
  readonly responseText?: string | undefined;
  readonly message: string;
}

export const IMAP_ERROR_CODES = [
  'imap-login-refused',
  'imap-unreachable',
  'imap-connection-lost',
  'imap-tls-failed',
  'imap-folder-missing',
  'imap-failed',
] as const;
export type ImapErrorCode = (typeof IMAP_ERROR_CODES)[number];

/** An error as a sentence with its cause and a fix, for the log and the console (which says it from the code). */
export function describeImapError(e: ImapErrorFacts, m: ImapMailboxConfig): { readonly code: ImapErrorCode; readonly text: string } {
  const at = `${m.host}:${imapPort(m)}`;
  if (e.authenticationFailed)
    return {
      code: 'imap-login-refused',
      text: `${at} refused the login of ${m.user}${e.responseText ? ` (${e.responseText})` : ''}; check imap.user and write the password in imap.passwordSecret again`,
    };
  if (e.code === 'ECONNREFUSED')
    return { code: 'imap-unreachable', text: `nothing answers at ${at} (connection refused); check imap.host and imap.port, and that the server is running` };
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return { code: 'imap-unreachable', text: `the name ${m.host} does not resolve; check imap.host` };
  if (e.code === 'ETIMEDOUT' || e.code === 'ETIMEOUT' || e.code === 'CONNECT_TIMEOUT' || e.code === 'GREETING_TIMEOUT')
    return { code: 'imap-unreachable', text: `${at} did not answer in time; check imap.host, imap.port and the network between` };
  if (e.code === 'NoConnection' || e.code === 'EConnectionClosed' || e.code === 'ECONNRESET')
    return { code: 'imap-connection-lost', text: `the connection to ${at} was lost; it is tried again with a growing pause` };
  if (/certificate|self.signed|SSL|TLS/i.test(e.message))
    return { code: 'imap-tls-failed', text: `TLS with ${at} failed (${e.message}); check imap.tls and imap.port (993 with TLS, 143 without)` };
  if (e.code === 'NONEXISTENT' || /nonexistent|doesn't exist|not exist/i.test(e.responseText ?? ''))
    return { code: 'imap-folder-missing', text: `the folder ${m.folder} does not exist for ${m.user} at ${at}; check imap.folder` };
  return { code: 'imap-failed', text: `the mailbox ${m.user} at ${at} failed: ${e.responseText || e.message}; it is tried again with a growing pause` };
}
