import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkConfig } from './check-config.js';
import { formatProblem } from './format-problem.js';
import { parseConfigText } from './parse-config.js';
import { renderConfigYaml } from './render-config.js';
import { configSchema, type Config } from './schema.js';
import { ISSUE_EXAMPLE } from './testing.js';
import { toSnapshotInput } from './to-snapshot-input.js';
import { parseDuration, parseSize, renderDuration, renderSize } from './units.js';

function parseOk(text: string): Config {
  const r = parseConfigText(text);
  if (!r.ok) throw new Error(r.problems.map((p) => formatProblem(p)).join('\n'));
  return r.config;
}

function problemsOf(text: string): string[] {
  const r = parseConfigText(text);
  return r.ok ? r.warnings.map((p) => formatProblem(p)) : r.problems.map((p) => formatProblem(p));
}

describe('parseConfigText: the issue example', () => {
  it('parses with no problems', () => {
    const r = parseConfigText(ISSUE_EXAMPLE);
    expect(r.ok && r.warnings).toEqual([]);
  });
  it('keeps every field', () => {
    const c = parseOk(ISSUE_EXAMPLE);
    expect(c.defaultRouting[0]).toEqual({
      description: 'Forward help to the CRM',
      enabled: true,
      match: { single: 'help@solarmora.com' },
      action: 'modify',
      modify: {
        changeEnvelopeRecipient: { replaceRecipient: 'support@crm.test' },
        changeRoute: 'crm',
        bypassSpamFilter: false,
        addRecipients: [{ address: 'sales-team@solarmora.com', doNotDeliverSpam: true, suppressBounces: true }],
        addXOriginalToHeader: true,
        addSpamHeaders: false,
        customHeaders: { 'X-Relaydesk-Rule': 'help' },
        prependSubject: '[help] ',
        requireTls: false,
        removeAttachments: false,
      },
      recognizedAddresses: false,
    });
    expect(c.smtp).toEqual({ maxMessageSize: 36_700_160, maxRecipients: 1000, maxConnectionsPerClient: 50, connectionLimitExceptions: [] });
  });
  it('feeds the routing snapshot', () => {
    const input = toSnapshotInput(parseOk(`${ISSUE_EXAMPLE}desk: { domain: desk.solarmora.test }\n`), 4);
    expect(input.version).toBe(4);
    expect(input.smarthost).toBe('crm');
    expect(input.deskDomains).toEqual(['desk.solarmora.test']);
    expect(input.rules).toHaveLength(1);
  });
});

