/**
 * GET /api/events: the console's stream of desk changes. A customer's mail is announced
 * within seconds; the stream needs a token or a session; a node that stops ends its streams
 * instead of waiting for browsers to hang up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiNode, type ApiNode } from './api-helpers.js';

/** Reads the stream until `until` matches what arrived, or the time is up. */
async function readUntil(res: Response, until: RegExp, timeoutMs: number): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until.test(text) && Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), Math.max(1, deadline - Date.now())))]);
      if (chunk === null || chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

describe('desk events', () => {
  let n: ApiNode;
  let stopped = false;
  beforeAll(async () => {
    n = await startApiNode('sqlite');
  });
  afterAll(async () => {
    if (!stopped) await n?.stop();
  });

  const open = (token: string | null) => fetch(`${n.base}/api/events`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('announces new mail to an agent within seconds', async () => {
    const res = await open(n.agent);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // The first read of the mark only sets it; the mail comes after.
    setTimeout(() => void n.mail('help@solarmora.com', 'events@customer.example', { Subject: 'Announce me' }), 1_500);
    const text = await readUntil(res, /event: desk\ndata: \{"mark":"[\d.]+"\}\n\n/, 10_000);
    expect(text).toMatch(/^retry: 3000\n\n/);
    expect(text).toMatch(/event: desk\ndata: \{"mark":"[\d.]+"\}/);
  });

  it('needs a token or a session', async () => {
    const res = await open(null);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
  });

  it('ends open streams when the node stops, rather than waiting for them', async () => {
    const res = await open(n.admin);
    expect(res.status).toBe(200);
    // Nothing to wait for in the text: the read ends when the server ends the stream.
    const reading = readUntil(res, /(?!)/, 15_000);
    const started = Date.now();
    stopped = true;
    await n.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    await reading;
  });
});
