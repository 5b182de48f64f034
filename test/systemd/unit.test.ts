/**
 * examples/relaydesk.service passes `systemd-analyze verify` without a warning and keeps its
 * hardening (test/systemd/verify.sh); skipped, saying why, where systemd-analyze is absent.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const script = path.join(import.meta.dirname, 'verify.sh');
const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).status === 0;
if (!hasAnalyze) console.warn('skipping the systemd unit check: systemd-analyze is not installed (Debian: apt-get install systemd)');

describe('the systemd unit', () => {
  it.skipIf(!hasAnalyze)('passes systemd-analyze verify with no warning, at exposure 2.0 or better', () => {
    const r = spawnSync('bash', [script], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/systemd-analyze verify: ok; exposure level \d/);
  });

  it.skipIf(!hasAnalyze)('fails the check on a misspelt directive', async () => {
    // The script checks the unit beside it two levels up: give it a copy with a typo.
    const root = await mkdtemp(path.join(os.tmpdir(), 'relaydesk-unit-'));
    try {
      await mkdir(path.join(root, 'test/systemd'), { recursive: true });
      await mkdir(path.join(root, 'examples'));
      await cp(script, path.join(root, 'test/systemd/verify.sh'));
      const unit = await readFile(path.join(import.meta.dirname, '../../examples/relaydesk.service'), 'utf8');
      await writeFile(path.join(root, 'examples/relaydesk.service'), unit.replace('Restart=on-failure', 'Restart=on-failure\nRestartt=always'));
      const r = spawnSync('bash', [path.join(root, 'test/systemd/verify.sh')], { encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/Unknown key 'Restartt'/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
