/**
 * `relaydesk desk rotate` and the routing rules that point at the channel's address: left
 * alone without --update-rules (with the rules named and the command that updates them),
 * moved to the new address in a new configuration version with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliStore, describeRun, parseJson, relaydesk, type CliStore } from './cli-helpers.js';

const desk = `domains: [solarmora.com]
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com }
`;
const withRule = (address: string) => `${desk}defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: ${address} }, addRecipients: [${address}, team@solarmora.com] }
  - description: unrelated
    match: { single: info@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: team@solarmora.com } }
`;

interface Rotated {
  address: string;
  retired: string[];
  rules: { index: number; description: string; paths: string[] }[];
  version: number | null;
  hint?: string;
}

describe.each(['sqlite', 'postgres'] as const)('relaydesk desk rotate (%s)', (dialect) => {
  let store: CliStore;
  let first: string;
  const cli = async (...args: string[]) => {
    const r = await relaydesk([...args, ...store.args]);
    expect(r.code, describeRun(r)).toBe(0);
    return r;
  };
  const exported = async () => (await cli('export')).stdout;

  beforeAll(async () => {
    store = await cliStore(dialect);
    await cli('apply', '-f', await store.file('desk.yaml', desk));
    first = parseJson<{ name: string; inboundAddress: string }[]>(await cli('desk', 'channels', '--json'))[0]!.inboundAddress;
    await cli('apply', '-f', await store.file('rules.yaml', withRule(first)));
  }, 60_000);
  afterAll(async () => store?.cleanup());

  it('without --update-rules changes no rule, and names the rules and the command that updates them', async () => {
    const before = await exported();
    const r = await cli('desk', 'rotate', 'Support');
    expect(r.stdout).toContain('these rules still point at the retired address');
    expect(r.stdout).toContain('rule 0 "help to the desk"');
    expect(r.stdout).not.toContain('unrelated');
    expect(r.stdout).toContain('run: relaydesk desk rotate Support --update-rules');
    expect(await exported()).toBe(before);
    expect(before).toContain(first);
  }, 60_000);

  it('with --update-rules points every field that named an old address at the new one, in a new version', async () => {
    const r = parseJson<Rotated>(await cli('desk', 'rotate', 'Support', '--update-rules', '--json'));
    expect(r.rules).toEqual([
      {
        index: 0,
        description: 'help to the desk',
        paths: ['defaultRouting[0].modify.changeEnvelopeRecipient.replaceRecipient', 'defaultRouting[0].modify.addRecipients[0].address'],
      },
    ]);
    expect(r.version).toBe(3);
    const yaml = await exported();
    expect(yaml).not.toContain(first);
    expect(yaml.split(r.address).length - 1).toBe(2);
    expect(yaml).toContain('team@solarmora.com');
    const channels = parseJson<{ inboundAddress: string; retiredAddresses: string[] }[]>(await cli('desk', 'channels', '--json'));
    expect(channels[0]!.inboundAddress).toBe(r.address);
    // The rules now name the current address: a dry run of the export warns of nothing.
    const check = await cli('apply', '--dry-run', '-f', await store.file('now.yaml', yaml));
    expect(check.stdout + check.stderr).not.toMatch(/retired address/);
  }, 60_000);

  it('says so when no rule names the channel, and --json carries no hint', async () => {
    await cli('apply', '-f', await store.file('plain.yaml', desk));
    const r = parseJson<Rotated>(await cli('desk', 'rotate', 'Support', '--update-rules', '--json'));
    expect(r).toMatchObject({ rules: [], version: null });
    expect(r.hint).toBeUndefined();
    expect((await cli('desk', 'rotate', 'Support')).stdout).toContain('no routing rule pointed at the old address');
    expect(parseJson(await cli('desk', 'cases', '--tests', 'only', '--json'))).toEqual([]);
    expect((await relaydesk(['desk', 'cases', '--tests', 'some', ...store.args])).code).not.toBe(0);
  }, 60_000);
});
