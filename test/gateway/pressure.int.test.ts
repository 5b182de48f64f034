/**
 * Connection pressure, as Postfix's stress mode: once more than 80 % of the listener's
 * client limit is in use, idle sessions are dropped after the short timeout (421 4.4.2);
 * at or under 80 % the normal timeout holds, and it holds again once the load falls (the
 * sessions dropped count toward that).
 * The short timeout is 1 s here instead of the default 10 s, the limit 10 clients.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decideIdleTimeout } from '../../src/inbound/index.js';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_PRESSURE_IDLE_TIMEOUT_MS } from '../../src/inbound/io/smtp-listener.js';
import { rawSmtp, type RawSmtp } from '../support/smtp-raw.js';
import { startTestNode, type TestNode } from '../support/relaydesk.js';

const PRESSURE_MS = 1_000;

describe('idle sessions under connection pressure', () => {
  let gw: TestNode;
  let open: RawSmtp[] = [];

  /** `n` sessions that greet, say EHLO and then sit idle. */
  const idleSessions = async (n: number): Promise<RawSmtp[]> => {
    const made: RawSmtp[] = [];
    for (let i = 0; i < n; i++) {
      const c = await rawSmtp(gw.smtpPort);
      open.push(c);
      made.push(c);
      expect(await c.reply()).toMatch(/^220 /);
      expect(await c.command(`EHLO idle-${i}.example`)).toMatch(/^250/);
    }
    return made;
  };

  // A node of its own for each test: sessions a test closes at its end are gone from the
  // server only once it reads their FIN, and a test must not count the last one's.
  beforeEach(async () => {
    gw = await startTestNode({
      dialect: 'sqlite',
      config: 'domains: [solarmora.com]\n',
      smtpLimits: { maxClients: 10, idleTimeoutMs: 60_000, pressureIdleTimeoutMs: PRESSURE_MS },
    });
  });
  afterEach(async () => {
    for (const c of open) c.close();
    open = [];
    await gw?.stop();
  });

  it('keeps 8 idle sessions of 10 places (80 %) past the short timeout', async () => {
    const sessions = await idleSessions(8);
    await new Promise((r) => setTimeout(r, PRESSURE_MS * 2.5));
    for (const c of sessions) await expect(c.reply(10)).rejects.toThrow(/no SMTP reply/);
  });

  it('drops idle sessions with 421 4.4.2 after the short timeout while 9 of 10 places are in use, until 80 % are', async () => {
    const started = Date.now();
    const sessions = await idleSessions(9);
    // Each one dropped frees a place: once 8 or fewer are open the normal timeout holds again
    // for the rest. Their timers run out together, so often all go, but one armed a moment
    // later (its EHLO came last) may find the load down already and stay.
    const replies = await Promise.all(
      sessions.map((c) =>
        c.reply(PRESSURE_MS * 4).then(
          (text) => ({ text, at: Date.now() }),
          () => null,
        ),
      ),
    );
    const dropped = replies.filter((r) => r !== null);
    expect(dropped.length).toBeGreaterThanOrEqual(1);
    for (const r of dropped) {
      expect(r.text).toMatch(/^421 4\.4\.2 /);
      expect(r.at - started).toBeGreaterThanOrEqual(PRESSURE_MS);
      expect(r.at - started).toBeLessThan(PRESSURE_MS * 4);
    }
    // The ones left are 80 % or less of the places, and still served.
    const left = sessions.filter((_, i) => replies[i] === null);
    expect(left.length).toBeLessThanOrEqual(8);
    for (const c of left) expect(await c.command('NOOP')).toMatch(/^250/);
  });

  it('gives the normal timeout back once the load falls to 80 % or less', async () => {
    const sessions = await idleSessions(9);
    sessions[0]!.close();
    sessions[1]!.close();
    await new Promise((r) => setTimeout(r, PRESSURE_MS * 2.5));
    for (const c of sessions.slice(2)) await expect(c.reply(10)).rejects.toThrow(/no SMTP reply/);
  });
});

describe('decideIdleTimeout', () => {
  const times = { idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS, pressureIdleTimeoutMs: DEFAULT_PRESSURE_IDLE_TIMEOUT_MS };
  it.each([
    [0, 500, 300_000],
    [400, 500, 300_000],
    [401, 500, 10_000],
    [500, 500, 10_000],
    [8, 10, 300_000],
    [9, 10, 10_000],
    [1, 1, 10_000],
  ])('%i of %i places in use → %i ms', (open, maxClients, ms) => {
    expect(decideIdleTimeout({ open, maxClients, ...times })).toBe(ms);
  });
});
