/**
 * accounts — the web console's users, their sessions and the API's tokens.
 *
 * JOB      Keeps who may use the console and the API: adds, changes and removes console
 *          users (never the last enabled admin), hashes and checks their passwords, opens
 *          and ends their sessions, makes, lists and revokes API tokens, counts failed
 *          logins and prints the one-time link that creates the first admin. The mail
 *          directory's users (config `users:`) are not here: they are routing's.
 *          Used alike by the web (routes, authenticators) and the CLI (user, token, start).
 * INPUTS   Emails, roles and passwords already validated at the edge (the zod schemas
 *          here are what the edges validate with); session ids and tokens as presented;
 *          time as an argument; the store.
 * OUTPUTS  User, session and token rows in the store, of which only hashes of secrets;
 *          each secret (an initial password, a session id, a token, the setup link) in
 *          the answer that makes it and nowhere else.
 * TRUSTS   Nothing a request sends: a token must have the token's shape before the store is
 *          asked, a session id is looked up by its hash, a password is capped in length
 *          before it is hashed. Cookies, headers and CSRF are the web's (web/auth).
 * SECURITY Passwords are argon2id; tokens and session ids are random and kept as SHA-256;
 *          an unknown email costs a login as long as a known one (verifyDecoy). Sessions
 *          end after 12 hours idle and 7 days in all. A new password lifts the lockout.
 * EVENTS   None emitted here. Callers log web.login, web.login_failed, web.login_limited,
 *          web.logout, web.password_changed, web.setup_done, web.user_created,
 *          web.user_changed, web.user_password_reset, web.user_deleted and api.token_created.
 */
export { createApiToken, findLiveToken, hashToken, isTokenShape, listTokens, revokeApiToken } from './api-tokens.js';
export { LoginLimiter, type LoginLimits } from './login-limiter.js';
export { emailSchema, generatePassword, givenPasswordSchema, hashPassword, newPasswordSchema, verifyDecoy, verifyPassword } from './passwords.js';
export { liveSession, openSession, type OpenedSession } from './sessions.js';
export { consoleUrl, prepareSetupLink } from './setup-token.js';
export { addUser, removeUser, resetPassword, updateUser } from './users.js';
