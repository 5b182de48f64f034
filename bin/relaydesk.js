#!/usr/bin/env node
// Runs the compiled server in dist/ (`npm ci` builds it; `npm run build` after a change).
// `npm run dev -- ARGS` runs the TypeScript sources directly instead.
import { existsSync } from 'node:fs';

const main = new URL('../dist/server/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('relaydesk: the compiled server (dist/server/main.js) is missing; run `npm run build` in the package folder (`npm ci` does it)\n');
  process.exit(70);
}
await import(main.href);
