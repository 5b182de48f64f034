/**
 * Fails the test during which a promise rejected with nobody handling it, or an error
 * escaped to the process: in production either could take the node down (or, with the
 * node's own guard, leave something half done), so neither may happen in a test.
 */
import { afterEach } from 'vitest';

const seen: string[] = [];
const record = (what: string) => (e: unknown) => {
  seen.push(`${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
};
process.on('unhandledRejection', record('unhandled rejection'));
process.on('uncaughtExceptionMonitor', record('uncaught exception'));

afterEach(() => {
  if (seen.length === 0) return;
  const found = seen.splice(0);
  throw new Error(`${found.length} failure(s) nobody handled during this test:\n${found.join('\n')}`);
});
