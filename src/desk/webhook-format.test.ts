import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature, webhookHeaders } from './webhook-format.js';

describe('signWebhook and verifyWebhookSignature', () => {
  const secret = 'whsec_0123456789abcdef';
  const body = Buffer.from('{"id":"evt_1","type":"case.created"}');

  it('signs the timestamp, a dot and the exact bytes', () => {
    const expected = createHmac('sha256', secret).update(`1764230000.${body.toString()}`).digest('hex');
    expect(signWebhook(secret, 1764230000, body)).toBe(`t=1764230000,sha256=${expected}`);
    expect(signWebhook(secret, 1764230000, body.toString())).toBe(`t=1764230000,sha256=${expected}`);
  });

  it('verifies a fresh delivery and refuses a changed body, another secret, a replay and a forged timestamp', () => {
    const header = signWebhook(secret, 1764230000, body);
    expect(verifyWebhookSignature(secret, header, body, 1764230010)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(`${body.toString()} `), 1764230010)).toBe(false);
    expect(verifyWebhookSignature('another-secret-value', header, body, 1764230010)).toBe(false);
    // Recorded and sent again ten minutes later.
    expect(verifyWebhookSignature(secret, header, body, 1764230600)).toBe(false);
    // The same MAC under a newer timestamp: the timestamp is part of what is signed.
    expect(verifyWebhookSignature(secret, header.replace('t=1764230000', 't=1764230590'), body, 1764230600)).toBe(false);
    expect(verifyWebhookSignature(secret, 'sha256=00', body, 1764230010)).toBe(false);
  });
});

describe('webhookHeaders', () => {
  it('names the event and the delivery, and signs the body at the time of sending', () => {
    const secret = 'whsec_0123456789abcdef';
    const body = Buffer.from('{"id":"evt_2","type":"lead.created"}');
    const headers = webhookHeaders({ envelope: { id: 'evt_2', type: 'lead.created' }, body, secret, sentAt: 1764230000, userAgent: 'Relaydesk-Webhook/0.1' });
    expect(headers).toEqual({
      'Content-Type': 'application/json',
      'User-Agent': 'Relaydesk-Webhook/0.1',
      'X-Relaydesk-Event': 'lead.created',
      'X-Relaydesk-Delivery': 'evt_2',
      'X-Relaydesk-Timestamp': '1764230000',
      'X-Relaydesk-Signature': signWebhook(secret, 1764230000, body),
    });
    expect(verifyWebhookSignature(secret, headers['X-Relaydesk-Signature'] as string, body, 1764230000)).toBe(true);
    // A retry an hour later is signed anew, so a receiver still takes it.
    const retry = webhookHeaders({ envelope: { id: 'evt_2', type: 'lead.created' }, body, secret, sentAt: 1764233600, userAgent: 'Relaydesk-Webhook/0.1' });
    expect(retry['X-Relaydesk-Timestamp']).toBe('1764233600');
    expect(verifyWebhookSignature(secret, retry['X-Relaydesk-Signature'] as string, body, 1764233600)).toBe(true);
  });
});
