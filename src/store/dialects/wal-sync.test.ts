import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WalSync } from './wal-sync.js';

describe('WalSync', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'walsync-'));
  const file = path.join(dir, 'x-wal');
  writeFileSync(file, 'frames');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shares one later fsync among every caller that arrives while one runs', async () => {
    const w = new WalSync(file);
    const first = w.sync();
    const waiting = Array.from({ length: 10 }, () => w.sync());
    // Callers during the first fsync must not ride on it (it may have started before their commit).
    expect(waiting[0]).not.toBe(first);
    expect(new Set(waiting).size).toBe(1);
    await Promise.all([first, ...waiting]);
    const later = w.sync();
    expect(later).not.toBe(first);
    expect(later).not.toBe(waiting[0]);
    await later;
    await w.close();
  });

  it('fails loudly when the file is missing, and recovers once it exists', async () => {
    const missing = path.join(dir, 'missing-wal');
    const w = new WalSync(missing);
    await expect(w.sync()).rejects.toThrow(/ENOENT/);
    writeFileSync(missing, '');
    await expect(w.sync()).resolves.toBeUndefined();
    await w.close();
  });
});
