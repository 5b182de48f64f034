/**
 * `relaydesk apply` and `relaydesk export` as an admin runs them: a broken file is refused
 * with every problem and its place, and changes nothing; a good one prints its changes,
 * its warnings and the new version; the export applies back unchanged. On both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/relaydesk.js';
import { cliStore, describeRun, lineOf, parseJson, relaydesk, type CliStore } from './cli-helpers.js';

const GOOD = `domains: [solarmora.com]
orgUnits: [/, /Sales]
users:
  - address: alice@solarmora.com
    orgUnit: /Sales
    aliases: [a.smith@solarmora.com]
groups:
  - address: sales-team@solarmora.com
    members: [alice@solarmora.com, partner@elsewhere.example]
hosts:
  - name: crm
    host: 127.0.0.1
    port: 2526
    tls: none
    domains: [crm.test]
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
      changeRoute: crm
      addRecipients:
        - address: sales-team@solarmora.com
      customHeaders: { X-Relaydesk-Rule: help }
  - description: Help to the old CRM
    match: { single: HELP@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: old@crm.test }
  - description: Copy Alice's alias
    match: { single: a.smith@solarmora.com }
    modify:
      addRecipients:
        - address: archive@crm.test
smtp:
  maxMessageSize: 10MB
`;

/** Four problems of different kinds, each on its own line. */
const BROKEN = `domains: [solarmora.com]
hosts:
  - name: crm
    host: 127.0.0.1
    port: 2526
    tls: none
smtp:
  maxRecipients: lots
defaultRouting:
  - description: Forward help to the CRM
    match: { single: help@solarmora.com }
    modify:
      changeEnvelopeRecipient: { replaceRecipient: support@crm.test }
  - description: Broken pattern
    match: { pattern: "^(" }
    modify:
      changeRoute: nowhere
  - description: Unknown field
    match: { all: true }
    colour: blue
`;

interface Problem {
  path: string;
  message: string;
  severity: 'error' | 'warning';
  line?: number;
  column?: number;
  text: string;
}

interface ApplyJson {
  version: number;
  previousVersion: number;
  changes: string[];
  warnings: Problem[];
  applied: boolean;
}

