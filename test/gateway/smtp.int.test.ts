/**
 * The SMTP conversation itself: what we advertise, STARTTLS, recipient caps, SMTP
 * smuggling, and SRS for forwarded foreign senders (and the bounces that come back).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/log.js';
import { applyConfigText } from '../../src/config/io/apply.js';
import { startNode, type RunningNode } from '../../src/cli/start.js';
import { searchMessages } from '../../src/store/index.js';
import { fixedResolver } from '../support/fixed-dns.js';
import { rawSmtp } from '../support/smtp-raw.js';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { openTestStore, storedRaw, type TestStore } from '../support/relaydesk.js';

const config = (port: number) => `
domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: ${port}, tls: none, domains: [crm.test, example.net, elsewhere.example] }
defaultRouting:
  - description: help to crm
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
  - description: everything else at sales
    match: { pattern: "sales-.*@solarmora\\\\.com" }
    modify:
      changeEnvelopeRecipient: { replaceDomain: crm.test }
smtp:
  maxRecipients: 3
`;

describe('the SMTP conversation', () => {
  let sink: Sink;
  let ts: TestStore;
  let node: RunningNode;
  let tmp: string;
  let port = 0;

  beforeAll(async () => {
    sink = await startSink();
    ts = await openTestStore('sqlite');
    await applyConfigText(ts.store.db, config(sink.port), { appliedBy: 'test', now: Date.now() });
    tmp = mkdtempSync(path.join(os.tmpdir(), 'relaydesk-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(tmp, 'key.pem'),
        '-out',
        path.join(tmp, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=gw.relaydesk.test',
      ],
      { stdio: 'ignore' },
    );
    node = await startNode({
      store: ts.store,
      listen: '127.0.0.1',
      smtpPort: 0,
      httpPort: 0,
      hostname: 'gw.relaydesk.test',
      roles: ['inbound', 'queue'],
      resolver: fixedResolver({}),
      logger: silentLogger,
      tls: { key: readFileSync(path.join(tmp, 'key.pem')), cert: readFileSync(path.join(tmp, 'cert.pem')) },
    });
    port = node.smtpPort!;
  });
  afterAll(async () => {
    await node?.stop();
    await ts?.cleanup();
    await sink?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('greets at once and advertises the ESMTP extensions', async () => {
    // smtp-server alone waits 100 ms before every greeting. The fastest of a few greetings
    // shows whether we wait: a busy machine can slow any one of them.
    let fastest = Infinity;
    for (let i = 0; i < 5 && fastest >= 80; i++) {
      const started = Date.now();
      const c = await rawSmtp(port);
      try {
        expect(await c.reply()).toMatch(/^220 gw\.relaydesk\.test /);
        fastest = Math.min(fastest, Date.now() - started);
      } finally {
        c.close();
      }
    }
    expect(fastest).toBeLessThan(80);
    const c = await rawSmtp(port);
    try {
      await c.reply();
      const ehlo = await c.command('EHLO client.example');
      for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'STARTTLS', `SIZE ${35 * 1024 * 1024}`]) expect(ehlo).toContain(ext);
    } finally {
      c.close();
    }
  });

  it('speaks STARTTLS when a certificate is configured', async () => {
    const r = await swaks([
      '--server',
      `127.0.0.1:${port}`,
      '--tls',
      '--from',
      'customer@example.net',
      '--to',
      'help@solarmora.com',
      '--h-Subject',
      'over tls',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/TLS started/);
    // The 221 to QUIT arrives over TLS before the connection closes (swaks marks lines read under TLS with "<~").
    expect(r.stdout + r.stderr).toMatch(/<~ +221 /);
    const m = await sink.waitFor((x) => x.raw.includes('over tls'));
    expect(m.raw.toString()).toMatch(/with ESMTPS id/);
  });

  it('answers 452 4.5.3 past maxRecipients', async () => {
    const c = await rawSmtp(port);
    await c.reply();
    await c.command('EHLO client.example');
    expect(await c.command('MAIL FROM:<customer@example.net>')).toMatch(/^250/);
    for (const n of [1, 2, 3]) expect(await c.command(`RCPT TO:<sales-${n}@solarmora.com>`)).toMatch(/^250/);
    expect(await c.command('RCPT TO:<sales-4@solarmora.com>')).toMatch(/^452 4\.5\.3 /);
    c.close();
  });

  it('takes pipelined commands and never splits a smuggled second message out of DATA', async () => {
    const c = await rawSmtp(port);
    await c.reply();
    await c.command('EHLO client.example');
    c.send('MAIL FROM:<customer@example.net>\r\nRCPT TO:<help@solarmora.com>\r\nDATA\r\n');
    expect(await c.reply()).toMatch(/^250/);
    expect(await c.reply()).toMatch(/^250/);
    expect(await c.reply()).toMatch(/^354/);
    c.send(
      'Subject: smuggle-outer\r\n\r\nfirst\n.\nMAIL FROM:<evil@example.net>\r\nRCPT TO:<victim@crm.test>\r\nDATA\r\nSubject: smuggle-inner\r\n\r\nsecond\r\n.\r\n',
    );
    const done = await c.reply();
    expect(done).toMatch(/^250 2\.0\.0 Ok: queued as/);
    // Anything the server took as commands would answer now; nothing may come.
    await expect(c.reply(500)).rejects.toThrow(/no SMTP reply/);
    c.close();
    const got = await sink.waitFor((m) => m.raw.includes('smuggle-outer'));
    expect(got.rcptTo).toEqual(['support@crm.test']);
    // The would-be second message is content of the first, its lines ending in CRLF.
    expect(got.raw.toString('latin1')).toContain('first\r\n.\r\nMAIL FROM:<evil@example.net>\r\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.messages.some((m) => m.rcptTo.includes('victim@crm.test'))).toBe(false);
    const [stored] = await searchMessages(ts.store.db, { subject: 'smuggle-outer' });
    const raw = (await storedRaw(ts.store.db, stored!.queueId)).toString('latin1');
    expect(raw).not.toMatch(/[^\r]\n/);
  });

  it('refuses envelope addresses that are not UTF-8 (553 5.6.7), and non-ASCII ones without SMTPUTF8 on MAIL FROM', async () => {
    const c = await rawSmtp(port);
    // `command` sends latin1: "é" goes as the single byte E9, which is not UTF-8.
    const utf8 = (line: string) => {
      c.send(Buffer.from(`${line}\r\n`, 'utf8'));
      return c.reply();
    };
    try {
      await c.reply();
      await c.command('EHLO client.example');
      expect(await c.command('MAIL FROM:<café@example.net>')).toMatch(/^553 5\.6\.7 The sender address is not valid UTF-8/);
      expect(await utf8('MAIL FROM:<café@example.net>')).toMatch(/^553 5\.6\.7 The sender address is not ASCII, and MAIL FROM did not carry SMTPUTF8/);
      // Plain bad syntax stays the library's 501.
      expect(await c.command('MAIL FROM:<a@@example.net>')).toMatch(/^501 5\.1\.7 /);
      expect(await c.command('MAIL FROM:<customer@example.net>')).toMatch(/^250 /);
      expect(await utf8('RCPT TO:<hélp@solarmora.com>')).toMatch(/^553 5\.6\.7 The recipient address is not ASCII/);
      // An A-label is ASCII, though the library shows it in Unicode: only routing refuses it.
      expect(await c.command('RCPT TO:<help@xn--bcher-kva.example>')).toMatch(/^550 5\.7\.1 /);
      expect(await c.command('RCPT TO:<a b@solarmora.com>')).toMatch(/^501 5\.1\.3 /);
      expect(await c.command('RCPT TO:<help@solarmora.com>')).toMatch(/^250 /);
      expect(await c.command('RSET')).toMatch(/^250 /);

      expect(await utf8('MAIL FROM:<café@example.net> SMTPUTF8')).toMatch(/^250 /);
      expect(await c.command('RCPT TO:<help\xff@solarmora.com>')).toMatch(/^553 5\.6\.7 The recipient address is not valid UTF-8/);
      // A real U+FFFD is UTF-8: it is looked up like any address, and nobody has it.
      expect(await utf8('RCPT TO:<\ufffd@solarmora.com>')).toMatch(/^550 5\.1\.1 /);
      expect(await utf8('RCPT TO:<hélp@solarmora.com>')).toMatch(/^550 5\.1\.1 /);
      expect(await c.command('RCPT TO:<help@solarmora.com>')).toMatch(/^250 /);
      expect(await c.command('RSET')).toMatch(/^250 /);
      // SMTPUTF8 belongs to its transaction: the next MAIL FROM without it gets none.
      expect(await c.command('MAIL FROM:<customer@example.net>')).toMatch(/^250 /);
      expect(await utf8('RCPT TO:<hélp@solarmora.com>')).toMatch(/^553 5\.6\.7 /);
    } finally {
      c.close();
    }
  });

  it('answers 421 past maxConnectionsPerClient, loopback included, and counts closed sessions out', async () => {
    // No exemption by default: the clients here are all on 127.0.0.1.
    await applyConfigText(ts.store.db, `${config(sink.port)}  maxConnectionsPerClient: 2\n`, { appliedBy: 'test', now: Date.now() });
    try {
      const a = await rawSmtp(port);
      expect(await a.reply()).toMatch(/^220 /);
      const b = await rawSmtp(port);
      expect(await b.reply()).toMatch(/^220 /);
      const c = await rawSmtp(port);
      // Before EHLO no enhanced status code is announced, so the 421 carries none.
      expect(await c.reply()).toMatch(/^421 Too many connections from 127\.0\.0\.1/);
      c.close();
      b.close();
      await new Promise((r) => setTimeout(r, 100));
      const d = await rawSmtp(port);
      expect(await d.reply()).toMatch(/^220 /);
      // An exempt block lifts the limit for the addresses in it.
      await applyConfigText(ts.store.db, `${config(sink.port)}  maxConnectionsPerClient: 2\n  connectionLimitExceptions: [127.0.0.0/8]\n`, {
        appliedBy: 'test',
        now: Date.now(),
      });
      const e = await rawSmtp(port);
      expect(await e.reply()).toMatch(/^220 /);
      e.close();
      d.close();
      a.close();
    } finally {
      await applyConfigText(ts.store.db, config(sink.port), { appliedBy: 'test', now: Date.now() });
    }
  });

  it('rewrites a foreign sender with SRS when forwarding, and returns a bounce to it', async () => {
    await swaks(['--server', `127.0.0.1:${port}`, '--from', 'customer@example.net', '--to', 'help@solarmora.com', '--h-Subject', 'srs forward']);
    const fwd = await sink.waitFor((m) => m.raw.includes('srs forward'));
    expect(fwd.mailFrom).toMatch(/^SRS0=[^=]+=[^=]+=example\.net=customer@solarmora\.com$/);
    const bounce = await swaks(['--server', `127.0.0.1:${port}`, '--from', '<>', '--to', fwd.mailFrom, '--h-Subject', 'srs bounce back']);
    expect(bounce.lastReply).toMatch(/^250 /);
    const back = await sink.waitFor((m) => m.raw.includes('srs bounce back'));
    expect(back.rcptTo).toEqual(['customer@example.net']);
    expect(back.mailFrom).toBe('');
    const forged = await swaks(['--server', `127.0.0.1:${port}`, '--from', '<>', '--to', 'SRS0=AAAA=AB=example.net=victim@solarmora.com']);
    expect(forged.lastReply).toMatch(/^550 5\.7\.1 Invalid SRS/);
  });
});
