/**
 * `relaydesk route explain` as an admin runs it: against the configuration in force (on both
 * stores) and against a draft file, in words and as JSON; and the rule lint's warnings, each
 * at its place, from `apply --dry-run`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentOf, openStore, StoreWriter, type ReceivedRecord } from '../../src/store/index.js';
import { DIALECTS } from '../support/relaydesk.js';
import { cliStore, describeRun, lineOf, parseJson, relaydesk, type CliStore } from './cli-helpers.js';

const IN_FORCE = `domains: [solarmora.com]
users:
  - address: alice@solarmora.com
hosts:
  - name: crm
    host: 127.0.0.1
    port: 2526
    tls: none
defaultRouting:
  - description: Help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
      changeRoute: crm
      addRecipients:
        - address: alice@solarmora.com
  - description: No sales mail
    match: { pattern: "^sales@.*" }
    action: reject
    rejectText: Write to help@solarmora.com
  - description: Old rule
    enabled: false
    match: { all: true }
    action: reject
spam:
  denySenders: ["@spam.example"]
`;

/** The draft: the first rule now rejects help@ too. */
const DRAFT = IN_FORCE.replace('pattern: "^sales@.*"', 'pattern: "^(sales|help)@.*"');

interface ExplainJson {
  version: number;
  recipient: string;
  rules: { index: number; outcome: { kind: string; by?: number }; text: string }[];
  decision: { kind: string; reply?: string; targets?: { recipient: string; route: string | null; spam: string }[] };
  sender: { list: string | null } | null;
}

