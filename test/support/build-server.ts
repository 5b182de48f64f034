import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Builds dist/server from the sources as they are now, so a test or a benchmark that runs
 * the `relaydesk` binary runs this checkout's code, not what the last `npm ci` built.
 */
export function buildServer(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], { cwd: ROOT, stdio: 'inherit' });
}
