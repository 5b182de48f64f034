import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { crossSiteRefusal, sameSecret } from './csrf.js';

const req = (headers: Record<string, string>) => ({ headers: { host: 'desk.example:8080', ...headers } }) as unknown as FastifyRequest;

describe('crossSiteRefusal', () => {
  it.each([
    [{}, false],
    [{ 'sec-fetch-site': 'same-origin' }, false],
    [{ 'sec-fetch-site': 'none' }, false],
    [{ origin: 'http://desk.example:8080' }, false],
    [{ origin: 'https://desk.example:8080', 'sec-fetch-site': 'same-origin' }, false],
    [{ 'sec-fetch-site': 'same-site' }, true],
    [{ 'sec-fetch-site': 'cross-site' }, true],
    [{ origin: 'http://evil.example' }, true],
    [{ origin: 'http://desk.example:9999' }, true],
    [{ origin: 'null' }, true],
    [{ origin: 'not a url' }, true],
  ] as const)('%o → refused: %s', (headers, refused) => {
    expect(crossSiteRefusal(req(headers)) !== null).toBe(refused);
  });
});

describe('sameSecret', () => {
  it('is true only for equal strings', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });
});
