import { describe, expect, it } from 'vitest';
import { parseWorkers, workerNodeName } from './workers.js';

describe('--workers', () => {
  it('is a count, or auto for one per core', () => {
    expect(parseWorkers('3', 2)).toBe(3);
    expect(parseWorkers('auto', 2)).toBe(2);
    expect(parseWorkers('auto', 0)).toBe(1);
  });

  it('refuses what is not a count from 1 to 64, and says what it takes', () => {
    for (const v of ['0', '65', '1.5', 'two', '']) expect(() => parseWorkers(v, 2)).toThrow(/--workers must be a number from 1 to 64 or "auto"/);
  });

  it('names worker i after the node, the same at every start', () => {
    expect(workerNodeName('gw.example.com', 2)).toBe('gw.example.com-w2');
  });
});
