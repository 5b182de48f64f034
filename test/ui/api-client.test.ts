import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, setCsrfToken } from '../../web/ui/src/api/client.js';

interface Sent {
  url: string;
  init: RequestInit;
}

/** Answers every request with `status` and `body`, and keeps what was sent. */
function serve(status: number, body: unknown): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  });
  return sent;
}

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

describe('the console API client', () => {
  it('fills the path parameters, encoded, and leaves blank query values out', async () => {
    const sent = serve(200, { items: [], nextCursor: null });
    await api.post('/api/users/{email}/password', { params: { email: 'a b@example.com' }, body: {} });
    await api.get('/api/cases', { query: { status: 'open', search: '', assignee: null, limit: 5 } });
    expect(sent.map((s) => s.url)).toEqual(['/api/users/a%20b%40example.com/password', '/api/cases?status=open&limit=5']);
  });

  it('sends the body as JSON with the CSRF token, and answers a 204 with undefined', async () => {
    const sent = serve(204, undefined);
    setCsrfToken('t0k');
    const answer = await api.post('/api/session/password', { body: { current: 'old password', next: 'a new password' } });
    expect(answer).toBeUndefined();
    expect(sent[0]?.init.method).toBe('POST');
    expect(sent[0]?.init.body).toBe(JSON.stringify({ current: 'old password', next: 'a new password' }));
    expect(sent[0]?.init.headers).toMatchObject({ 'Content-Type': 'application/json', 'X-CSRF-Token': 't0k' });
  });

  it('turns a problem into an ApiError with its code and details', async () => {
    serve(409, { error: 'the case is closed', code: 'CONFLICT', details: ['status'] });
    const failure = api.patch('/api/cases/{number}', { params: { number: 7 }, body: { status: 'open' } });
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ status: 409, message: 'the case is closed', code: 'CONFLICT', details: ['status'] });
  });

  it('checks paths, parameters and bodies against the description (tsc)', async () => {
    serve(200, {});
    // @ts-expect-error no such path
    await api.get('/api/nothing-here');
    // @ts-expect-error the path has a parameter
    await api.get('/api/cases/{number}');
    // @ts-expect-error a note has a body, not a text
    await api.post('/api/cases/{number}/notes', { params: { number: 1 }, body: { text: 'x' } });
    // @ts-expect-error not a case status
    await api.get('/api/cases', { query: { status: 'archived' } });
    const detail = await api.get('/api/cases/{number}', { params: { number: 1 } });
    const subject: string = detail.subject;
    expect(subject).toBeUndefined();
  });
});
