/**
 * A stored configuration that a newer release no longer accepts (here a lookahead pattern,
 * which RE2 refuses) must not turn into 550s for every recipient after an upgrade: with no
 * rules loaded the node answers 451 and says why in /healthz, until a valid one is applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveConfigVersion } from '../../src/store/index.js';
import { rawSmtp } from '../support/smtp-raw.js';
import { eventually, startTestNode, type TestNode } from '../support/relaydesk.js';

const valid = `
domains: [solarmora.com]
users: [{ address: alice@solarmora.com }]
`;
const fromAnOlderRelease = `${valid}defaultRouting:
  - description: help but not helpdesk
    match: { pattern: "help(?!desk)@solarmora\\\\.com" }
    action: reject
`;

describe('a stored configuration that no longer validates', () => {
  let gw: TestNode;
  beforeAll(async () => {
    gw = await startTestNode({ dialect: 'sqlite', roles: ['inbound', 'queue', 'web'] });
    // Stored as an older release would have stored it, past today's checks.
    await saveConfigVersion(gw.store.db, { basedOn: 0, yaml: fromAnOlderRelease, appliedBy: 'test', summary: 'old', now: Date.now() });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('answers 451 4.3.5 rather than 550, says why in /healthz, and takes mail once a valid one is applied', async () => {
    const c = await rawSmtp(gw.smtpPort);
    try {
      await c.reply();
      await c.command('EHLO client.example');
      expect(await c.command('MAIL FROM:<a@example.net>')).toMatch(/^451 4\.3\.5 /);
    } finally {
      c.close();
    }
    const h = await fetch(`http://127.0.0.1:${gw.node.httpPort}/healthz`);
    expect(h.status).toBe(503);
    expect(((await h.json()) as { error: string }).error).toMatch(/version 1\) does not validate.*defaultRouting\[0\]\.match\.pattern/);

    await gw.apply(valid);
    await eventually(
      async () => {
        const s = await rawSmtp(gw.smtpPort);
        try {
          await s.reply();
          await s.command('EHLO client.example');
          await s.command('MAIL FROM:<a@example.net>');
          return /^250/.test(await s.command('RCPT TO:<alice@solarmora.com>'));
        } finally {
          s.close();
        }
      },
      5_000,
      'the valid configuration in force',
    );
    expect((await fetch(`http://127.0.0.1:${gw.node.httpPort}/healthz`)).status).toBe(200);
  });
});
