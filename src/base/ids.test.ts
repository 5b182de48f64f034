import { describe, expect, it } from 'vitest';
import { newQueueId, randomToken } from './ids.js';

describe('newQueueId', () => {
  it('sorts by time and does not repeat', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => newQueueId(1_700_000_000_000 + i));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toMatch(/^[0-9BCDFGHJKLMNPQRSTVWXYZ]{15}$/);
  });
});

describe('randomToken', () => {
  it('gives lowercase letters and digits of the asked length', () => {
    const t = randomToken(16);
    expect(t).toMatch(/^[a-z0-9]{16}$/);
    expect(randomToken(16)).not.toBe(t);
  });
});
