/**
 * postWebhook against a receiver on 127.0.0.1, with the name resolved by an injected
 * lookup: what it resolves to is checked, all of it, and the socket connects only there.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook, WebhookDestinationRefused, type WebhookLookup } from './webhooks.js';

describe('postWebhook and where it may connect', () => {
  let server: http.Server;
  let port = 0;
  const hosts: (string | undefined)[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hosts.push(req.headers.host);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const answers = (table: Record<string, { address: string; family: number }[]>) => {
    const asked: string[] = [];
    const lookup: WebhookLookup = async (name) => {
      asked.push(name);
      const found = table[name];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return found;
    };
    return { lookup, asked };
  };
  const post = (url: string, lookup: WebhookLookup, allowPrivateDestinations: boolean) =>
    postWebhook({ url, body: Buffer.from('{}'), headers: { 'Content-Type': 'application/json' }, timeoutMs: 5_000, lookup, allowPrivateDestinations });

  it('refuses a name when any address it resolves to is not public, and connects nowhere', async () => {
    const before = hosts.length;
    const { lookup, asked } = answers({
      'mixed.example.test': [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
      'six.example.test': [{ address: '::1', family: 6 }],
    });
    await expect(post(`http://mixed.example.test:${port}/h`, lookup, false)).rejects.toThrow(
      new WebhookDestinationRefused(
        'mixed.example.test resolves to 127.0.0.1, a loopback address; webhooks go to public addresses only; to send them there, set desk.webhooks.allowPrivateDestinations: true in the configuration',
      ),
    );
    await expect(post(`http://six.example.test:${port}/h`, lookup, false)).rejects.toThrow(/^six\.example\.test resolves to ::1, a loopback address/);
    expect(asked).toEqual(['mixed.example.test', 'six.example.test']);
    expect(hosts.length).toBe(before);
  });

  it('refuses a literal address without looking anything up', async () => {
    const { lookup, asked } = answers({});
    await expect(post(`http://127.0.0.1:${port}/h`, lookup, false)).rejects.toBeInstanceOf(WebhookDestinationRefused);
    await expect(post(`http://[::ffff:7f00:1]:${port}/h`, lookup, false)).rejects.toBeInstanceOf(WebhookDestinationRefused);
    expect(asked).toEqual([]);
  });

  it('connects to what the lookup gave once private destinations are allowed', async () => {
    const { lookup, asked } = answers({ 'hooks.example.test': [{ address: '127.0.0.1', family: 4 }] });
    expect((await post(`http://hooks.example.test:${port}/h`, lookup, true)).status).toBe(204);
    expect(hosts.at(-1)).toBe(`hooks.example.test:${port}`);
    expect(asked).toEqual(['hooks.example.test']);
  });

  it('leaves a name that does not resolve to be retried: not a refusal', async () => {
    const { lookup } = answers({});
    const failure = post(`http://nowhere.example.test:${port}/h`, lookup, false);
    await expect(failure).rejects.toThrow(/ENOTFOUND/);
    await expect(failure).rejects.not.toBeInstanceOf(WebhookDestinationRefused);
  });
});