describe('defaults', () => {
  const empty = parseOk('');
  it.each([
    ['an empty file is a valid, empty config', empty.domains, []],
    ['orgUnits', empty.orgUnits, ['/']],
    ['smtp.maxMessageSize is 35MB', empty.smtp.maxMessageSize, 36_700_160],
    ['smtp.maxRecipients', empty.smtp.maxRecipients, 1000],
    ['spam', empty.spam, { engine: 'builtin', allowSenders: [], denySenders: [] }],
    ['queue.retry', empty.queue.retry, { firstRetry: 60_000, maxInterval: 3_600_000, giveUpAfter: 432_000_000 }],
    [
      'retention: 30d of bodies, 90d of log, 30d of quarantine, set-aside mail and traffic figures',
      empty.retention,
      { messages: 30 * 86_400_000, log: 90 * 86_400_000, quarantine: 30 * 86_400_000, deskSetAside: 30 * 86_400_000, stats: 30 * 86_400_000 },
    ],
    ['outbound: no limits of its own (pacing uses its built-in default)', empty.outbound, { limits: [] }],
    ['srs and desk are absent', [empty.srs, empty.desk], [undefined, undefined]],
  ])('%s', (_name, actual, expected) => expect(actual).toEqual(expected));

  it('fills rule, user, host and added-recipient defaults', () => {
    const c = parseOk(`domains: [solarmora.com]
users: [{ address: bob@solarmora.com }]
hosts: [{ name: crm, host: crm.example }]
defaultRouting:
  - description: d
    match: { all: true }
    modify: { addRecipients: [x@crm.test] }
`);
    expect(c.users[0]).toEqual({ address: 'bob@solarmora.com', orgUnit: '/', aliases: [], status: 'active' });
    expect(c.hosts[0]).toEqual({ name: 'crm', host: 'crm.example', port: 25, tls: 'opportunistic', domains: [] });
    const r = c.defaultRouting[0];
    expect([r?.enabled, r?.action, r?.recognizedAddresses]).toEqual([true, 'modify', false]);
    expect(r?.modify.addRecipients).toEqual([{ address: 'x@crm.test', doNotDeliverSpam: true, suppressBounces: true }]);
    expect(r?.modify).toMatchObject({
      bypassSpamFilter: false,
      addXOriginalToHeader: false,
      addSpamHeaders: false,
      customHeaders: {},
      requireTls: false,
      removeAttachments: false,
    });
  });

  it('takes the desk, srs and queue sections', () => {
    const c = parseOk(`desk:
  domain: desk.solarmora.test
  channels:
    - { name: support, kind: support, publicAddress: help@solarmora.com }
    - { name: sales, kind: sales, autoAcknowledge: false }
srs: { domain: solarmora.com, secret: s3cret }
queue: { retry: { firstRetry: 30s, maxInterval: 2h, giveUpAfter: 1d12h } }
`);
    expect(c.desk?.channels).toEqual([
      { name: 'support', kind: 'support', publicAddress: 'help@solarmora.com', autoAcknowledge: true, language: 'en', agents: [], autoAssign: false },
      { name: 'sales', kind: 'sales', autoAcknowledge: false, language: 'en', agents: [], autoAssign: false },
    ]);
    expect(c.srs).toEqual({ domain: 'solarmora.com', secret: 's3cret' });
    expect(c.queue.retry).toEqual({ firstRetry: 30_000, maxInterval: 7_200_000, giveUpAfter: 129_600_000 });
    expect(c.desk?.webhooks).toEqual({ allowPrivateDestinations: false });
  });
  it('takes desk.webhooks.allowPrivateDestinations, and writes it back only when true', () => {
    const on = parseOk('desk:\n  domain: desk.solarmora.test\n  webhooks: { allowPrivateDestinations: true }\n');
    expect(on.desk?.webhooks.allowPrivateDestinations).toBe(true);
    expect(renderConfigYaml(on)).toContain('  webhooks:\n    allowPrivateDestinations: true\n');
    expect(renderConfigYaml(parseOk('desk: { domain: desk.solarmora.test }\n'))).not.toContain('webhooks');
    expect(problemsOf('desk:\n  domain: desk.solarmora.test\n  webhooks: { allowPrivate: true }\n')).toEqual([
      '3:15: error: desk.webhooks.allowPrivate: unknown field; remove it (fields here: allowPrivateDestinations)',
    ]);
  });
});

describe('units', () => {
  it.each([
    ['35MB', 36_700_160],
    ['35M', 36_700_160],
    ['35mb', 36_700_160],
    ['36700160', 36_700_160],
    [36_700_160, 36_700_160],
    ['512KB', 524_288],
    ['1GB', 1_073_741_824],
    ['1.5K', 1536],
    ['35 parsecs', undefined],
    [-1, undefined],
  ] as const)('parseSize(%j) = %s', (v, out) => expect(parseSize(v)).toBe(out));
  it.each([
    [36_700_160, '35MB'],
    [1536, '1536'],
    [1024, '1KB'],
  ])('renderSize(%d) = %s', (n, out) => expect(String(renderSize(n))).toBe(out));
  it.each([
    ['1m', 60_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['5d', 432_000_000],
    ['250ms', 250],
    ['1m5s', 65_000],
    ['soon', undefined],
    ['5', undefined],
  ])('parseDuration(%j) = %s', (v, out) => expect(parseDuration(v)).toBe(out));
  it('renderDuration round-trips', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10 * 86_400_000 }), (ms) => {
        expect(parseDuration(renderDuration(ms))).toBe(ms);
      }),
    );
  });
});

