/**
 * `relaydesk webhook add` refuses a loopback, private or link-local address (exit 1, with
 * the setting that allows it) until the configuration sets
 * desk.webhooks.allowPrivateDestinations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliStore, describeRun, relaydesk, type CliStore } from './cli-helpers.js';

const config = (allow: boolean) => `domains: [solarmora.com]
desk:
  domain: case.relaydesk.test
${allow ? '  webhooks: { allowPrivateDestinations: true }\n' : ''}`;

describe('relaydesk webhook add and private destinations', () => {
  let store: CliStore;
  const run = (...args: string[]) => relaydesk([...args, ...store.args]);

  beforeAll(async () => {
    store = await cliStore('sqlite');
    const applied = await run('apply', '-f', await store.file('desk.yaml', config(false)));
    expect(applied.code, describeRun(applied)).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await store?.cleanup();
  });

  it('refuses them with exit 1 and a sentence that names the setting, then takes them once it is set', async () => {
    const [loopback, metadata] = await Promise.all([
      run('webhook', 'add', 'http://127.0.0.1:9000/hooks', '--events', 'case.created'),
      run('webhook', 'add', 'http://169.254.169.254/latest/meta-data/', '--events', 'case.created'),
    ]);
    expect(loopback.code, describeRun(loopback)).toBe(1);
    expect(loopback.stderr).toContain(
      'the webhook was not added: 127.0.0.1 is a loopback address; webhooks go to public addresses only; to send them there, set desk.webhooks.allowPrivateDestinations: true in the configuration',
    );
    expect(metadata.code, describeRun(metadata)).toBe(1);
    expect(metadata.stderr).toContain('169.254.169.254 is a link-local address');

    const applied = await run('apply', '-f', await store.file('allow.yaml', config(true)));
    expect(applied.stdout).toContain('~ desk.webhooks.allowPrivateDestinations false → true');
    const added = await run('webhook', 'add', 'http://127.0.0.1:9000/hooks', '--events', 'case.created');
    expect(added.code, describeRun(added)).toBe(0);
    expect(added.stdout).toMatch(/^webhook wh_\S+ → http:\/\/127\.0\.0\.1:9000\/hooks/);
  }, 60_000);
});
