import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { diffConfig } from './diff.js';
import { parseConfigText } from './parse-config.js';
import type { Config } from './schema.js';
import { ISSUE_EXAMPLE } from './testing.js';

function config(text: string): Config {
  const r = parseConfigText(text);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

const base = config(ISSUE_EXAMPLE);
const edit = (from: string, to: string) => config(ISSUE_EXAMPLE.replace(from, to));

describe('diffConfig', () => {
  it('lists a first config as additions, settings only where not default', () => {
    expect(diffConfig(null, base)).toEqual([
      '+ domain solarmora.com',
      '+ orgUnit /Sales',
      '+ user alice@solarmora.com',
      '+ group sales-team@solarmora.com',
      '+ host crm (127.0.0.1:2526)',
      '+ defaultRouting[0] "Forward help to the CRM"',
      '~ outbound.smarthost (none) → crm',
    ]);
  });

  it('says nothing when nothing changed', () => {
    expect(diffConfig(base, config(ISSUE_EXAMPLE))).toEqual([]);
  });

  it.each([
    [
      'a rule option',
      'prependSubject: "[help] "',
      'prependSubject: "[crm] "',
      ['~ defaultRouting[0] "Forward help to the CRM": modify.prependSubject [help]  → [crm] '],
    ],
    [
      'a rule flag',
      'bypassSpamFilter: false',
      'bypassSpamFilter: true',
      ['~ defaultRouting[0] "Forward help to the CRM": modify.bypassSpamFilter false → true'],
    ],
    ['a domain', 'domains: [solarmora.com]', 'domains: [solarmora.com, solarmora.org]', ['+ domain solarmora.org']],
    ['a user status', 'status: active', 'status: suspended', ['~ user alice@solarmora.com: status active → suspended']],
    ['aliases', 'aliases: [a.smith@solarmora.com]', 'aliases: []', ['~ user alice@solarmora.com: aliases a.smith@solarmora.com → []']],
    [
      'group members',
      'members: [alice@solarmora.com, partner@elsewhere.example]',
      'members: [alice@solarmora.com]',
      ['~ group sales-team@solarmora.com: members alice@solarmora.com, partner@elsewhere.example → alice@solarmora.com'],
    ],
    ['a host port', 'port: 2526', 'port: 2600', ['~ host crm (127.0.0.1:2600): port 2526 → 2600']],
    ['a size, in its unit', 'maxMessageSize: 35MB', 'maxMessageSize: 10MB', ['~ smtp.maxMessageSize 35MB → 10MB']],
    [
      'a retention window, as a duration',
      'domains: [solarmora.com]',
      'domains: [solarmora.com]\nretention: { messages: 7d }',
      ['~ retention.messages 30d → 7d'],
    ],
    ['the postmaster', 'domains: [solarmora.com]', 'domains: [solarmora.com]\npostmaster: ops@crm.test', ['~ postmaster (none) → ops@crm.test']],
    [
      'the match',
      'single: help@solarmora.com',
      'single: helpdesk@solarmora.com',
      ['~ defaultRouting[0] "Forward help to the CRM": match.single help@solarmora.com → helpdesk@solarmora.com'],
    ],
  ])('%s', (_name, from, to, expected) => {
    expect(diffConfig(base, edit(from, to))).toEqual(expected);
  });

  it('names the rule and the option that changed', () => {
    const withCrm2 = ISSUE_EXAMPLE.replace('outbound:', '  - { name: crm2, host: 127.0.0.2 }\noutbound:');
    const before = config(withCrm2);
    const after = config(withCrm2.replace('changeRoute: crm\n', 'changeRoute: crm2\n'));
    expect(diffConfig(before, after)).toEqual(['~ defaultRouting[0] "Forward help to the CRM": modify.changeRoute crm → crm2']);
  });

  it('lists removals', () => {
    const smaller = config('domains: [solarmora.com]\n');
    expect(diffConfig(base, smaller)).toEqual([
      '- orgUnit /Sales',
      '- user alice@solarmora.com',
      '- group sales-team@solarmora.com',
      '- host crm (127.0.0.1:2526)',
      '- defaultRouting[0] "Forward help to the CRM"',
      '~ outbound.smarthost crm → (none)',
    ]);
  });

  it('reads a reordered table as moves', () => {
    const two = (a: string, b: string) =>
      config(
        `domains: [solarmora.com]\ndefaultRouting:\n  - { description: ${a}, match: { single: ${a}@solarmora.com }, action: reject }\n  - { description: ${b}, match: { single: ${b}@solarmora.com }, action: reject }\n`,
      );
    expect(diffConfig(two('one', 'two'), two('two', 'one'))).toEqual([
      '~ defaultRouting[0] "two": moved from [1]',
      '~ defaultRouting[1] "one": moved from [0]',
    ]);
  });

  it('names the ARC key set, replaced or removed, never its private key', () => {
    const pem = () =>
      generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey;
    const [one, two] = [pem(), pem()];
    const arc = (key: string, selector = 'arc1') =>
      config(`domains: [solarmora.com]\narc: { domain: solarmora.com, selector: ${selector}, privateKey: ${JSON.stringify(key)} }\n`);
    const none = config('domains: [solarmora.com]\n');
    expect(diffConfig(none, arc(one))).toEqual(['+ ARC key solarmora.com (selector arc1)']);
    expect(diffConfig(arc(one), arc(two))).toEqual(['~ ARC key solarmora.com (selector arc1) changed']);
    expect(diffConfig(arc(one), arc(one, 'arc2'))).toEqual(['+ ARC key solarmora.com (selector arc2)', '- ARC key solarmora.com (selector arc1)']);
    expect(diffConfig(arc(one), none)).toEqual(['- ARC key solarmora.com (selector arc1)']);
    expect(diffConfig(none, arc(one)).join('\n')).not.toContain(one.split('\n')[3]!);
  });

  it('never prints a secret', () => {
    const before = config('srs: { domain: solarmora.com, secret: old-secret }\n');
    const after = config('srs: { domain: solarmora.com, secret: new-secret }\n');
    expect(diffConfig(before, after)).toEqual(['~ srs.secret changed']);
    expect(diffConfig(null, after).join('\n')).not.toContain('new-secret');
  });
});
