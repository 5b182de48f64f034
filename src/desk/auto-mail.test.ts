import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate, PLACEHOLDERS } from '../config/index.js';
import { findCaseToken } from './ack-template.js';
import { DEFAULT_TEMPLATES, previewAutoMail, renderAutoMail, sampleFacts, TemplateError } from './auto-mail.js';

const channel = { name: 'Solarmora Support', publicAddress: 'help@solarmora.com' };
const ack = (over: Partial<{ subject: string | null; name: string; address: string; caseNumber: number }> = {}) => ({
  kind: 'acknowledgement' as const,
  caseNumber: over.caseNumber ?? 1001,
  subject: over.subject === undefined ? 'Re: Printer broken' : over.subject,
  customer: { name: over.name ?? 'Taro Yamada', address: over.address ?? 'taro@example.jp' },
});

describe('renderAutoMail: the acknowledgement', () => {
  it('English by default', () => {
    const m = renderAutoMail(channel, ack());
    expect(m.language).toBe('en');
    expect(m.subject).toBe('[#1001] Re: Printer broken');
    expect(m.text).toContain('Hello Taro Yamada,');
    expect(m.text).toContain('"Printer broken" and opened case #1001');
    expect(m.text).toContain('keep [#1001] in the subject');
    expect(m.text).toContain('Solarmora Support <help@solarmora.com>');
  });
  it('Japanese, in polite business Japanese', () => {
    const m = renderAutoMail({ ...channel, name: 'ソラモラ サポート窓口', language: 'ja' }, ack({ name: '山田 太郎', subject: 'プリンターが動きません' }));
    expect(m.subject).toBe('[#1001] Re: プリンターが動きません');
    const lines = m.text.split('\n');
    expect(lines[0]).toBe('山田 太郎 様');
    expect(m.text).toContain('このたびはソラモラ サポート窓口へお問い合わせいただき、誠にありがとうございます。');
    expect(m.text).toContain('受付番号：1001');
    expect(m.text).toContain('件名の [#1001] を残したまま');
    expect(m.text).not.toMatch(/Hello|Thank you|automatically/);
  });
  it('the channel’s own template, with the token kept in front of any subject', () => {
    const m = renderAutoMail(
      {
        ...channel,
        templates: { acknowledgement: { subject: 'We got it ({{customer.name}}) [#{{case.number}}]', body: 'Case {{case.number}} for {{customer.address}}' } },
      },
      ack(),
    );
    expect(m.subject).toBe('[#1001] We got it (Taro Yamada)');
    expect(m.text).toBe('Case 1001 for taro@example.jp\n');
  });
  it('a part left out is the default in the channel’s language', () => {
    const m = renderAutoMail({ ...channel, language: 'ja', templates: { acknowledgement: { subject: 'お問い合わせ受付のお知らせ' } } }, ack());
    expect(m.subject).toBe('[#1001] お問い合わせ受付のお知らせ');
    expect(m.text.split('\n')[0]).toBe('Taro Yamada 様');
  });
  it('no name: the address stands in; no subject: said in the language', () => {
    const m = renderAutoMail({ ...channel, language: 'ja' }, ack({ name: '', subject: null }));
    expect(m.text.split('\n')[0]).toBe('taro@example.jp 様');
    expect(m.subject).toBe('[#1001] Re: (件名なし)');
  });
  it('a hostile subject or name adds no header and no length', () => {
    const evil = `${'x'.repeat(5000)}\r\nBcc: evil@x.test`;
    const m = renderAutoMail(channel, ack({ subject: evil, name: `Eve\r\nBcc: a@b.test${'y'.repeat(3000)}` }));
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.subject.length).toBeLessThanOrEqual(250);
    expect(m.text.length).toBeLessThan(1500);
    expect(m.text.split('\n').some((l) => l.startsWith('Bcc:'))).toBe(false);
  });
  it('always threads back: exactly one token, the right one (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 1, max: 10 ** 9 }), (subject, name, n) => {
        const m = renderAutoMail(channel, ack({ subject, name, caseNumber: n }));
        return findCaseToken(m.subject) === n && (m.subject.match(/\[#\d+\]/g) ?? []).length === 1 && !/[\r\n]/.test(m.subject);
      }),
    );
  });
  it('an unchecked template that does not parse is refused', () => {
    expect(() => renderAutoMail({ ...channel, templates: { acknowledgement: { body: '{{nope}}' } } }, ack())).toThrow(TemplateError);
  });
});

describe('renderAutoMail: the forwarding check', () => {
  it('carries the code, in each language', () => {
    const en = renderAutoMail(channel, { kind: 'forwardingCheck', code: 'abc123abc123abc123' });
    expect(en.subject).toBe('Relaydesk forwarding check abc123abc123abc123');
    expect(en.text).toContain('mail to help@solarmora.com reaches the Solarmora Support channel');
    const ja = renderAutoMail({ ...channel, language: 'ja' }, { kind: 'forwardingCheck', code: 'abc123abc123abc123' });
    expect(ja.subject).toBe('転送設定の確認 abc123abc123abc123');
    expect(ja.text).toContain('確認コード：abc123abc123abc123');
  });
});

describe('the defaults', () => {
  it('parse, and name only their kind’s placeholders', () => {
    for (const lang of ['en', 'ja'] as const) {
      for (const kind of ['acknowledgement', 'forwardingCheck'] as const) {
        const t = DEFAULT_TEMPLATES[lang][kind];
        expect(parseTemplate(t.subject, PLACEHOLDERS[kind]).ok).toBe(true);
        expect(parseTemplate(t.body, PLACEHOLDERS[kind]).ok).toBe(true);
        // The sample fills every placeholder the preview lists.
        expect(Object.keys(renderAutoMail({ ...channel, language: lang }, sampleFacts(kind, lang)).values).sort()).toEqual([...PLACEHOLDERS[kind]].sort());
      }
    }
  });
});

describe('previewAutoMail', () => {
  it('the acknowledgement from the channel to a sample customer, in the channel’s language', () => {
    const p = previewAutoMail({ ...channel, language: 'ja' }, 'acknowledgement', 'case.solarmora.com');
    expect(p.from).toEqual({ name: 'Solarmora Support', address: 'help@solarmora.com' });
    expect(p.to).toEqual({ name: '山田 太郎', address: 'taro.yamada@example.jp' });
    expect(p.subject).toBe('[#1001] Re: プリンターが印刷できません');
    expect(p.defaults).toEqual(DEFAULT_TEMPLATES.ja.acknowledgement);
    expect(p.values['customer.name']).toBe('山田 太郎');
  });
  it('the forwarding check from the desk to the public address', () => {
    const p = previewAutoMail(channel, 'forwardingCheck', 'case.solarmora.com');
    expect(p.from).toEqual({ name: 'Relaydesk forwarding check', address: 'verify@case.solarmora.com' });
    expect(p.to.address).toBe('help@solarmora.com');
    expect(p.subject).toContain(p.values['check.code']);
  });
});
