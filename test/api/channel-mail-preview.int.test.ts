/**
 * The console's preview of a channel's automatic mail: rendered by the server from a draft
 * channel, with the placeholders and their sample values; a broken template is named, not sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiNode, type ApiNode } from './api-helpers.js';

describe('POST /api/channels/mail-preview', () => {
  let n: ApiNode;
  beforeAll(async () => {
    n = await startApiNode('sqlite');
  });
  afterAll(async () => {
    await n?.stop();
  });

  it("renders a draft channel's acknowledgement in its language, with the placeholders listed", async () => {
    const r = await n.call('POST', '/api/channels/mail-preview', {
      body: {
        kind: 'acknowledgement',
        channel: {
          name: 'サポート窓口',
          publicAddress: 'help@solarmora.com',
          language: 'ja',
          templates: { acknowledgement: { subject: '受付のお知らせ {{customer.name}} 様' } },
        },
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      kind: 'acknowledgement',
      language: 'ja',
      problems: [],
      mail: {
        from: { name: 'サポート窓口', address: 'help@solarmora.com' },
        to: { name: '山田 太郎', address: 'taro.yamada@example.jp' },
        subject: '[#1001] 受付のお知らせ 山田 太郎 様',
      },
    });
    expect(r.body.mail.text).toContain('このたびはサポート窓口へお問い合わせいただき、誠にありがとうございます。');
    expect(r.body.placeholders).toContainEqual({ name: 'case.number', value: '1001' });
    expect(r.body.defaults.subject).toBe('Re: {{case.subject}}');
  });

  it('names a broken template instead of rendering it', async () => {
    const r = await n.call('POST', '/api/channels/mail-preview', {
      body: { kind: 'acknowledgement', channel: { name: 'Support', templates: { acknowledgement: { body: 'Case {{case.numbr}}' } } } },
    });
    expect(r.status).toBe(200);
    expect(r.body.mail).toBeNull();
    expect(r.body.problems).toEqual([
      {
        path: 'templates.acknowledgement.body',
        code: 'template-unknown-placeholder',
        params: expect.objectContaining({ value: '{{case.numbr}}' }),
        message: expect.stringContaining('"{{case.numbr}}" is not a placeholder'),
      },
    ]);
  });

  it('is for admins', async () => {
    const r = await n.call('POST', '/api/channels/mail-preview', { token: n.agent, body: { kind: 'forwardingCheck', channel: { name: 'Support' } } });
    expect(r.status).toBe(403);
  });
});