// Each run starts node and tsx (1-2 s, more on a busy machine): generous limits.
describe.each(DIALECTS)('apply and export on %s', { timeout: 120_000 }, (dialect) => {
  let store: CliStore;
  const run = (...args: string[]) => relaydesk([...args, ...store.args]);
  const exported = async () => {
    const r = await run('export', '--json');
    expect(r.code, describeRun(r)).toBe(0);
    return parseJson<{ version: number; yaml: string }>(r);
  };

  beforeAll(async () => {
    store = await cliStore(dialect);
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  it('applies a good file: prints each change, the warnings and the new version; --dry-run first changes nothing', async () => {
    const file = await store.file('good.yaml', GOOD);

    const dry = await run('apply', '-f', file, '--dry-run');
    expect(dry.code, describeRun(dry)).toBe(0);
    expect(dry.stdout).toContain('+ domain solarmora.com');
    expect(dry.stdout).toContain('+ defaultRouting[0] "Forward help to the CRM"');
    expect(dry.stdout).toMatch(/dry run: nothing applied \(version 0 stays in force\)/);
    expect((await exported()).version).toBe(0);

    const r = await run('apply', '-f', file);
    expect(r.code, describeRun(r)).toBe(0);
    for (const change of [
      '+ domain solarmora.com',
      '+ user alice@solarmora.com',
      '+ host crm (127.0.0.1:2526)',
      '+ defaultRouting[0] "Forward help to the CRM"',
      '+ defaultRouting[1] "Help to the old CRM"',
      '+ defaultRouting[2] "Copy Alice\'s alias"',
    ]) {
      expect(r.stdout).toContain(change);
    }
    expect(r.stdout).toContain('applied: configuration version 1 (was 0)');
    // A `single` match on a real account's address: the warning names the user that holds it.
    expect(r.stdout).toMatch(
      /^warning: defaultRouting\[2\]\.match\.single: "a\.smith@solarmora\.com" is an alias of user alice@solarmora\.com.*\(line \d+\)$/m,
    );
    // Two rules change the same recipient: the second is named, with the first.
    expect(r.stdout).toMatch(
      /^warning: defaultRouting\[1\]\.modify\.changeEnvelopeRecipient: rule "Help to the old CRM" and rule 0 "Forward help to the CRM" both change the recipient of help@solarmora\.com/m,
    );
    expect(r.stderr).toBe('');
    expect((await exported()).version).toBe(1);
  });

  it('says "no changes" when the same file is applied again, and keeps the version', async () => {
    const file = await store.file('good.yaml', GOOD);
    const [r, j] = await Promise.all([run('apply', '-f', file), run('apply', '-f', file, '--json')]);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.stdout).toContain('no changes; configuration version 1 stays in force');
    expect(j.code, describeRun(j)).toBe(0);
    const body = parseJson<ApplyJson>(j);
    expect(body).toMatchObject({ version: 1, previousVersion: 1, changes: [], applied: false });
    expect(body.warnings.map((w) => [w.severity, w.path])).toEqual([
      ['warning', 'defaultRouting[1].modify.changeEnvelopeRecipient'],
      ['warning', 'defaultRouting[2].match.single'],
    ]);
    expect(body.warnings[1]).toMatchObject({ line: lineOf(GOOD, 'match: { single: a.smith@'), message: expect.stringContaining('alice@solarmora.com') });
  });

  it('exports YAML that apply accepts unchanged; --json gives the version and the text', async () => {
    const [text, j] = await Promise.all([run('export'), exported()]);
    expect(text.code, describeRun(text)).toBe(0);
    expect(text.stdout).toContain('help@solarmora.com');
    expect(j).toMatchObject({ version: 1, yaml: text.stdout });
    const [again, piped] = await Promise.all([
      run('apply', '-f', await store.file('exported.yaml', text.stdout)),
      // Also through standard input, as in `relaydesk export | relaydesk apply -f -`.
      relaydesk(['apply', '-f', '-', ...store.args], { input: text.stdout }),
    ]);
    expect(again.code, describeRun(again)).toBe(0);
    expect(again.stdout).toContain('no changes; configuration version 1 stays in force');
    expect(piped.code, describeRun(piped)).toBe(0);
    expect(piped.stdout).toContain('no changes');
  });

  it('refuses a broken file: every problem with its path and line, "nothing was changed", export unchanged', async () => {
    const before = await exported();
    const file = await store.file('broken.yaml', BROKEN);
    const [r, j] = await Promise.all([run('apply', '-f', file), run('apply', '-f', file, '--json')]);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}: the configuration has 4 problems; nothing was changed`);
    const expected: [string, RegExp, string][] = [
      ['smtp.maxRecipients', /expected a number, found string "lots"/, 'maxRecipients: lots'],
      ['defaultRouting[1].match.pattern', /"\^\(" is not a valid regular expression/, 'pattern: "^("'],
      ['defaultRouting[1].modify.changeRoute', /no host is named "nowhere"; define it under hosts or use one of: crm/, 'changeRoute: nowhere'],
      ['defaultRouting[2].colour', /unknown field/, 'colour: blue'],
    ];
    for (const [path, message, needle] of expected) {
      const line = r.stderr.split('\n').find((l) => l.trim().startsWith(`${path}:`));
      expect(line, `${path} in:\n${r.stderr}`).toBeDefined();
      expect(line).toMatch(message);
      expect(line).toContain(`(line ${lineOf(BROKEN, needle)})`);
    }

    expect(j.code, describeRun(j)).toBe(1);
    const body = parseJson<{ error: string; code: string; problems: Problem[] }>(j);
    expect(body.code).toBe('CONFIG_INVALID');
    expect(body.error).toMatch(/4 problems; nothing was changed/);
    expect(body.problems.map((p) => ({ path: p.path, line: p.line, severity: p.severity }))).toEqual(
      expected.map(([path, , needle]) => ({ path, line: lineOf(BROKEN, needle), severity: 'error' })),
    );
    for (const p of body.problems) {
      expect(typeof p.column).toBe('number');
      expect(p.text).toContain(p.path);
    }
    expect(await exported()).toEqual(before);
  });

  it('explains a pattern construct RE2 lacks at its path and line, with --dry-run too', async () => {
    const text = 'domains: [solarmora.com]\ndefaultRouting:\n  - description: Twice the same letter\n    match: { pattern: "(a)\\\\1@solarmora\\\\.com" }\n';
    const file = await store.file('backreference.yaml', text);
    for (const dryRun of [true, false]) {
      const x = await run('apply', '-f', file, ...(dryRun ? ['--dry-run'] : []));
      expect(x.code, describeRun(x)).toBe(1);
      const line = x.stderr.split('\n').find((l) => l.trim().startsWith('defaultRouting[0].match.pattern:'));
      expect(line, x.stderr).toContain(
        '"(a)\\1@solarmora\\.com" uses a backreference (\\1), which RE2 patterns do not support; RE2 cannot match text captured earlier',
      );
      expect(line).toContain(`(line ${lineOf(text, 'pattern:')})`);
    }
  });

  it('refuses a YAML syntax error with its line, and an empty file, changing nothing', async () => {
    const before = await exported();
    const syntax = await store.file('syntax.yaml', 'domains: [solarmora.com\nusers: []\n');
    const empty = await store.file('empty.yaml', '');
    const comment = await store.file('comment.yaml', '# only a comment\n');
    const [r, j, ...emptyRuns] = await Promise.all([
      run('apply', '-f', syntax),
      run('apply', '-f', syntax, '--json'),
      run('apply', '-f', empty),
      run('apply', '-f', comment),
    ]);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toMatch(/the configuration has 1 problem; nothing was changed/);
    expect(r.stderr).toMatch(/\(YAML syntax\); fix the file there \(line 2\)/);
    expect(j.code, describeRun(j)).toBe(1);
    expect(parseJson<{ problems: Problem[] }>(j).problems).toEqual([expect.objectContaining({ path: '', severity: 'error', line: 2 })]);
    // An empty file would otherwise apply as "remove everything".
    for (const e of emptyRuns) {
      expect(e.code, describeRun(e)).toBe(1);
      expect(e.stderr).toMatch(/the file is empty .*write `\{\}` if that is what you mean/);
    }
    expect(await exported()).toEqual(before);
  });

  it('applies a change and prints it with the new version', async () => {
    const changed = GOOD.replace('maxMessageSize: 10MB', 'maxMessageSize: 20MB').replace(
      / {2}- description: Help to the old CRM[\s\S]*?old@crm\.test \}\n/,
      '',
    );
    const r = await run('apply', '-f', await store.file('changed.yaml', changed), '--json');
    expect(r.code, describeRun(r)).toBe(0);
    const body = parseJson<ApplyJson>(r);
    expect(body).toMatchObject({ version: 2, previousVersion: 1, applied: true });
    expect(body.changes.length).toBeGreaterThanOrEqual(2);
    expect(body.changes.join('\n')).toMatch(/maxMessageSize/);
    expect(body.changes.join('\n')).toMatch(/Help to the old CRM/);
    expect(body.warnings.map((w) => w.path)).toEqual(['defaultRouting[1].match.single']);
    expect((await exported()).version).toBe(2);
  });
});