describe('problems, each with its place', () => {
  const cases: { name: string; text: string; expected: string }[] = [
    { name: 'YAML syntax with line:col', text: 'domains: [solarmora.com\nusers: []\n', expected: '2:1: error: ' },
    { name: 'a duplicate key', text: 'domains: []\ndomains: []\n', expected: '2:1: error: Map keys must be unique' },
    {
      name: 'a typo in a field, with a suggestion',
      text: 'defaultRouting:\n  - description: x\n    match: { all: true }\n    modfy: {}\n',
      expected: '4:5: error: defaultRouting[0].modfy: unknown field; did you mean "modify"?',
    },
    { name: 'a typo at the top', text: 'domain: [solarmora.com]\n', expected: '1:1: error: domain: unknown field; did you mean "domains"?' },
    {
      name: 'a typo in modify',
      text: 'defaultRouting:\n  - description: x\n    match: { all: true }\n    modify: { bypassSpamFiltre: true }\n',
      expected: 'defaultRouting[0].modify.bypassSpamFiltre: unknown field; did you mean "bypassSpamFilter"?',
    },
    {
      name: 'an unknown field with no near name',
      text: 'smtp: { banner: hi }\n',
      expected:
        '1:9: error: smtp.banner: unknown field; remove it (fields here: maxMessageSize, maxRecipients, maxConnectionsPerClient, connectionLimitExceptions)',
    },
    {
      name: 'a missing field',
      text: 'defaultRouting:\n  - match: { all: true }\n',
      expected: '2:5: error: defaultRouting[0].description: this field is required; add it',
    },
    {
      name: 'a wrong type',
      text: 'smtp:\n  maxRecipients: many\n',
      expected: '2:18: error: smtp.maxRecipients: expected a number, found string "many"; correct the value',
    },
    {
      name: 'a wrong enum',
      text: 'users:\n  - address: a@solarmora.com\n    status: gone\n',
      expected: '3:13: error: users[0].status: "gone" is not allowed; use one of: active, suspended',
    },
    {
      name: 'two matches',
      text: 'defaultRouting:\n  - description: x\n    match: { single: a@b.com, pattern: x }\n',
      expected: '3:12: error: defaultRouting[0].match: give only one of single, pattern, group, all (found single and pattern); remove the others',
    },
    {
      name: 'no match',
      text: 'defaultRouting:\n  - description: x\n    match: {}\n',
      expected: 'defaultRouting[0].match: give one of single, pattern, group, all',
    },
    {
      name: 'two changes',
      text: 'defaultRouting:\n  - description: x\n    match: { all: true }\n    modify: { changeEnvelopeRecipient: { replaceUsername: a, replaceDomain: b.com } }\n',
      expected: 'give only one of replaceRecipient, replaceUsername, replaceDomain',
    },
    {
      name: 'a bad size',
      text: 'smtp: { maxMessageSize: 35 parsecs }\n',
      expected: '1:25: error: smtp.maxMessageSize: "35 parsecs" is not a size; write it like 35MB',
    },
    { name: 'a bad duration', text: 'queue: { retry: { firstRetry: soon } }\n', expected: 'queue.retry.firstRetry: "soon" is not a duration' },
    {
      name: 'a bad retention window',
      text: 'retention: { messages: a month }\n',
      expected: '1:24: error: retention.messages: "a month" is not a duration; write it like 90s, 1m, 1h30m or 5d',
    },
    {
      name: 'a retention window under an hour',
      text: 'retention: { quarantine: 10m }\n',
      expected: '1:26: error: retention.quarantine: a retention window is at least 1h; write 1h or more',
    },
    {
      name: 'a log kept shorter than bodies',
      text: 'retention:\n  messages: 60d\n  log: 30d\n',
      expected:
        '3:8: error: retention.log: the email log would be kept 30d, less than the 60d bodies are kept (retention.messages); make log at least as long as messages',
    },
    {
      name: 'an unknown retention field',
      text: 'retention: { trace: 5d }\n',
      expected: 'retention.trace: unknown field; remove it (fields here: messages, log, quarantine, deskSetAside, stats)',
    },
    {
      name: 'header injection',
      text: 'defaultRouting:\n  - description: x\n    match: { all: true }\n    modify: { customHeaders: { "X-A": "1\\r\\nBcc: x@y.z" } }\n',
      expected: 'a header value must be one line',
    },
    {
      name: 'a bad header name',
      text: 'defaultRouting:\n  - description: x\n    match: { all: true }\n    modify: { customHeaders: { "X A": "1" } }\n',
      expected: 'a header name is printable ASCII',
    },
    {
      name: 'an invalid pattern, with the line',
      text: 'defaultRouting:\n  - description: x\n    match: { pattern: "^(" }\n',
      expected: '3:23: error: defaultRouting[0].match.pattern: "^(" is not a valid regular expression',
    },
    {
      name: 'a lookbehind RE2 lacks, with the line',
      text: "defaultRouting:\n  - description: x\n    match: { pattern: '.*(?<!@gmail\\.com)' }\n",
      expected: '3:23: error: defaultRouting[0].match.pattern: ".*(?<!@gmail\\.com)" uses a negative lookbehind ((?<!), which RE2 patterns do not support; ',
    },
    {
      name: 'a route naming no host',
      text: 'defaultRouting:\n  - description: x\n    match: { all: true }\n    modify: { changeRoute: crm }\n',
      expected: '4:28: error: defaultRouting[0].modify.changeRoute: no host is named "crm"; define it under hosts first',
    },
    {
      name: 'an unknown org unit',
      text: 'domains: [solarmora.com]\nusers: [{ address: a@solarmora.com, orgUnit: /Sale }]\norgUnits: [/, /Sales]\n',
      expected: 'users[0].orgUnit: "/Sale" is not an org unit; add it to orgUnits or use one of: /, /Sales',
    },
    {
      name: 'a bad spam list entry',
      text: 'spam: { allowSenders: [example.com] }\n',
      expected: 'spam.allowSenders[0]: "example.com" is neither an address nor @domain',
    },
    {
      name: 'an engine we do not have',
      text: 'spam: { engine: spamassassin }\n',
      expected: 'spam.engine: "spamassassin" is not allowed; use one of: builtin, rspamd',
    },
    {
      name: 'engine rspamd without its URL',
      text: 'spam: { engine: rspamd }\n',
      expected: 'spam.rspamd: engine rspamd needs spam.rspamd.url',
    },
    {
      name: 'an rspamd URL that is not http',
      text: 'spam: { engine: rspamd, rspamd: { url: "ftp://127.0.0.1:11333" } }\n',
      expected: "spam.rspamd.url: an http:// or https:// URL of rspamd's normal worker",
    },
    {
      name: 'an onError rspamd does not have',
      text: 'spam: { engine: rspamd, rspamd: { url: "http://127.0.0.1:11333", onError: drop } }\n',
      expected: 'spam.rspamd.onError',
    },
    {
      name: "the built-in engine's lists with rspamd",
      text: 'spam: { engine: rspamd, rspamd: { url: "http://127.0.0.1:11333" }, denySenders: ["@x.example"] }\n',
      expected: "spam.denySenders: denySenders is the built-in engine's list and rspamd would not read it",
    },
    {
      name: 'duplicate desk channels',
      text: 'desk: { domain: desk.test, channels: [{ name: a, kind: support }, { name: a, kind: sales }] }\n',
      expected: 'desk.channels[1].name: a channel named "a" already exists',
    },
    { name: 'a file that is not a mapping', text: '- a\n- b\n', expected: 'error: the file must be a mapping of settings' },
  ];
  it.each(cases)('$name', ({ text, expected }) => {
    const r = parseConfigText(text);
    expect(r.ok).toBe(false);
    expect(problemsOf(text).join('\n')).toContain(expected);
  });

  it('warns but accepts a rule whose source address is a real account', () => {
    const r = parseConfigText(`domains: [solarmora.com]
users: [{ address: help@solarmora.com }]
defaultRouting:
  - description: x
    match: { single: help@solarmora.com }
    modify: { changeRoute: crm }
hosts: [{ name: crm, host: 127.0.0.1 }]
`);
    expect(r.ok).toBe(true);
    expect(r.ok && r.warnings.map((p) => formatProblem(p))).toEqual([
      expect.stringMatching(/^5:22: warning: defaultRouting\[0\]\.match\.single: "help@solarmora.com" is the address of user help@solarmora.com/),
    ]);
  });

  it('lists every problem of a broken file, in file order, errors first', () => {
    const broken = `domains: [solarmora.com]
hosts:
  - { name: crm, host: 127.0.0.1, port: 2526 }
defaultRouting:
  - description: Forward help to the CRM
    match: { pattern: "^(" }
    modfy: { changeRoute: crm }
  - description: Reject old
    match: { single: old@solarmora.com }
    action: bounce
  - description: Route
    match: { single: help@solarmora.com }
    modify: { changeRoute: crm3 }
smtp: { maxMessageSize: huge, maxRecipients: 0 }
queue: { retry: { giveUpAfter: forever } }
outbound: { smarthost: relay }
`;
    const r = parseConfigText(broken);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.map((p) => formatProblem(p, 'relaydesk.yaml'))).toEqual([
      'relaydesk.yaml:6:23: error: defaultRouting[0].match.pattern: "^(" is not a valid regular expression; a group opened with ( is not closed; fix the pattern (it must match the whole address)',
      'relaydesk.yaml:7:5: error: defaultRouting[0].modfy: unknown field; did you mean "modify"?',
      'relaydesk.yaml:10:13: error: defaultRouting[1].action: "bounce" is not allowed; use one of: modify, reject, quarantine',
      'relaydesk.yaml:13:28: error: defaultRouting[2].modify.changeRoute: no host is named "crm3"; define it under hosts or use one of: crm',
      'relaydesk.yaml:14:25: error: smtp.maxMessageSize: "huge" is not a size; write it like 35MB, 512KB or a number of bytes',
      'relaydesk.yaml:14:46: error: smtp.maxRecipients: Too small: expected number to be >=1',
      'relaydesk.yaml:15:32: error: queue.retry.giveUpAfter: "forever" is not a duration; write it like 90s, 1m, 1h30m or 5d',
      'relaydesk.yaml:16:24: error: outbound.smarthost: no host is named "relay"; define it under hosts or use one of: crm',
    ]);
  });

  it('refuses an alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    const r = parseConfigText(lines.join('\n'));
    expect(r.ok).toBe(false);
  });
});

