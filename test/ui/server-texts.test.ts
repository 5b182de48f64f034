import { describe, expect, it } from 'vitest';
import { PROBLEM_TEXTS } from '../../src/base/problem-texts.js';
import { REFUSAL_TEXTS } from '../../src/base/refusal-texts.js';
import { TRACE_TEXTS, type Text } from '../../src/base/trace-texts.js';
import { parseConfigText } from '../../src/config/index.js';
import { settleAttempt, type AttemptOutcome } from '../../src/queue/settle.js';
import type { DeliveryRow } from '../../src/store/index.js';
import { stepText } from '../../src/web/api/texts.js';
import { en } from '../../web/ui/src/i18n/en.js';
import { fillEntry } from '../../web/ui/src/i18n/server-text.js';
import { ja } from '../../web/ui/src/i18n/ja.js';
import { problemsEn } from '../../web/ui/src/i18n/areas/problems.en.js';
import { refusalsEn } from '../../web/ui/src/i18n/areas/refusals.en.js';
import { traceEn } from '../../web/ui/src/i18n/areas/trace.en.js';

const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

/** Each registry's codes, the dictionary prefix they are said under, and the area that holds them. */
const REGISTRIES = [
  ['trace', TRACE_TEXTS, 'trace.', traceEn],
  ['problem', PROBLEM_TEXTS, 'problem.', problemsEn],
  ['refusal', REFUSAL_TEXTS, 'refusal.', refusalsEn],
] as const;

describe.each(REGISTRIES)('the %s texts', (_name, registry, prefix, area) => {
  const codes = Object.keys(registry) as (keyof typeof registry)[];

  it.each([
    ['en', en as Record<string, string>],
    ['ja', ja as Record<string, string>],
  ])('have an entry for every registered code in %s, naming only the values the code carries', (_lang, dict) => {
    const missing = codes.filter((c) => dict[`${prefix}${String(c)}`] === undefined);
    expect(missing).toEqual([]);
    const strays = codes.filter((c) => {
      const names = new Set<string>(registry[c] as readonly string[]);
      return placeholders(dict[`${prefix}${String(c)}`] ?? '').some((p) => !names.has(p));
    });
    expect(strays).toEqual([]);
  });

  it('have no dictionary entry for a code the server does not register', () => {
    const known = new Set(codes.map((c) => `${prefix}${String(c)}`));
    expect(Object.keys(area).filter((k) => !known.has(k))).toEqual([]);
  });
});

const delivery = (id: number): DeliveryRow => ({
  id,
  queueId: 'Q1',
  recipient: `r${id}@crm.test`,
  originalRecipient: `r${id}@crm.test`,
  transport: 'smtp',
  route: null,
  requireTls: false,
  suppressBounces: false,
  spamFlag: false,
  transform: {},
  rules: [],
  status: 'active',
  holdReason: null,
  attempts: 0,
  nextAttemptAt: 0,
  lastReply: null,
  createdAt: 0,
  updatedAt: 0,
});

/** Every code in a text, its quoted texts' too, with whether the values cover what the registry names. */
function walk(t: Text, out: { code: string; complete: boolean }[] = []): { code: string; complete: boolean }[] {
  const names = (TRACE_TEXTS as Record<string, readonly string[] | undefined>)[t.code];
  out.push({ code: t.code, complete: names !== undefined && names.every((n) => n in t.params) });
  for (const v of Object.values(t.params)) if (typeof v === 'object') walk(v, out);
  return out;
}

