import { defineConfig } from 'vitest/config';

/**
 * Browser tests: Debian's chromium driven by playwright-core against a whole node started in
 * the test process. A project of `npm test` (vitest.config.ts), and runnable alone with
 * `npx vitest run -c vitest.e2e.config.ts`.
 */
export default defineConfig({
  test: {
    name: 'e2e',
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Builds the console from web/ui once per run, so the tests see the current source.
    globalSetup: ['test/e2e/global-setup.ts'],
    setupFiles: ['test/support/no-unhandled.ts'],
  },
});