describe('spam.rspamd', () => {
  it('defaults to a 5 s timeout and tempfail', () => {
    const c = parseOk('spam: { engine: rspamd, rspamd: { url: "http://127.0.0.1:11333" } }\n');
    expect(c.spam).toEqual({
      engine: 'rspamd',
      rspamd: { url: 'http://127.0.0.1:11333', timeout: 5_000, onError: 'tempfail' },
      allowSenders: [],
      denySenders: [],
    });
  });

  it('round-trips, leaving the defaults out', () => {
    const c = parseOk('spam: { engine: rspamd, rspamd: { url: "http://127.0.0.1:11333", timeout: 2s, onError: accept } }\n');
    const yaml = renderConfigYaml(c);
    expect(parseOk(yaml)).toEqual(c);
    expect(yaml).toContain('timeout: 2s');
    expect(renderConfigYaml(parseOk('spam: { engine: rspamd, rspamd: { url: "http://127.0.0.1:11333" } }\n'))).not.toMatch(/timeout|onError/);
  });
});

describe('outbound.limits', () => {
  it('keeps each entry, the domain in lower case, and round-trips', () => {
    const c = parseOk('outbound:\n  limits:\n    - { domain: GMail.com, connections: 5, perMinute: 600 }\n    - { domain: "*", connections: 3 }\n');
    expect(c.outbound.limits).toEqual([
      { domain: 'gmail.com', connections: 5, perMinute: 600 },
      { domain: '*', connections: 3 },
    ]);
    expect(parseOk(renderConfigYaml(c))).toEqual(c);
  });
  it.each([
    [
      'a domain twice',
      '[{ domain: gmail.com, connections: 5 }, { domain: gmail.com, connections: 2 }]',
      /gmail\.com has two entries in outbound\.limits; keep one of them/,
    ],
    ['no connection', '[{ domain: gmail.com, connections: 0 }]', /connections must be at least 1/],
    ['a huge number', '[{ domain: gmail.com, connections: 5, perMinute: 1e12 }]', /perMinute can be at most 1000000/],
    ['not a domain', '[{ domain: "gmail com", connections: 5 }]', /domain is a domain name such as gmail\.com, or \*/],
    ['a fraction', '[{ domain: gmail.com, connections: 2.5 }]', /limits\[0\]\.connections: expected a int, found number 2\.5; correct the value/],
    ['no connections field', '[{ domain: gmail.com }]', /limits\[0\]\.connections: this field is required; add it/],
  ])('refuses %s with a sentence that names the fix', (_name, limits, message) => {
    expect(problemsOf(`outbound:\n  limits: ${limits}\n`).join('\n')).toMatch(message);
  });
});

