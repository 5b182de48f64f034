/**
 * A case's attachments and HTML over the API: attachments are always downloads with the
 * sender's bytes intact; a message's HTML frame carries its own CSP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swaks } from '../support/swaks.js';
import { eventually } from '../support/relaydesk.js';
import { startApiNode, type ApiNode } from './api-helpers.js';

describe('attachments and mail frames', () => {
  let n: ApiNode;
  beforeAll(async () => {
    n = await startApiNode('sqlite');
  });
  afterAll(async () => {
    await n?.stop();
  });

  it('serves an attachment as a download, byte for byte, and refuses what is not there', async () => {
    const html = '<html><body><script>alert(1)</script>not a page of ours</body></html>';
    const r = await swaks([
      '--server',
      `127.0.0.1:${n.gw.smtpPort}`,
      '--from',
      'ann@customer.example',
      '--to',
      'help@solarmora.com',
      '--header',
      'Subject: With a file',
      '--body',
      'See the file.',
      '--attach-type',
      'text/html',
      '--attach-name',
      'évil page.html',
      '--attach',
      html,
    ]);
    expect(r.lastReply).toMatch(/^250 /);
    const c = await eventually(async () => (await n.call('GET', '/api/cases?search=With%20a%20file')).body.items[0], 10_000, 'the case');
    const detail = (await n.call('GET', `/api/cases/${c.number}`)).body;
    const m = detail.messages.find((x: { attachments: unknown[] }) => x.attachments.length > 0);
    const a = m.attachments[0];
    const res = await fetch(`${n.base}/api/cases/${c.number}/messages/${m.id}/attachments/${a.id}`, { headers: { authorization: `Bearer ${n.agent}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="_vil page\.html"; filename\*=UTF-8''%C3%A9vil%20page\.html$/);
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    expect(await res.text()).toBe(html);
    expect((await n.call('GET', `/api/cases/${c.number}/messages/${m.id}/attachments/999999`)).status).toBe(404);
    expect((await n.call('GET', `/api/cases/${c.number}/messages/${m.id}/attachments/${a.id}`, { token: null })).status).toBe(401);
  });

  it('serves a message frame with a CSP that allows no script and no remote load until asked', async () => {
    await n.mail(
      'help@solarmora.com',
      'bob@customer.example',
      { Subject: 'Html mail', 'Content-Type': 'text/html; charset=utf-8' },
      '<p>Hi <img src="https://tracker.example/p.gif"></p>',
    );
    const c = await eventually(async () => (await n.call('GET', '/api/cases?search=Html%20mail')).body.items[0], 10_000, 'the case');
    const m = (await n.call('GET', `/api/cases/${c.number}`)).body.messages[0];
    const frame = (images: boolean) =>
      fetch(`${n.base}/api/cases/${c.number}/messages/${m.id}/frame${images ? '?images=1' : ''}`, { headers: { authorization: `Bearer ${n.agent}` } });
    const blocked = await frame(false);
    expect(blocked.headers.get('content-security-policy')).toMatch(/^default-src 'none'; img-src data:;/);
    const blockedBody = await blocked.text();
    expect(blockedBody).not.toMatch(/\ssrc="https:\/\/tracker/);
    expect(blockedBody).toContain('data-remote-src="https://tracker.example/p.gif"');
    const allowed = await frame(true);
    expect(allowed.headers.get('content-security-policy')).toContain('img-src https: http: data:');
    expect(await allowed.text()).toMatch(/\ssrc="https:\/\/tracker\.example\/p\.gif"/);
  });
});
