import { describe, expect, it } from 'vitest';
import { checkMessage } from './check-message.js';

const env = { mailFrom: 'a@example.net', clientIp: '192.0.2.1', helo: 'client.example', mtaHostname: 'gw.test' };
const noLookups = async (name: string) => {
  throw new Error(`no lookup may happen (asked for ${name})`);
};

describe('checkMessage without authentication (--no-dns)', () => {
  it('looks nothing up, says so, and still scores the local checks', async () => {
    const gtube = Buffer.from('From: a@example.net\r\nSubject: hi\r\n\r\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n');
    const r = await checkMessage(gtube, env, { resolver: noLookups, policy: { allowSenders: [], denySenders: [] }, authenticate: false });
    expect(r.verdict.spam).toBe(true);
    expect(r.verdict.reasons).toContain('gtube');
    expect(r.authenticationResultsHeader).toMatch(/^Authentication-Results: gw\.test;/);
    expect(JSON.stringify(r.authResults)).toContain('authentication checks are off');
  });
});