describe('renderConfigYaml', () => {
  it('round-trips the issue example and leaves defaults out', () => {
    const c = parseOk(ISSUE_EXAMPLE);
    const yaml = renderConfigYaml(c);
    expect(parseOk(yaml)).toEqual(c);
    expect(yaml).not.toMatch(/enabled: true|action: modify|bypassSpamFilter: false|maxMessageSize|engine/);
    expect(yaml).toContain('match: { single: help@solarmora.com }');
    expect(yaml).toContain('prependSubject: "[help] "');
  });

  it('round-trips the ARC key and checks its domain and algorithm', () => {
    const pem = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const c = parseOk(`domains: [solarmora.com]\narc: { domain: solarmora.com, selector: arc1, privateKey: ${JSON.stringify(pem)} }\n`);
    expect(c.arc).toEqual({ domain: 'solarmora.com', selector: 'arc1', privateKey: pem });
    expect(parseOk(renderConfigYaml(c))).toEqual(c);
    expect(checkConfig({ ...c, arc: { ...c.arc!, domain: 'not a domain' } }).map((p) => p.path)).toEqual(['arc.domain']);
    const ed = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    expect(checkConfig({ ...c, arc: { ...c.arc!, privateKey: ed } }).map((p) => p.path)).toEqual(['arc.privateKey']);
    expect(configSchema.safeParse({ arc: { domain: 'solarmora.com', selector: 'arc1', privateKey: 'secret' } }).success).toBe(false);
  });

  it('round-trips an empty config', () => {
    const c = parseOk('');
    expect(parseOk(renderConfigYaml(c))).toEqual(c);
  });

  it('keeps non-default values, in their written units', () => {
    const c = parseOk(
      'smtp: { maxMessageSize: 10M, maxRecipients: 50 }\nqueue: { retry: { firstRetry: 90s } }\nretention: { messages: 7d, log: 30d, quarantine: 30d }\nsrs: {}\n',
    );
    const yaml = renderConfigYaml(c);
    expect(yaml).toContain('maxMessageSize: 10MB');
    expect(yaml).toContain('firstRetry: 1m30s');
    expect(yaml).toContain('retention:\n  messages: 7d\n  log: 30d\n');
    expect(yaml).not.toContain('quarantine: 30d');
    expect(yaml).toContain('srs: {}');
    expect(parseOk(yaml)).toEqual(c);
  });

  it('round-trips any valid config (property)', () => {
    const email = fc
      .tuple(fc.constantFrom('a', 'b', 'help', 'x.y', 'Yes', 'null', '123'), fc.constantFrom('solarmora.com', 'crm.test'))
      .map(([l, d]) => `${l}@${d}`);
    const text = fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
    const ruleArb = fc.record(
      {
        description: text.filter((s) => s.length > 0),
        enabled: fc.boolean(),
        match: fc.oneof(
          email.map((single) => ({ single })),
          fc.constantFrom('.*', 'a|b', '#x: y').map((pattern) => ({ pattern })),
          fc.constant({ all: true }),
        ),
        action: fc.constantFrom('modify', 'reject', 'quarantine'),
        rejectText: text,
        recognizedAddresses: fc.boolean(),
        modify: fc.record(
          {
            changeEnvelopeRecipient: fc.oneof(
              email.map((replaceRecipient) => ({ replaceRecipient })),
              fc.constant({ replaceDomain: 'crm.test' }),
            ),
            changeRoute: fc.constantFrom('crm', 'crm2'),
            bypassSpamFilter: fc.boolean(),
            addRecipients: fc.array(fc.oneof(email, fc.record({ address: email, doNotDeliverSpam: fc.boolean(), suppressBounces: fc.boolean() }))),
            addXOriginalToHeader: fc.boolean(),
            addSpamHeaders: fc.boolean(),
            customHeaders: fc.dictionary(fc.constantFrom('X-A', 'X-B'), text),
            prependSubject: text,
            requireTls: fc.boolean(),
            removeAttachments: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: ['description', 'match'] },
    );
    const configArb = fc.record(
      {
        domains: fc.array(fc.constantFrom('solarmora.com', 'crm.test')),
        postmaster: email,
        orgUnits: fc.array(fc.constantFrom('/', '/Sales', '/A B')),
        users: fc.array(
          fc.record(
            { address: email, aliases: fc.array(email), status: fc.constantFrom('active', 'suspended'), orgUnit: fc.constantFrom('/', '/Sales') },
            { requiredKeys: ['address'] },
          ),
        ),
        groups: fc.array(fc.record({ address: email, members: fc.array(email) }, { requiredKeys: ['address'] })),
        hosts: fc.array(
          fc.record(
            {
              name: fc.constantFrom('crm', 'crm2'),
              host: fc.constantFrom('127.0.0.1', 'mx.crm.test'),
              port: fc.integer({ min: 1, max: 65535 }),
              tls: fc.constantFrom('none', 'opportunistic', 'required'),
            },
            { requiredKeys: ['name', 'host'] },
          ),
        ),
        outbound: fc.record(
          {
            smarthost: fc.constantFrom('crm', 'crm2'),
            limits: fc.uniqueArray(
              fc.record(
                {
                  domain: fc.constantFrom('*', 'gmail.com', 'crm.test'),
                  connections: fc.integer({ min: 1, max: 1000 }),
                  perMinute: fc.integer({ min: 1, max: 10 ** 6 }),
                },
                { requiredKeys: ['domain', 'connections'] },
              ),
              { selector: (l) => l.domain },
            ),
          },
          { requiredKeys: [] },
        ),
        defaultRouting: fc.array(ruleArb, { maxLength: 4 }),
        smtp: fc.record({ maxMessageSize: fc.integer({ min: 0, max: 2 ** 40 }), maxRecipients: fc.integer({ min: 1, max: 5000 }) }, { requiredKeys: [] }),
        spam: fc.record(
          {
            allowSenders: fc.array(fc.constantFrom('@crm.test', 'a@b.com')),
            denySenders: fc.array(fc.constantFrom('@x.com')),
            rspamd: fc.record(
              {
                url: fc.constantFrom('http://127.0.0.1:11333', 'https://rspamd.crm.test/rspamd/'),
                timeout: fc.integer({ min: 1, max: 60_000 }).map(renderDuration),
                onError: fc.constantFrom('tempfail', 'accept'),
              },
              { requiredKeys: ['url'] },
            ),
          },
          { requiredKeys: [] },
        ),
        queue: fc.record(
          {
            retry: fc.record(
              { firstRetry: fc.nat({ max: 10 ** 9 }).map(renderDuration), giveUpAfter: fc.nat({ max: 10 ** 9 }).map(renderDuration) },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
        retention: fc.record(
          {
            messages: fc.integer({ min: 3_600_000, max: 10 ** 10 }).map(renderDuration),
            quarantine: fc.integer({ min: 3_600_000, max: 10 ** 10 }).map(renderDuration),
            deskSetAside: fc.constantFrom('1h', '30d', '1d12h'),
          },
          { requiredKeys: [] },
        ),
        srs: fc.record({ domain: fc.constant('solarmora.com'), secret: text.filter((s) => s.length > 0) }, { requiredKeys: [] }),
        desk: fc.record(
          {
            domain: fc.constant('desk.test'),
            webhooks: fc.record({ allowPrivateDestinations: fc.boolean() }, { requiredKeys: [] }),
            channels: fc.array(
              fc.record(
                { name: text.filter((s) => s.length > 0), kind: fc.constantFrom('support', 'sales'), autoAcknowledge: fc.boolean() },
                { requiredKeys: ['name', 'kind'] },
              ),
              { maxLength: 2 },
            ),
          },
          { requiredKeys: ['domain'] },
        ),
      },
      { requiredKeys: [] },
    );
    let parsedCount = 0;
    fc.assert(
      fc.property(configArb, (input) => {
        // Schema-level round trip: the generated configs need not pass the semantic checks.
        const first = configSchema.safeParse(input);
        if (!first.success) return;
        parsedCount++;
        const again = configSchema.parse(parseYaml(renderConfigYaml(first.data)));
        expect(again).toEqual(first.data);
      }),
      { numRuns: 300 },
    );
    expect(parsedCount).toBeGreaterThan(150);
  });
});

describe('connection limits', () => {
  it('exempts no address by default, loopback included', () => {
    const none = parseConfigText('domains: [solarmora.com]\n');
    if (!none.ok) throw new Error('expected a valid config');
    expect(none.config.smtp.connectionLimitExceptions).toEqual([]);
    expect(renderConfigYaml(none.config)).not.toContain('connectionLimitExceptions');
  });
  it('round-trips an exception list', () => {
    const first = parseConfigText('smtp:\n  maxConnectionsPerClient: 5\n  connectionLimitExceptions: [127.0.0.0/8, "::1"]\n');
    if (!first.ok) throw new Error('expected a valid config');
    expect(first.config.smtp.connectionLimitExceptions).toEqual(['127.0.0.0/8', '::1']);
    const again = parseConfigText(renderConfigYaml(first.config));
    if (!again.ok) throw new Error('expected the rendering to be valid');
    expect(again.config.smtp).toEqual(first.config.smtp);
  });
  it('refuses an exception that is not an address or a block', () => {
    const r = parseConfigText('smtp:\n  connectionLimitExceptions: [localhost]\n');
    expect(r.ok).toBe(false);
  });
});

describe('postmaster', () => {
  it('is unset by default and reaches the routing snapshot when set', () => {
    expect(parseOk('domains: [solarmora.com]\n').postmaster).toBeUndefined();
    const c = parseOk('domains: [solarmora.com]\npostmaster: ops@crm.test\n');
    expect(toSnapshotInput(c, 1).postmaster).toBe('ops@crm.test');
    expect(renderConfigYaml(c)).toBe('domains: [ solarmora.com ]\npostmaster: ops@crm.test\n');
  });
  it('must be an address', () => {
    expect(problemsOf('domains: [solarmora.com]\npostmaster: root\n')).toEqual([
      '2:13: error: postmaster: "root" is not an email address; write it as name@domain, like ops@solarmora.com, or leave postmaster out for a mailbox of its own',
    ]);
    expect(problemsOf('domains: [solarmora.com]\npostmaster: [a@b.example]\n')[0]).toMatch(/^2:13: error: postmaster: expected a string, found a list/);
  });
});
