/**
 * Builds the console (web/ui → dist/ui) before the browser tests, so they never test a
 * stale bundle. Set RELAYDESK_E2E_SKIP_BUILD=1 to use dist/ui as it is.
 */
import { build } from 'vite';

export default async function setup(): Promise<void> {
  if (process.env.RELAYDESK_E2E_SKIP_BUILD) return;
  // vitest sets NODE_ENV=test, which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: new URL('../../web/ui/vite.config.ts', import.meta.url).pathname, mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
