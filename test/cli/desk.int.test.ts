/**
 * The desk's CLI against a running server: channels and their generated addresses, a
 * customer's mail becoming a case, the agent's answer by email, leads and conversion,
 * rotation and verification, suspended mail. Every command also answers --json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSink, type Sink } from '../support/smtp-sink.js';
import { swaks } from '../support/swaks.js';
import { eventually } from '../support/relaydesk.js';
import { cliStore, describeRun, parseJson, relaydesk, startServer, type CliStore, type ServerChild } from './cli-helpers.js';

const desk = (port: number) => `domains: [solarmora.com]
hosts:
  - { name: world, host: 127.0.0.1, port: ${port}, tls: none, domains: [customer.example, bigcorp.example] }
desk:
  domain: case.relaydesk.test
  channels:
    - { name: Support, kind: support, publicAddress: help@solarmora.com }
    - { name: Sales, kind: sales, publicAddress: sales@solarmora.com, autoAcknowledge: false }
`;
const withRules = (port: number, support: string, sales: string) => `${desk(port)}defaultRouting:
  - description: help to the desk
    match: { single: help@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: ${support} }, addXOriginalToHeader: true }
  - description: sales to the desk
    match: { single: sales@solarmora.com }
    modify: { changeEnvelopeRecipient: { replaceRecipient: ${sales} } }
`;

interface Channel {
  name: string;
  inboundAddress: string;
  verification: { state: string; detail: string | null };
}

describe('relaydesk desk …', () => {
  let store: CliStore;
  let sink: Sink;
  let server: ServerChild;
  const cli = async (...args: string[]) => {
    const r = await relaydesk([...args, ...store.args]);
    expect(r.code, describeRun(r)).toBe(0);
    return r;
  };
  const json = async <T>(...args: string[]) => parseJson<T>(await cli(...args, '--json'));

  beforeAll(async () => {
    store = await cliStore('sqlite');
    sink = await startSink();
    const first = await cli('apply', '-f', await store.file('desk.yaml', desk(sink.port)));
    expect(first.stdout).toMatch(/\+ desk channel Support: inbound address support@[a-z0-9]{16}\.case\.relaydesk\.test/);
    const channels = await json<Channel[]>('desk', 'channels');
    const address = (name: string) => channels.find((c) => c.name === name)!.inboundAddress;
    await cli('apply', '-f', await store.file('rules.yaml', withRules(sink.port, address('Support'), address('Sales'))));
    server = await startServer(store.args);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await sink?.stop();
    await store?.cleanup();
  });

  it("turns a customer mail into a case the CLI shows, and emails the agent's answer", async () => {
    const r = await swaks([
      '--server',
      `127.0.0.1:${server.smtpPort}`,
      '--from',
      'carol@customer.example',
      '--to',
      'help@solarmora.com',
      '--header',
      'Subject: Printer on fire',
      '--body',
      'It smokes.',
    ]);
    expect(r.lastReply).toMatch(/^250 /);
    const cases = await eventually(
      async () => {
        const list = await json<{ number: number; requester: { address: string }; status: string }[]>('desk', 'cases', '--status', 'new');
        return list.length > 0 && list;
      },
      20_000,
      'a case',
    );
    const n = cases[0]!.number;
    expect(cases[0]!.requester.address).toBe('carol@customer.example');
    const shown = await json<{ subject: string; messages: { direction: string; text: string }[] }>('desk', 'case', String(n));
    expect(shown.subject).toBe('Printer on fire');
    expect(shown.messages.some((m) => m.direction === 'in' && m.text.includes('It smokes.'))).toBe(true);
    const human = await cli('desk', 'case', String(n));
    expect(human.stdout).toContain(`#${n} Printer on fire`);
    const answer = await json<{ queueId: string; status: string }>('desk', 'reply', String(n), '--body', 'A technician is on the way.', '--status', 'pending');
    expect(answer.status).toBe('pending');
    const sent = await sink.waitFor((m) => m.raw.includes('A technician is on the way.'), 15_000);
    expect(sent.rcptTo).toEqual(['carol@customer.example']);
    await cli('desk', 'reply', String(n), '--body', 'internal: check the warranty', '--note');
    // Who wrote what reads as a person, not as the raw id cli:USER.
    const thread = (await cli('desk', 'case', String(n))).stdout;
    expect(thread).toMatch(/note by \S+ \(command line\)/);
    expect(thread).not.toMatch(/by cli:/);
    const missing = await relaydesk(['desk', 'case', '9999', ...store.args]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no case #9999/);
  }, 60_000);

  it('qualifies and converts a lead, and refuses a conversion twice with a clear reason', async () => {
    await swaks([
      '--server',
      `127.0.0.1:${server.smtpPort}`,
      '--from',
      'dan@bigcorp.example',
      '--to',
      'sales@solarmora.com',
      '--header',
      'From: Dan Buyer <dan@bigcorp.example>',
      '--header',
      'Subject: 500 seats',
    ]);
    const leads = await eventually(
      async () => {
        const l = await json<{ id: number; email: string }[]>('desk', 'leads');
        return l.length > 0 && l;
      },
      20_000,
      'a lead',
    );
    const id = String(leads[0]!.id);
    await cli('desk', 'lead', id, 'qualify');
    const converted = await json<{ status: string; conversion: { opportunity: { amount: number } } }>('desk', 'lead', id, 'convert', '--amount', '12000');
    expect(converted.status).toBe('converted');
    expect(converted.conversion.opportunity.amount).toBe(12000);
    const again = await relaydesk(['desk', 'lead', id, 'convert', ...store.args]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/cannot be converted/);
    const bad = await relaydesk(['desk', 'lead', id, 'frobnicate', ...store.args]);
    expect(bad.code).toBe(2);
  }, 60_000);

  it('verifies a channel through its rule, rotates its address, and lists suspended mail', async () => {
    const v = await json<{ state: string }>('desk', 'verify', 'Support', '--wait', '20');
    expect(v.state).toBe('verified');
    const rotated = await json<{ address: string; retired: string[] }>('desk', 'rotate', 'Sales');
    expect(rotated.retired).toHaveLength(1);
    const old = await swaks(['--server', `127.0.0.1:${server.smtpPort}`, '--from', 'x@customer.example', '--to', rotated.retired[0]!, '--quit-after', 'RCPT']);
    expect(old.lastReply).toMatch(/^550 5\.1\.1 /);
    await swaks([
      '--server',
      `127.0.0.1:${server.smtpPort}`,
      '--from',
      'ooo@customer.example',
      '--to',
      'help@solarmora.com',
      '--header',
      'Subject: Out of office',
      '--header',
      'Auto-Submitted: auto-replied',
    ]);
    const suspended = await eventually(
      async () => {
        const s = await json<{ id: number; reason: string; from: string }[]>('desk', 'suspended');
        return s.find((x) => x.from === 'ooo@customer.example');
      },
      20_000,
      'suspended',
    );
    expect(suspended.reason).toBe('auto-reply');
    await cli('desk', 'suspended', 'delete', String(suspended.id));
    expect(await json<unknown[]>('desk', 'failed')).toEqual([]);
  }, 90_000);
});
