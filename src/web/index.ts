/**
 * web — the HTTP side of a node: the REST API, the console, health and metrics.
 *
 * JOB      Serves /healthz, /readyz and /metrics for operators, the REST API under
 *          /api (described at /api/openapi.json) and the console's static files; every
 *          API call goes through route-kit, which validates input and output with zod
 *          and checks the caller's role before the handler runs.
 * INPUTS   HTTP requests; the store, the live configuration, the desk's keys, this
 *          node's metrics and store health. OUTPUTS JSON answers and RFC 9457 problem
 *          documents; configuration versions, desk changes and queued mail in the store.
 * TRUSTS   Nothing from the client: sessions are httpOnly SameSite=Strict cookies with a
 *          CSRF token for writes, API tokens are compared by hash, logins are rate
 *          limited, agents get 403 on admin routes, mail HTML is sanitised and served
 *          sandboxed, attachments are always downloads.
 * SECURITY Holds the store; never logs passwords, tokens or cookies; security headers on
 *          every answer.
 * EVENTS   web.login, web.login_failed, web.login_limited, web.logout, web.setup_done,
 *          web.password_changed, web.user_* and web.events_unavailable; api.token_created,
 *          api.fault; config.applied; queue.released and queue.deleted from quarantine.
 */
export { startWebServer, SECURITY_HEADERS, type WebDeps } from './server.js';
