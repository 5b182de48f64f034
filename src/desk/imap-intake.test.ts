import { describe, expect, it } from 'vitest';
import {
  afterAction,
  decideFolderStart,
  decideMessage,
  describeImapError,
  envelopeSenderOf,
  imapPort,
  mailboxKey,
  planPass,
  reconnectDelay,
  returnPathOf,
} from './imap-intake.js';

const box = { host: 'imap.solarmora.com', tls: true, user: 'help@solarmora.com', folder: 'INBOX', after: 'move' as const };

describe('IMAP intake decisions', () => {
  it('names the mailbox with its port (993 with TLS, 143 without)', () => {
    expect(imapPort(box)).toBe(993);
    expect(imapPort({ ...box, tls: false })).toBe(143);
    expect(mailboxKey({ ...box, port: 1143 })).toBe('help@solarmora.com@imap.solarmora.com:1143/INBOX');
  });

  it('continues after the last UID, and reads the folder again on a first look or a new UIDVALIDITY', () => {
    expect(decideFolderStart({ uidValidity: null, lastUid: 0 }, 7)).toEqual({ kind: 'restart', reason: 'first' });
    expect(decideFolderStart({ uidValidity: 7, lastUid: 41 }, 7)).toEqual({ kind: 'continue', lastUid: 41 });
    expect(decideFolderStart({ uidValidity: 7, lastUid: 41 }, 8)).toEqual({ kind: 'restart', reason: 'uidvalidity-changed' });
  });

  it('takes new UIDs oldest first in batches, and only finishes those taken already', () => {
    expect(planPass([12, 3, 10, 11], 10)).toEqual({ take: [11, 12], finish: [3, 10], more: false });
    expect(planPass([5, 6, 7, 8], 0, 3)).toEqual({ take: [5, 6, 7], finish: [], more: true });
    expect(planPass([], 4)).toEqual({ take: [], finish: [], more: false });
  });

  it('sets aside a message over the size limit, with the reason and where it is', () => {
    expect(decideMessage(100, 100, { mailbox: 'm', uid: 1 })).toEqual({ kind: 'take' });
    const d = decideMessage(101, 100, { mailbox: 'help@x:993/INBOX', uid: 9 });
    expect(d.kind).toBe('too-large');
    expect(d.kind === 'too-large' && d.detail).toMatch(/101 bytes, over smtp\.maxMessageSize \(100 bytes\).*UID 9 of help@x:993\/INBOX/);
  });

  it('moves to Relaydesk/Processed, or flags \\Seen and $RelaydeskTaken', () => {
    expect(afterAction('move')).toEqual({ kind: 'move', folder: 'Relaydesk/Processed' });
    expect(afterAction('flag')).toEqual({ kind: 'flag', flags: ['\\Seen', '$RelaydeskTaken'] });
  });

  it('waits longer after each failure in a row, up to 5 minutes', () => {
    expect([1, 2, 3, 4].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000]);
    expect(reconnectDelay(30)).toBe(300_000);
  });

  it('takes the envelope sender from Return-Path, else From, never empty by accident', () => {
    expect(returnPathOf('Return-Path: <ann@example.net>\r\nFrom: x\r\n')).toBe('ann@example.net');
    expect(returnPathOf('return-path: <>\r\n')).toBe('');
    expect(returnPathOf('From: x\r\n')).toBeNull();
    expect(envelopeSenderOf({ returnPath: '', from: 'a@b' })).toBe('');
    expect(envelopeSenderOf({ returnPath: null, from: 'a@b' })).toBe('a@b');
    expect(envelopeSenderOf({ returnPath: null, from: null })).toBe('unknown@invalid');
  });

  it('says what failed and what to do', () => {
    expect(describeImapError({ authenticationFailed: true, responseText: 'Authentication failed.', message: 'Command failed' }, box)).toEqual({
      code: 'imap-login-refused',
      text: 'imap.solarmora.com:993 refused the login of help@solarmora.com (Authentication failed.); check imap.user and write the password in imap.passwordSecret again',
    });
    expect(describeImapError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, box).code).toBe('imap-unreachable');
    expect(describeImapError({ code: 'NoConnection', message: 'x' }, box).code).toBe('imap-connection-lost');
    expect(describeImapError({ message: 'weird' }, box)).toEqual({ code: 'imap-failed', text: expect.stringMatching(/failed: weird; it is tried again/) });
  });
});
