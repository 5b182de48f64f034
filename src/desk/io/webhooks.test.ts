import { describe, expect, it } from 'vitest';
import { checkWebhookEvents, checkWebhookUrl } from './webhook-subscriptions.js';
import { decideWebhookOutcome } from './webhooks.js';

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

describe('checkWebhookUrl', () => {
  it.each([
    ['https://crm.example.com/hooks', null],
    ['http://93.184.216.34:8080/x?y=1', null],
    ['http://127.0.0.1:8080/x?y=1', /^127\.0\.0\.1 is a loopback address; .*desk\.webhooks\.allowPrivateDestinations: true/],
    ['http://2130706433/', /^127\.0\.0\.1 is a loopback address/],
    ['http://0x7f.1/', /^127\.0\.0\.1 is a loopback address/],
    ['http://0177.0.0.1/', /^127\.0\.0\.1 is a loopback address/],
    ['http://%31%32%37.0.0.1/', /^127\.0\.0\.1 is a loopback address/],
    ['http://127.0.0.1./', /^127\.0\.0\.1 is a loopback address/],
    ['http://0/', /^0\.0\.0\.0 is an unspecified address/],
    ['http://[::]/', /^\[::\] is an unspecified address/],
    ['http://LOCALHOST./', /^localhost\. is this machine/],
    ['http://[::1]:8080/', /^\[::1\] is a loopback address/],
    ['http://[::ffff:127.0.0.1]/', /^\[::ffff:7f00:1\] is a loopback address/],
    ['http://169.254.169.254/latest/meta-data/', /^169\.254\.169\.254 is a link-local address \(the range of the cloud metadata service/],
    ['http://10.1.2.3/', /private address/],
    ['http://100.64.0.1/', /carrier-grade NAT/],
    ['http://0.0.0.0:8080/', /unspecified address/],
    ['http://[fd00::1]/', /private address/],
    ['https://localhost:8443/', /^localhost is this machine/],
    ['ftp://example.com/x', /http or https only/],
    ['file:///etc/passwd', /http or https only/],
    ['javascript:alert(1)', /http or https only/],
    ['not a url', /is not a URL/],
    ['https://user:pw@example.com/', /user or password/],
    ['https://example.com/#frag', /fragment/],
  ] as const)('%s', (url, problem) => {
    const r = checkWebhookUrl(url, { allowPrivateDestinations: false });
    if (problem === null) expect(r).toBeNull();
    else expect(r).toMatch(problem);
  });

  it('takes private destinations when the configuration allows them', () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://[::1]/', 'http://169.254.169.254/', 'http://localhost/'])
      expect(checkWebhookUrl(url, { allowPrivateDestinations: true })).toBeNull();
    expect(checkWebhookUrl('ftp://127.0.0.1/', { allowPrivateDestinations: true })).toMatch(/http or https only/);
  });
});

describe('checkWebhookEvents', () => {
  it('takes known events, refuses none and unknown ones by name', () => {
    expect(checkWebhookEvents(['case.created', 'lead.converted'])).toBeNull();
    expect(checkWebhookEvents([])).toMatch(/at least one/);
    expect(checkWebhookEvents(['case.created', 'case.deleted'])).toMatch(/unknown event case\.deleted/);
  });
});
