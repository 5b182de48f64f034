/**
 * Replay's cost: ENVELOPES stored envelopes (100,000 by default, over seven days, to ADDRESSES
 * distinct recipients of a hosted domain) planned with the version in force and with a draft
 * of RULES rules (single addresses, patterns, groups, a reject), as
 * `relaydesk apply --dry-run --replay 7d` does. Prints the time to fill the store (not
 * measured) and the replay's time, which should stay under 5 s.
 *
 *   npm run bench:replay
 *   npx tsx bench/replay.ts --envelopes 200000 --addresses 5000 --rules 500
 *
 * Works on a temporary embedded store (SQLite) that it removes at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyConfigText, parseConfigText, replayDraft } from '../src/config/index.js';
import { openStore } from '../src/store/index.js';

const { values: opt } = parseArgs({
  options: {
    envelopes: { type: 'string', default: '100000' },
    addresses: { type: 'string', default: '2000' },
    rules: { type: 'string', default: '200' },
  },
});
const ENVELOPES = Number(opt.envelopes);
const ADDRESSES = Number(opt.addresses);
const RULES = Number(opt.rules);
for (const [name, v] of Object.entries({ ENVELOPES, ADDRESSES, RULES })) {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive whole number`);
}
const DAY = 86_400_000;

function config(draft: boolean): string {
  const rules: string[] = [];
  for (let i = 0; i < RULES; i++) {
    const kind = i % 4;
    const route = draft && i % 3 === 0 ? 'crm2' : 'crm';
    if (kind === 0)
      rules.push(
        `  - { description: single ${i}, match: { single: a${i}@solarmora.com }, modify: { changeEnvelopeRecipient: { replaceRecipient: t${i}@crm.test }, changeRoute: ${route} } }`,
      );
    else if (kind === 1)
      rules.push(
        `  - { description: pattern ${i}, match: { pattern: 'a${i}[0-9]*@solarmora\\.com' }, modify: { addRecipients: [{ address: copy${i}@crm.test }] } }`,
      );
    else if (kind === 2) rules.push(`  - { description: group ${i}, match: { group: team@solarmora.com }, modify: { customHeaders: { X-Rule: r${i} } } }`);
    else rules.push(`  - { description: prefix ${i}, match: { single: a${i}@solarmora.com }, modify: { prependSubject: '[${i}] ' } }`);
  }
  if (draft) rules.push(`  - { description: no a7, match: { pattern: 'a7.*@solarmora\\.com' }, action: reject }`);
  return `domains: [solarmora.com]
users:
  - address: u1@solarmora.com
groups:
  - { address: team@solarmora.com, members: [a1@solarmora.com, a2@solarmora.com, u1@solarmora.com] }
hosts:
  - { name: crm, host: 127.0.0.1, port: 2526, tls: none }
  - { name: crm2, host: 127.0.0.1, port: 2527, tls: none }
defaultRouting:
${rules.join('\n')}
`;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-replay-'));
const store = await openStore({ dataDir: dir });
try {
  const now = Date.now();
  await applyConfigText(store.db, config(false), { appliedBy: 'bench', now });
  const fillStart = performance.now();
  const BATCH = 500;
  for (let start = 0; start < ENVELOPES; start += BATCH) {
    const n = Math.min(BATCH, ENVELOPES - start);
    const messages = Array.from({ length: n }, (_, k) => {
      const i = start + k;
      return {
        queue_id: `Q${String(i).padStart(8, '0')}`,
        message_id: null,
        mail_from: `s${i % 97}@example.net`,
        helo: 'h',
        client_ip: '127.0.0.1',
        size: 1000,
        subject: null,
        header_from: null,
        received_at: now - 7 * DAY + Math.floor((i / ENVELOPES) * 7 * DAY),
        config_version: 1,
        spam: i % 20 === 0 ? 1 : 0,
        spam_score: 0,
        spam_reasons: '[]',
        auth_results: '{}',
        body_purged_at: null,
        delivery_summary: null,
      };
    });
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('messages').values(messages).execute();
      await trx
        .insertInto('deliveries')
        .values(
          messages.map((m, k) => ({
            queue_id: m.queue_id,
            recipient: `a${(start + k) % ADDRESSES}@solarmora.com`,
            original_recipient: `a${(start + k) % ADDRESSES}@solarmora.com`,
            transport: 'smtp',
            route: null,
            require_tls: 0,
            suppress_bounces: 0,
            spam_flag: 0,
            transform: '{}',
            rules: '[]',
            status: 'delivered' as const,
            hold_reason: null,
            attempts: 1,
            next_attempt_at: m.received_at,
            lease_until: null,
            lease_owner: null,
            last_reply: null,
            created_at: m.received_at,
            updated_at: m.received_at,
          })),
        )
        .execute();
    });
  }
  process.stdout.write(`stored ${ENVELOPES} envelopes to ${ADDRESSES} addresses in ${((performance.now() - fillStart) / 1000).toFixed(1)} s (not measured)\n`);

  const parsed = parseConfigText(config(true));
  if (!parsed.ok) throw new Error(`the draft does not parse: ${JSON.stringify(parsed.problems.slice(0, 3))}`);
  const t0 = performance.now();
  const report = await replayDraft(store.db, parsed.config, { since: now - 7 * DAY, until: now + 1 });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `replay: ${report.messages} envelopes, ${RULES + 1} draft rules, ${report.changes.length} changed destinations, ${report.rejected.messages} now rejected, in ${seconds.toFixed(2)} s (${Math.round(report.messages / seconds)} envelopes/s; goal: under 5 s)\n`,
  );
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
