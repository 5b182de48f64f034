import { describe, expect, it } from 'vitest';
import { classifyReply, classifySendFailure, parseReply, type SendFailure } from './classify-reply.js';

describe('parseReply', () => {
  it.each([
    ['250 2.0.0 Ok: queued as ABC', 250, '2.0.0'],
    ['550 5.1.1 <x@y>: Recipient address rejected', 550, '5.1.1'],
    ['450 4.2.0 greylisted', 450, '4.2.0'],
    ['550 no enhanced code here', 550, undefined],
    ['550-5.7.1 first line\n550 5.7.1 second line', 550, '5.7.1'],
    ['554 5.7.10 Encryption needed', 554, '5.7.10'],
    ['garbage', undefined, undefined],
  ])('%s', (reply, code, enhanced) => {
    const p = parseReply(reply);
    expect(p.code).toBe(code);
    expect(p.enhanced).toBe(enhanced);
    expect(p.text).not.toMatch(/[\r\n]/);
  });
});

describe('classifyReply', () => {
  it.each([
    ['250 2.0.0 Ok', undefined, 'delivered', '2.0.0'],
    ['250 Ok', undefined, 'delivered', '2.0.0'],
    ['450 4.2.0 greylisted', undefined, 'deferred', '4.2.0'],
    ['421 service not available', undefined, 'deferred', '4.0.0'],
    ['550 5.1.1 user unknown', undefined, 'bounced', '5.1.1'],
    ['554 transaction failed', undefined, 'bounced', '5.0.0'],
    ['550 4.2.2 basic code wins over a mismatched class', undefined, 'bounced', '5.2.2'],
    ['451 5.7.1 basic code wins (temporary)', undefined, 'deferred', '4.7.1'],
    ['552 5.5.3 too many recipients', 'RCPT TO', 'deferred', '4.5.3'],
    ['552 5.3.4 message too big', 'DATA', 'bounced', '5.3.4'],
    ['354 go ahead', undefined, 'deferred', '4.5.0'],
    ['', undefined, 'deferred', '4.5.0'],
  ])('%s (%s) → %s %s', (reply, command, kind, status) => {
    const c = classifyReply(reply, command);
    expect(c.kind).toBe(kind);
    expect(c.status).toBe(status);
  });

  it('joins multi-line replies on one line', () => {
    expect(classifyReply('550-5.1.1 a\r\n550 5.1.1 b').reply).toBe('550-5.1.1 a 550 5.1.1 b');
  });
});

describe('classifySendFailure', () => {
  const cases: { name: string; f: SendFailure; kind: string; status: string; next: boolean; reply?: RegExp }[] = [
    {
      name: 'connection refused',
      f: { code: 'ESOCKET', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:9' },
      kind: 'deferred',
      status: '4.4.1',
      next: true,
      reply: /mx: connection refused/,
    },
    {
      name: 'greeting timeout',
      f: { code: 'ETIMEDOUT', command: 'CONN', message: 'Greeting never received' },
      kind: 'deferred',
      status: '4.4.1',
      next: true,
      reply: /no greeting/,
    },
    {
      name: '5xx greeting is temporary',
      f: { code: 'EPROTOCOL', command: 'CONN', response: '554 go away', message: 'Invalid greeting' },
      kind: 'deferred',
      status: '4.4.0',
      next: true,
    },
    {
      name: 'STARTTLS refused',
      f: { code: 'ETLS', command: 'STARTTLS', response: '502 5.5.1 no', message: 'Error upgrading' },
      kind: 'deferred',
      status: '4.7.5',
      next: true,
      reply: /TLS with mx failed.*502 5\.5\.1 no/,
    },
    {
      name: 'MAIL FROM 550',
      f: { code: 'EENVELOPE', command: 'MAIL FROM', response: '550 5.7.1 sender denied', message: 'x' },
      kind: 'bounced',
      status: '5.7.1',
      next: false,
      reply: /^550 5\.7\.1 sender denied$/,
    },
    {
      name: 'RCPT 450',
      f: { code: 'EENVELOPE', command: 'RCPT TO', response: '450 4.2.1 later', message: 'x' },
      kind: 'deferred',
      status: '4.2.1',
      next: false,
    },
    { name: 'DATA 554', f: { code: 'EMESSAGE', command: 'DATA', response: '554 5.6.0 bad', message: 'x' }, kind: 'bounced', status: '5.6.0', next: false },
    {
      name: 'socket closed mid-transaction',
      f: { code: 'ECONNECTION', message: 'Connection closed unexpectedly' },
      kind: 'deferred',
      status: '4.4.2',
      next: false,
    },
    {
      name: 'invalid recipient refused locally',
      f: { code: 'EENVELOPE', message: 'Invalid recipient "a\\nb"' },
      kind: 'bounced',
      status: '5.1.3',
      next: false,
    },
    {
      name: 'over the advertised SIZE',
      f: { code: 'EMESSAGE', command: 'MAIL FROM', message: 'Message size larger than allowed 10' },
      kind: 'bounced',
      status: '5.3.4',
      next: false,
    },
    { name: 'pool closed', f: { message: 'Connection pool was closed' }, kind: 'deferred', status: '4.4.2', next: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = classifySendFailure(c.f, 'mx');
      expect([got.kind, got.status, got.tryNextHost]).toEqual([c.kind, c.status, c.next]);
      if (c.reply) expect(got.reply).toMatch(c.reply);
    });
  }
});
