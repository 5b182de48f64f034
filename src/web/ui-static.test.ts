import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiStatic } from './ui-static.js';

describe('the console at /', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-ui-'));
    app = Fastify();
    app.setNotFoundHandler(async (_req, reply) => reply.code(404).send({ code: 'NOT_FOUND' }));
    app.get('/api/cases', async () => ({ items: [] }));
    await app.register(uiStatic({ root: dir }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 with what to run while the console is not built, and the API still works', async () => {
    const r = await app.inject('/cases/1001');
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build:ui');
    expect((await app.inject('/api/cases')).json()).toEqual({ items: [] });
  });

  it('serves index.html for every page of the app, uncached, and hashed assets as immutable', async () => {
    await mkdir(path.join(dir, 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Relaydesk</title>');
    await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    for (const url of ['/', '/cases', '/cases/1001?x=1', '/setup']) {
      const r = await app.inject(url);
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/html/);
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.body).toContain('<title>Relaydesk</title>');
    }
    const asset = await app.inject('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject('/assets/missing-000.js')).statusCode).toBe(404);
    const escape = await app.inject('/assets/..%2f..%2fetc%2fpasswd');
    expect([403, 404]).toContain(escape.statusCode);
    expect(escape.body).not.toContain('root:');
  });

  it("leaves unknown API paths to the API's own 404", async () => {
    const r = await app.inject('/api/nothing-here');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ code: 'NOT_FOUND' });
  });
});
