/**
 * Bad input of any kind — a wrong flag, a missing file, a store that cannot be opened —
 * gets one clear sentence and its own exit status (1 refused, 2 usage, 3 store, 4 not
 * found), never a stack trace, never a password, and leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliStore, describeRun, parseJson, relaydesk, type CliResult, type CliStore } from './cli-helpers.js';

const CONFIG = 'domains: [solarmora.com]\n';
const SECRET = 's3cret-Pa55word';
const DEAD_PG = `postgres://admin:${SECRET}@127.0.0.1:1/nope`;

function expectNoStack(r: CliResult): void {
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.stderr).not.toContain('unexpected error');
}

describe('CLI errors', { timeout: 120_000 }, () => {
  let store: CliStore;
  let config: string;
  beforeAll(async () => {
    store = await cliStore('sqlite');
    config = await store.file('relaydesk.yaml', CONFIG);
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  it('usage errors exit 2 with a clear message, and a JSON one under --json', async () => {
    const [noFile, bogus, bogusJson, typo, noId, badLimit, noArg, help] = await Promise.all([
      relaydesk(['apply', ...store.args]),
      relaydesk(['trace', '--bogus']),
      relaydesk(['trace', '--bogus', '--json']),
      relaydesk(['trac', 'X']),
      relaydesk(['trace', ...store.args]),
      relaydesk(['queue', 'list', '--limit', 'many', ...store.args]),
      relaydesk(['quarantine', 'release']),
      relaydesk(['--help']),
    ]);
    expect(noFile.code, describeRun(noFile)).toBe(2);
    expect(noFile.stderr).toContain("required option '-f, --file <file>' not specified");
    expect(bogus.code, describeRun(bogus)).toBe(2);
    expect(bogus.stderr).toContain("unknown option '--bogus'");
    expect(bogus.stderr).toContain('relaydesk trace --help');
    expect(bogusJson.code, describeRun(bogusJson)).toBe(2);
    expect(parseJson(bogusJson)).toEqual({ error: "unknown option '--bogus'", code: 'BAD_INPUT', details: [] });
    expect(typo.code, describeRun(typo)).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'trac'[\s\S]*Did you mean trace\?/);
    expect(noId.code, describeRun(noId)).toBe(2);
    expect(noId.stderr).toContain('give a queue id or --message-id');
    expect(badLimit.code, describeRun(badLimit)).toBe(2);
    expect(badLimit.stderr).toContain('--limit must be a positive whole number, not "many"');
    expect(noArg.code, describeRun(noArg)).toBe(2);
    expect(noArg.stderr).toContain("missing required argument 'id'");
    expect(help.code, describeRun(help)).toBe(0);
    expect(help.stdout).toMatch(/Commands:[\s\S]*apply[\s\S]*trace/);
    for (const r of [noFile, bogus, typo, noId, badLimit, noArg]) expectNoStack(r);
  });

  it('a file that cannot be read is refused (exit 1) and nothing is applied', async () => {
    const missing = path.join(store.scratch, 'no-such.yaml');
    const [r, j, dir] = await Promise.all([
      relaydesk(['apply', '-f', missing, ...store.args]),
      relaydesk(['apply', '-f', missing, '--json', ...store.args]),
      relaydesk(['apply', '-f', store.scratch, ...store.args]),
    ]);
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.stderr).toBe(`relaydesk: cannot read ${missing}: no such file\n`);
    expect(j.code, describeRun(j)).toBe(1);
    expect(parseJson(j)).toMatchObject({ error: `cannot read ${missing}: no such file`, code: 'BAD_INPUT' });
    expect(dir.code, describeRun(dir)).toBe(1);
    expect(dir.stderr).toContain(`cannot read ${store.scratch}`);
    // Nothing was read, so no store was created either.
    expect(existsSync(path.join(store.scratch, 'data'))).toBe(false);
  });

  it('a --data under a regular file, or a missing one for reading, is a store error (exit 3) that names the place', async () => {
    const plainFile = path.join(store.scratch, 'plain-file');
    await writeFile(plainFile, 'not a directory');
    const impossible = path.join(plainFile, 'data');
    const missing = path.join(store.scratch, 'mistyped-data-dir');
    const [apply, applyJson, list, trace, exported] = await Promise.all([
      relaydesk(['apply', '-f', config, '--data', impossible]),
      relaydesk(['apply', '-f', config, '--data', impossible, '--json']),
      relaydesk(['quarantine', 'list', '--data', impossible]),
      relaydesk(['trace', 'SOMEID', '--data', missing]),
      relaydesk(['export', '--data', missing]),
    ]);
    expect(apply.code, describeRun(apply)).toBe(3);
    expect(apply.stderr).toMatch(
      new RegExp(`cannot open the data directory ${impossible.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOTDIR.*writable, or pass --data DIR`),
    );
    expect(applyJson.code, describeRun(applyJson)).toBe(3);
    expect(parseJson(applyJson)).toMatchObject({ code: 'STORE_UNAVAILABLE', error: expect.stringContaining('cannot open the data directory') });
    for (const r of [list, trace, exported]) {
      expect(r.code, describeRun(r)).toBe(3);
      expect(r.stderr).toMatch(/no Relaydesk store in .* \(it has no relaydesk\.sqlite\); pass the --data DIR the server runs with/);
      expectNoStack(r);
    }
    // A read does not leave an empty store behind at a mistyped path.
    expect(existsSync(missing)).toBe(false);
  });

  it('an unreachable PostgreSQL is a store error (exit 3) without the password', async () => {
    const runs = await Promise.all([
      relaydesk(['apply', '-f', config, '--database', DEAD_PG]),
      relaydesk(['export', '--database', DEAD_PG]),
      relaydesk(['export', '--json', '--database', DEAD_PG]),
      relaydesk(['trace', 'SOMEID', '--database', DEAD_PG]),
      relaydesk(['quarantine', 'list', '--json', '--database', DEAD_PG]),
    ]);
    for (const r of runs) {
      expect(r.code, describeRun(r)).toBe(3);
      expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
      expect(`${r.stdout}${r.stderr}`).toContain('127.0.0.1:1');
      expect(`${r.stdout}${r.stderr}`).toMatch(/ECONNREFUSED/);
      expectNoStack(r);
    }
    expect(parseJson(runs[2]!)).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('an id that does not exist is "not found" (exit 4) for release, delete and trace', async () => {
    const setup = await relaydesk(['apply', '-f', config, ...store.args]);
    expect(setup.code, describeRun(setup)).toBe(0);
    const [release, del, releaseJson, trace, traceMid] = await Promise.all([
      relaydesk(['quarantine', 'release', 'NOSUCHID', ...store.args]),
      relaydesk(['quarantine', 'delete', 'NOSUCHID', ...store.args]),
      relaydesk(['quarantine', 'release', 'NOSUCHID', '--json', ...store.args]),
      relaydesk(['trace', 'NOSUCHID', ...store.args]),
      relaydesk(['trace', '--message-id', '<nope@example.net>', '--json', ...store.args]),
    ]);
    for (const r of [release, del]) {
      expect(r.code, describeRun(r)).toBe(4);
      expect(r.stderr).toBe('relaydesk: no quarantined message with id NOSUCHID; see `relaydesk quarantine list`\n');
    }
    expect(releaseJson.code, describeRun(releaseJson)).toBe(4);
    expect(parseJson(releaseJson)).toMatchObject({ code: 'NOT_FOUND', error: expect.stringContaining('NOSUCHID') });
    expect(trace.code, describeRun(trace)).toBe(4);
    expect(trace.stderr).toBe('relaydesk: no message with queue id NOSUCHID\n');
    expect(traceMid.code, describeRun(traceMid)).toBe(4);
    expect(parseJson(traceMid)).toMatchObject({ code: 'NOT_FOUND', error: 'no message with Message-ID <nope@example.net>' });
  });
});
