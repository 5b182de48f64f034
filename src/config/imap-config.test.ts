/** `desk.channels[].imap`: its fields and defaults, its problems, its round trip, and a password that no saved version, export or diff shows. */
import { describe, expect, it } from 'vitest';
import { diffConfig } from './diff.js';
import { formatProblem } from './format-problem.js';
import { planImapSecrets, storedImapSecrets } from './imap-secrets.js';
import { parseConfigText } from './parse-config.js';
import { renderConfigYaml } from './render-config.js';
import type { Config } from './schema.js';

const withImap = (imap: string) => `desk:
  domain: case.solarmora.test
  channels:
    - name: Support
      kind: support
      imap: ${imap}
`;

function parseOk(text: string): Config {
  const r = parseConfigText(text);
  if (!r.ok) throw new Error(r.problems.map((p) => formatProblem(p)).join('\n'));
  return r.config;
}

function problemsOf(text: string): string[] {
  const r = parseConfigText(text);
  return r.ok ? [] : r.problems.map((p) => formatProblem(p));
}

describe('desk.channels[].imap', () => {
  it('takes every field, with defaults for tls, folder and after', () => {
    const c = parseOk(withImap('{ host: imap.solarmora.com, user: help@solarmora.com, passwordSecret: s3cret }'));
    expect(c.desk?.channels[0]?.imap).toEqual({
      host: 'imap.solarmora.com',
      tls: true,
      user: 'help@solarmora.com',
      passwordSecret: 's3cret',
      folder: 'INBOX',
      after: 'move',
    });
    const all = parseOk(withImap('{ host: 127.0.0.1, port: 1143, tls: false, user: u, passwordSecret: p, folder: Desk, after: flag }'));
    expect(all.desk?.channels[0]?.imap).toEqual({ host: '127.0.0.1', port: 1143, tls: false, user: 'u', passwordSecret: 'p', folder: 'Desk', after: 'flag' });
  });

  it('names what is missing or wrong', () => {
    expect(problemsOf(withImap('{ user: u, passwordSecret: p }')).join('\n')).toMatch(/desk\.channels\[0\]\.imap\.host/);
    expect(problemsOf(withImap('{ host: h, user: u, passwordSecret: p, after: delete }')).join('\n')).toMatch(
      /desk\.channels\[0\]\.imap\.after: "delete" is not allowed; use one of: move, flag/,
    );
    expect(problemsOf(withImap('{ host: h, user: u }')).join('\n')).toMatch(/imap\.passwordSecret/);
    expect(problemsOf(withImap('{ host: h, user: u, passwordSecret: p, port: 70000 }')).join('\n')).toMatch(/imap\.port/);
    expect(problemsOf(withImap('{ host: h, user: u, passwordSecret: p, password: p }')).join('\n')).toMatch(/password/);
  });

  it('round-trips through the export, defaults left out', () => {
    const text = withImap('{ host: imap.solarmora.com, user: u, passwordSecret: "stored:abc", after: flag }');
    const yaml = renderConfigYaml(parseOk(text));
    expect(yaml).toContain('imap:');
    expect(yaml).not.toMatch(/folder:|tls:/);
    expect(parseOk(yaml)).toEqual(parseOk(text));
  });
});

describe('IMAP passwords', () => {
  const ids = () => {
    let n = 0;
    return () => `id${++n}`;
  };

  it('go to the store on apply; the configuration names them', () => {
    const plan = planImapSecrets(null, parseOk(withImap('{ host: h, user: u, passwordSecret: hunter2 }')), new Map(), ids());
    expect(plan.put).toEqual([{ name: 'imap-password:id1', value: 'hunter2' }]);
    expect(plan.config.desk?.channels[0]?.imap?.passwordSecret).toBe('stored:id1');
    expect(renderConfigYaml(plan.config)).not.toContain('hunter2');
    expect(plan.problems).toEqual([]);
  });

  it('keep their reference when written again unchanged, and are replaced or dropped otherwise', () => {
    const before = parseOk(withImap('{ host: h, user: u, passwordSecret: "stored:old" }'));
    const known = new Map([['imap-password:old', 'hunter2']]);
    const same = planImapSecrets(before, parseOk(withImap('{ host: h, user: u, passwordSecret: hunter2 }')), known, ids());
    expect(same.put).toEqual([]);
    expect(same.drop).toEqual([]);
    expect(diffConfig(before, same.config)).toEqual([]);

    const changed = planImapSecrets(before, parseOk(withImap('{ host: h, user: u, passwordSecret: correct-horse }')), known, ids());
    expect(changed.drop).toEqual(['imap-password:old']);
    const lines = diffConfig(before, changed.config);
    expect(lines).toEqual(['~ IMAP password of channel "Support" replaced']);

    const removed = planImapSecrets(before, parseOk('desk:\n  domain: case.solarmora.test\n  channels: [{ name: Support, kind: support }]\n'), known, ids());
    expect(removed.drop).toEqual(['imap-password:old']);
    expect(diffConfig(before, removed.config)).toContain('- IMAP password of channel "Support" removed');
    expect(storedImapSecrets(removed.config)).toEqual([]);
  });

  it('never appear in the diff, whatever else of the channel changed', () => {
    const before = parseOk(withImap('{ host: h, user: u, passwordSecret: "stored:a" }'));
    const after = parseOk(withImap('{ host: other, user: u, passwordSecret: "plain-password" }'));
    const lines = diffConfig(before, after);
    expect(lines.join('\n')).not.toContain('plain-password');
    expect(lines.join('\n')).not.toContain('stored:a');
    expect(lines).toContain('~ IMAP password of channel "Support" replaced');
    expect(lines.some((l) => l.includes('"host":"other"'))).toBe(true);
  });

  it('a reference this store does not have is a problem with its fix', () => {
    const plan = planImapSecrets(null, parseOk(withImap('{ host: h, user: u, passwordSecret: "stored:elsewhere" }')), new Map(), ids());
    expect(plan.problems).toEqual([
      expect.objectContaining({
        path: 'desk.channels[0].imap.passwordSecret',
        code: 'imap-password-unknown',
        message: expect.stringMatching(/write the mailbox's password itself/),
      }),
    ]);
  });
});
