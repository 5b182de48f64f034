import { describe, expect, it } from 'vitest';
import { checkTemplates, parseTemplate, PLACEHOLDERS } from './mail-templates.js';
import { parseConfigText } from './parse-config.js';
import { renderConfigYaml } from './render-config.js';

const ack = PLACEHOLDERS.acknowledgement;

describe('parseTemplate', () => {
  it('splits text and fields, spaces inside the braces allowed, single braces are text', () => {
    const p = parseTemplate('Case {{case.number}}: { {{ customer.name }} }', ack);
    expect(p).toEqual({ ok: true, parts: [{ text: 'Case ' }, { field: 'case.number' }, { text: ': { ' }, { field: 'customer.name' }, { text: ' }' }] });
  });
  it.each([
    ['Case {{case.numbr}}', '"{{case.numbr}}" is not a placeholder here; use one of {{case.number}}'],
    ['Case {{case.number}', '"{{" at character 6 has no closing "}}"'],
    ['Case {{case.number {{x}}', '"{{" at character 6 has no closing "}}"'],
    ['Case case.number}}', '"}}" at character 17 closes no "{{"'],
    ['{{}}', '"{{}}" is not a placeholder here'],
    ['{{check.code}}', '"{{check.code}}" is not a placeholder here'],
  ])('%j is refused with the fix', (template, message) => {
    const p = parseTemplate(template, ack);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.message).toContain(message);
  });
});

describe('checkTemplates', () => {
  const base = 'desk.channels[0].templates';
  it('names each problem at its path', () => {
    expect(
      checkTemplates(base, {
        acknowledgement: { subject: 'Thanks {{customer.nam}}', body: 'fine {{case.number}}' },
        forwardingCheck: { subject: 'two\nlines', body: 'no code' },
      }),
    ).toEqual([
      {
        path: `${base}.acknowledgement.subject`,
        code: 'template-unknown-placeholder',
        params: expect.objectContaining({ value: '{{customer.nam}}' }),
        message: expect.stringContaining('"{{customer.nam}}" is not a placeholder'),
      },
      { path: `${base}.forwardingCheck.subject`, code: 'line-breaks', params: {}, message: 'a subject is one line; remove the line breaks' },
      {
        path: `${base}.forwardingCheck`,
        code: 'template-missing-placeholder',
        params: { name: '{{check.code}}' },
        message: expect.stringContaining('add {{check.code}} to one of them'),
      },
    ]);
  });
  it('a part left out takes the default, which has what is required', () => {
    expect(checkTemplates(base, { forwardingCheck: { subject: 'Check of {{channel.name}}' } })).toEqual([]);
    expect(checkTemplates(base, undefined)).toEqual([]);
  });
});

describe('language and templates in the file', () => {
  const yaml = (channel: string) => `domains: [solarmora.com]\ndesk:\n  domain: case.solarmora.com\n  channels:\n${channel}`;
  it('language defaults to en, is kept as written, and round-trips with the templates', () => {
    const plain = parseConfigText(yaml('    - { name: Support, kind: support }\n'));
    expect(plain.ok && plain.config.desk?.channels[0]?.language).toBe('en');
    const text = yaml(
      [
        '    - name: Support',
        '      kind: support',
        '      language: ja',
        '      templates:',
        '        acknowledgement:',
        '          subject: "受付 {{case.number}}"',
        '          body: "{{customer.name}} 様\\nありがとうございます。\\n"',
        '',
      ].join('\n'),
    );
    const parsed = parseConfigText(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.desk?.channels[0]).toMatchObject({ language: 'ja', templates: { acknowledgement: { subject: '受付 {{case.number}}' } } });
    const again = parseConfigText(renderConfigYaml(parsed.config));
    expect(again.ok && again.config).toEqual(parsed.config);
  });
  it('an unknown language or placeholder is a problem with its path', () => {
    const bad = parseConfigText(yaml('    - { name: Support, kind: support, language: fr, templates: { acknowledgement: { body: "{{case.id}}" } } }\n'));
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map((p) => p.path)).toContain('desk.channels[0].language');
    const unknown = parseConfigText(yaml('    - { name: Support, kind: support, templates: { acknowledgement: { body: "{{case.id}}" } } }\n'));
    expect(!unknown.ok && unknown.problems.map((p) => [p.path, p.message])).toEqual([
      ['desk.channels[0].templates.acknowledgement.body', expect.stringContaining('"{{case.id}}" is not a placeholder here')],
    ]);
  });
});
