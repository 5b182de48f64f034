/**
 * accounts, light face — the API tokens' commands, for `relaydesk token`. It names no
 * module that loads the password hasher (argon2) or the address checks (RE2, through
 * routing), which a command importing index.ts would load: the server is bundled with
 * code splitting, and esbuild keeps the chunk of each module a re-export file names,
 * used or not. index.ts describes the accounts.
 */
export { createApiToken, listTokens, revokeApiToken } from './api-tokens.js';