describe.each(DIALECTS)('route explain on %s', { timeout: 120_000 }, (dialect) => {
  let store: CliStore;
  const run = (...args: string[]) => relaydesk([...args, ...store.args]);

  beforeAll(async () => {
    store = await cliStore(dialect);
    const r = await run('apply', '-f', await store.file('in-force.yaml', IN_FORCE));
    expect(r.code, describeRun(r)).toBe(0);
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  it('explains an address under the configuration in force: each rule, then the plan', async () => {
    const [text, json] = await Promise.all([
      run('route', 'explain', 'Help@solarmora.com', '--from', 'bot@spam.example'),
      run('route', 'explain', 'help@solarmora.com', '--json'),
    ]);
    expect(text.code, describeRun(text)).toBe(0);
    expect(text.stdout.split('\n')).toEqual([
      'help@solarmora.com (not recognized)',
      '  rule 0 "Help to the CRM": applied',
      '  rule 1 "No sales mail": no match: help@solarmora.com does not match the pattern ^sales@.*',
      '  rule 2 "Old rule": skipped: the rule is disabled (enabled: false)',
      'plan: accept',
      '  → support@crm.test by SMTP through host crm; held if spam',
      '  → alice@solarmora.com (added copy) to its mailbox; held if spam',
      'sender: bot@spam.example is on spam.denySenders, so its mail is spam: the copies marked "held if spam" are held',
      '',
    ]);
    expect(json.code, describeRun(json)).toBe(0);
    const body = parseJson<ExplainJson>(json);
    expect(body).toMatchObject({ version: 1, recipient: 'help@solarmora.com', sender: null });
    expect(body.rules.map((r) => r.outcome.kind)).toEqual(['applied', 'no-match', 'disabled']);
    expect(body.decision.targets).toEqual([
      { recipient: 'support@crm.test', transport: 'smtp', route: 'crm', role: 'primary', spam: 'held' },
      { recipient: 'alice@solarmora.com', transport: 'mailbox', route: null, role: 'added', spam: 'held' },
    ]);
  });

  it('explains with a draft file (--file) without applying it', async () => {
    const r = await run('route', 'explain', 'help@solarmora.com', '--file', await store.file('draft.yaml', DRAFT), '--json');
    expect(r.code, describeRun(r)).toBe(0);
    const body = parseJson<ExplainJson>(r);
    expect(body.version).toBe(0);
    expect(body.rules.map((x) => x.outcome)).toEqual([{ kind: 'rejected', by: 1 }, { kind: 'applied' }, { kind: 'disabled' }]);
    expect(body.decision).toMatchObject({ kind: 'reject', reply: '550 5.7.1 Write to help@solarmora.com' });
    // The configuration in force is unchanged.
    const again = parseJson<ExplainJson>(await run('route', 'explain', 'help@solarmora.com', '--json'));
    expect(again.decision.kind).toBe('accept');
  });

  it('refuses a draft with errors, listing them', async () => {
    const r = await run(
      'route',
      'explain',
      'help@solarmora.com',
      '--file',
      await store.file('bad.yaml', 'domains: [solarmora.com]\nsmtp: { maxRecipients: lots }\n'),
    );
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toContain('the configuration has problems');
    expect(r.stderr).toContain('smtp.maxRecipients');
  });

  it('apply --dry-run shows the lint warnings with their places, and applies nothing', async () => {
    const shadowed = IN_FORCE.replace(
      'spam:',
      `  - description: Copy sales
    match: { single: sales@solarmora.com }
    modify:
      addRecipients: [{ address: alice@solarmora.com }]
spam:`,
    );
    const file = await store.file('shadowed.yaml', shadowed);
    const [r, j] = await Promise.all([run('apply', '--dry-run', '-f', file), run('apply', '--dry-run', '-f', file, '--json')]);
    expect(r.code, describeRun(r)).toBe(0);
    const line = lineOf(shadowed, 'match: { single: sales@');
    expect(r.stdout).toContain(
      `warning: defaultRouting[3].match: rule 1 "No sales mail" rejects every address this rule matches (a reject rule wins wherever it stands), so this rule never applies; remove it, or narrow rule 1's match (line ${line})`,
    );
    expect(r.stdout).toContain('dry run: nothing applied (version 1 stays in force)');
    const body = parseJson<{ warnings: { path: string; line: number; severity: string }[] }>(j);
    expect(body.warnings).toContainEqual(expect.objectContaining({ path: 'defaultRouting[3].match', line, severity: 'warning' }));
  });

  it('apply --dry-run --replay plans the stored mail with the draft and the version in force', async () => {
    const handle = await openStore(store.args[0] === '--data' ? { dataDir: store.args[1] as string } : { databaseUrl: store.args[1] as string });
    try {
      const w = new StoreWriter(handle);
      const now = Date.now();
      await w.save(envelope('R1', now - 60_000, 'help@solarmora.com'));
      await w.save(envelope('R2', now - 120_000, 'help@solarmora.com'));
      await w.save(envelope('R3', now - 180_000, 'alice@solarmora.com'));
      // Older than the period: not replayed.
      await w.save(envelope('OLD', now - 3 * 86_400_000, 'help@solarmora.com'));
    } finally {
      await handle.close();
    }
    const file = await store.file('draft.yaml', DRAFT);
    const [r, j] = await Promise.all([
      run('apply', '--dry-run', '-f', file, '--replay', '1d'),
      run('apply', '--dry-run', '-f', file, '--replay', '1d', '--json'),
    ]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toContain('replay: 3 messages of the last 1d, planned with the configuration in force and with this file');
    expect(r.stdout).toContain('  rule 1 "No sales mail": would take 2 messages');
    expect(r.stdout).toMatch(
      /^ {2}help@solarmora\.com: alice@solarmora\.com by mailbox, support@crm\.test by smtp via crm → rejected \(550 5\.7\.1\): 2 messages \(e\.g\. R[12], R[12]\)$/m,
    );
    expect(r.stdout).toMatch(/^would now be rejected: 2 messages/m);
    const body = parseJson<{ replay: { messages: number; rejected: { messages: number; examples: string[] } } }>(j);
    expect(body.replay.messages).toBe(3);
    expect(body.replay.rejected.examples.sort()).toEqual(['R1', 'R2']);
    const refused = await run('apply', '-f', file, '--replay', '1d');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--replay only goes with --dry-run');
  });
});

function envelope(queueId: string, at: number, recipient: string): ReceivedRecord {
  return {
    message: {
      queueId,
      messageId: `<${queueId}@t>`,
      mailFrom: 'someone@example.net',
      helo: 'h',
      clientIp: '127.0.0.1',
      subject: null,
      headerFrom: null,
      receivedAt: at,
      configVersion: 1,
      spam: false,
      spamScore: 0,
      spamReasons: [],
      authResults: {},
    },
    content: contentOf(Buffer.from('Subject: x\r\n\r\nbody\r\n')),
    deliveries: [
      {
        recipient,
        originalRecipient: recipient,
        transport: 'mailbox',
        route: null,
        requireTls: false,
        suppressBounces: false,
        spamFlag: false,
        transform: {},
        rules: [],
        status: 'queued',
        holdReason: null,
        nextAttemptAt: at,
      },
    ],
    trace: [{ queueId, at, code: 'inbound.accepted', summary: 'accepted' }],
  };
}
