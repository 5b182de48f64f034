import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkWebhookEvents, checkWebhookUrl } from './webhook-subscriptions.js';
import { decideWebhookOutcome, signWebhookBody } from './webhooks.js';

describe('decideWebhookOutcome', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'bounced'],
    [302, 'bounced'],
    [307, 'bounced'],
    [400, 'bounced'],
    [401, 'bounced'],
    [404, 'bounced'],
    [410, 'bounced'],
    [408, 'deferred'],
    [429, 'deferred'],
    [500, 'deferred'],
    [502, 'deferred'],
    [503, 'deferred'],
    [100, 'deferred'],
    [0, 'deferred'],
  ] as const)('HTTP %i → %s', (status, outcome) => {
    expect(decideWebhookOutcome(status)).toBe(outcome);
  });
});

describe('signWebhookBody', () => {
  it('is sha256= and the hex HMAC of the exact bytes', () => {
    const body = Buffer.from('{"id":"evt_1","type":"case.created"}');
    const expected = createHmac('sha256', 'whsec_0123456789abcdef').update(body).digest('hex');
    expect(signWebhookBody('whsec_0123456789abcdef', body)).toBe(`sha256=${expected}`);
    expect(signWebhookBody('whsec_0123456789abcdef', body.toString())).toBe(`sha256=${expected}`);
    expect(signWebhookBody('another-secret-value', body)).not.toBe(`sha256=${expected}`);
  });
});

describe('checkWebhookUrl', () => {
  it.each([
    ['https://crm.example.com/hooks', null],
    ['http://127.0.0.1:8080/x?y=1', null],
    ['ftp://example.com/x', /http or https only/],
    ['file:///etc/passwd', /http or https only/],
    ['javascript:alert(1)', /http or https only/],
    ['not a url', /is not a URL/],
    ['https://user:pw@example.com/', /user or password/],
    ['https://example.com/#frag', /fragment/],
  ] as const)('%s', (url, problem) => {
    const r = checkWebhookUrl(url);
    if (problem === null) expect(r).toBeNull();
    else expect(r).toMatch(problem);
  });
});

describe('checkWebhookEvents', () => {
  it('takes known events, refuses none and unknown ones by name', () => {
    expect(checkWebhookEvents(['case.created', 'lead.converted'])).toBeNull();
    expect(checkWebhookEvents([])).toMatch(/at least one/);
    expect(checkWebhookEvents(['case.created', 'case.deleted'])).toMatch(/unknown event case\.deleted/);
  });
});