describe('trace lines', () => {
  const outcomes: AttemptOutcome[] = [
    { kind: 'delivered', reply: '250 2.0.0 Ok: queued as 4Xy', remoteMta: 'mx.crm.test' },
    { kind: 'delivered', reply: 'opened case #1001, acknowledged', replyText: { code: 'desk.new-case/acknowledged', params: { number: 1001 } } },
    {
      kind: 'delivered',
      reply: 'appended',
      replyText: { code: 'desk.append', params: { number: 7, via: { code: 'desk.via.references', params: {} } } },
      note: { code: 'desk.message-id-reused', params: { messageId: '<a@b>', queueIds: 'Q0' } },
    },
    { kind: 'bounced', reply: '550 5.1.1 no such user', remoteMta: 'mx.crm.test', status: '5.1.1' },
    { kind: 'deferred', reply: '451 4.3.0 try later', remoteMta: 'mx.crm.test' },
    { kind: 'paced', reply: 'pacing', retryAt: 5_000 },
  ];

  it('carry registered codes with every value their code names, down to the quoted texts', () => {
    const s = settleAttempt({
      deliveries: outcomes.map((_, i) => delivery(i + 1)),
      outcomes: new Map(outcomes.map((o, i) => [i + 1, o])),
      receivedAt: 0,
      startedAt: 0,
      now: 50,
      policy: { firstRetryMs: 1_000, maxIntervalMs: 10_000, giveUpAfterMs: 100_000 },
    });
    const parts = s.trace.flatMap((e) => walk(e.text!));
    expect(parts.length).toBeGreaterThan(s.trace.length);
    expect(parts.filter((p) => !p.complete)).toEqual([]);
    expect(s.trace.every((e) => e.text !== undefined)).toBe(true);
  });

  it('read in Japanese from the code, a peer reply as sent, and fall back to the summary for an unknown code', () => {
    const dict = ja as Record<string, string>;
    const line = stepText({
      code: 'queue.delivered',
      text: { code: 'queue.delivered/local', params: { recipient: 'a@crm.test', reply: { code: 'desk.new-case/acknowledged', params: { number: 1001 } } } },
    });
    expect(fillEntry(dict, 'trace.', line)).toBe('<a@crm.test> へ配信しました: ケース #1001 を作成し、受付通知を送りました');
    expect(fillEntry(dict, 'trace.', { code: 'queue.bounced', params: { recipient: 'a@x.test', remoteMta: 'mx', reply: '550 5.1.1 no such user' } })).toContain(
      '550 5.1.1 no such user',
    );
    expect(fillEntry(dict, 'trace.', { code: 'sla.breached', params: {} })).toBeNull();
  });

  it('stored before texts existed read from their data when it names every value, and fall back otherwise', () => {
    const dict = en as Record<string, string>;
    // An old rule line: its data has the rule and the recipient.
    const old = stepText({ code: 'routing.rule_applied', data: { rule: 'help to CRM', recipient: 'help@solarmora.test' }, text: null });
    expect(fillEntry(dict, 'trace.', old)).toBe('rule "help to CRM" applied to <help@solarmora.test>');
    // An old acceptance line stored no queue id in its data: the summary stays.
    expect(fillEntry(dict, 'trace.', stepText({ code: 'inbound.accepted', data: {}, text: null }))).toBeNull();
  });
});

describe('configuration problems', () => {
  it('carry a registered code and every value it names, from the schema, the references and the rules', () => {
    const r = parseConfigText(
      [
        'domains: [solarmora.test]',
        'hosts: [{ name: crm, host: 127.0.0.1 }]',
        'smtp: { maxMessageSize: lots, maxRecipients: 0 }',
        'colour: blue',
        'defaultRouting:',
        '  - description: broken',
        '    match: { pattern: "^(" }',
        '    action: modify',
        '    modify: { changeRoute: crm2 }',
      ].join('\n'),
    );
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.map((p) => p.code).sort()).toEqual(['not-a-size', 'pattern-invalid', 'too-small', 'unknown-field', 'unknown-host']);
    const registry = PROBLEM_TEXTS as Record<string, readonly string[] | undefined>;
    for (const p of problems) expect(registry[p.code]?.every((n) => n in p.params)).toBe(true);
    const rules = parseConfigText(
      [
        'domains: [solarmora.test]',
        'hosts: [{ name: crm, host: 127.0.0.1 }]',
        'defaultRouting:',
        '  - description: broken',
        '    match: { pattern: "^(" }',
        '    action: modify',
        '    modify: { changeRoute: crm2 }',
      ].join('\n'),
    );
    const ruleProblems = rules.ok ? [] : rules.problems;
    expect(ruleProblems.map((p) => [p.code, p.params])).toEqual([
      ['pattern-invalid', { pattern: '^(' }],
      ['unknown-host', { name: 'crm2', hosts: 'crm' }],
    ]);
    expect(fillEntry(ja as Record<string, string>, 'problem.', ruleProblems[1]!)).toBe(
      '「crm2」という名前のホストはありません。hosts で定義するか、次のいずれかを使ってください: crm',
    );
  });
});
