import { refusalText } from '../../../base/refusal-texts.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../../base/log.js';
import { changeUser, countUsers, createFirstAdmin, deleteSession, findUserByEmail, recordLogin, type Db, type UserRow } from '../../../store/index.js';
import {
  emailSchema,
  givenPasswordSchema,
  hashPassword,
  hashToken,
  LoginLimiter,
  newPasswordSchema,
  openSession,
  verifyDecoy,
  verifyPassword,
  type LoginLimits,
} from '../../../accounts/index.js';
import { crossSiteRefusal } from '../../auth/csrf.js';
import { checkCsrf, clearSessionCookie, sessionOf, setSessionCookie } from '../../auth/sessions.js';
import { HttpProblem } from '../../http-problem.js';
import type { RouteDoc } from '../../api/openapi.js';
import { EVENTS } from '../../../base/events.js';

export interface SessionRouteDeps {
  readonly db: Db;
  readonly logger: Logger;
  readonly now: () => number;
  /** Failed logins allowed per email and per IP address in a window (default 5 and 20 in 15 minutes). */
  readonly limits?: { readonly perEmail?: LoginLimits; readonly perIp?: LoginLimits };
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;
export const DEFAULT_LOGIN_LIMITS = { perEmail: { max: 5, windowMs: FIFTEEN_MINUTES }, perIp: { max: 20, windowMs: FIFTEEN_MINUTES } } as const;

const BAD_CREDENTIALS = 'the email or the password is wrong; check both, or ask an admin to reset the password';

const loginBody = z.strictObject({ email: emailSchema, password: givenPasswordSchema });
const setupBody = z.strictObject({ token: z.string().min(1).max(200), email: emailSchema, password: newPasswordSchema });
const passwordBody = z.strictObject({ current: givenPasswordSchema, next: newPasswordSchema });

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => `${['body', ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new HttpProblem(
    'BAD_INPUT',
    `the request is not valid: ${details[0]}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
    details,
    refusalText('invalid-request', { count: details.length, detail: details[0] ?? '' }),
  );
}

const sessionSchema = z.object({
  user: z.object({ email: z.string(), role: z.enum(['admin', 'agent']), available: z.boolean().describe('takes new cases (assignment)') }),
  csrfToken: z.string().describe('send it as X-CSRF-Token with every request that changes something'),
});

/** What the session routes answer, typed by the schema that describes them, so the two cannot part. */
const present = (user: UserRow, csrfToken: string): z.infer<typeof sessionSchema> => ({
  user: { email: user.email, role: user.role, available: user.available },
  csrfToken,
});

const doc = (d: Omit<RouteDoc, 'tag' | 'status' | 'failures'> & { status?: number; failures?: readonly number[] }): RouteDoc => ({
  tag: 'session',
  status: 200,
  failures: [],
  ...d,
});

/**
 * These routes in the document's terms. They are the console's, not the token API's, so
 * /api/openapi.json leaves them out; the console's types are made from both.
 */
export const SESSION_ROUTE_DOCS: readonly RouteDoc[] = [
  doc({
    method: 'GET',
    path: '/api/session',
    operationId: 'getSession',
    summary: 'Who is logged in, with the CSRF token of the session',
    response: sessionSchema,
  }),
  doc({
    method: 'POST',
    path: '/api/session',
    operationId: 'logIn',
    summary: 'Log in: sets the session cookie',
    body: loginBody,
    response: sessionSchema,
    failures: [403, 429],
  }),
  doc({ method: 'DELETE', path: '/api/session', operationId: 'logOut', summary: 'Log out: ends the session and clears its cookie', status: 204 }),
  doc({
    method: 'POST',
    path: '/api/session/password',
    operationId: 'changeOwnPassword',
    summary: 'Change the password of the logged-in user; their other sessions end',
    body: passwordBody,
    status: 204,
    failures: [403, 429],
  }),
  doc({
    method: 'GET',
    path: '/api/setup',
    operationId: 'getSetup',
    summary: 'Whether the first admin is still to be made',
    response: z.object({ needed: z.boolean() }),
  }),
  doc({
    method: 'POST',
    path: '/api/setup',
    operationId: 'setUp',
    summary: "Make the first admin with the setup link's token, and log them in",
    body: setupBody,
    response: sessionSchema,
    failures: [403, 409, 429],
  }),
];

/**
 * The console's access, under /api: who is logged in (GET /session), log in and out,
 * change one's password, and the first start's setup. Login and setup come before any
 * session exists, so instead of a CSRF token they refuse requests a browser marks as
 * cross-site; the session's cookie is SameSite=Strict besides.
 */
export function sessionRoutes(deps: SessionRouteDeps) {
  const limiter = new LoginLimiter(deps.db);
  const perEmail = deps.limits?.perEmail ?? DEFAULT_LOGIN_LIMITS.perEmail;
  const perIp = deps.limits?.perIp ?? DEFAULT_LOGIN_LIMITS.perIp;

  const tooMany = (reply: FastifyReply, wait: number, ip: string, email: string | null): FastifyReply => {
    const seconds = Math.ceil(wait / 1000);
    deps.logger.warn({ event: EVENTS.loginLimited, ip, email }, 'login refused: too many failures');
    return reply
      .code(429)
      .header('Retry-After', String(seconds))
      .send({
        error: `too many failed attempts; wait ${Math.ceil(seconds / 60)} minute(s) and try again, or ask an admin to reset the password`,
        code: 'RATE_LIMITED',
        details: [],
      });
  };

  /**
   * Runs one password or token check as a limited attempt. The attempt is recorded before
   * `check` runs and stays recorded, as a failure, only when `check` throws a WrongGuess;
   * a success, a malformed request or a store error is forgotten. Past the limit the answer
   * is 429 and `check` does not run at all.
   */
  const guarded = async <T>(reply: FastifyReply, ip: string, email: string | null, check: () => Promise<T>): Promise<T | FastifyReply> => {
    const keys = [{ key: `ip:${ip}`, limits: perIp }, ...(email ? [{ key: `email:${email}`, limits: perEmail }] : [])];
    const attempt = await limiter.begin(keys, deps.now());
    if (attempt.wait > 0) {
      await attempt.forget();
      return tooMany(reply, attempt.wait, ip, email);
    }
    try {
      const out = await check();
      await attempt.forget();
      return out;
    } catch (e) {
      if (e instanceof WrongGuess) throw e.problem;
      await attempt.forget();
      throw e;
    }
  };
  const refuseCrossSite = (req: FastifyRequest) => {
    const why = crossSiteRefusal(req);
    if (why) throw new HttpProblem('CSRF', why);
  };
  const logIn = async (req: FastifyRequest, reply: FastifyReply, user: UserRow) => {
    const now = deps.now();
    const session = await openSession(deps.db, user, now);
    await recordLogin(deps.db, user.id, now);
    setSessionCookie(req, reply, session);
    deps.logger.info({ event: EVENTS.login, email: user.email, role: user.role, ip: req.ip }, 'console login');
    return present(user, session.csrfToken);
  };

  return async (api: FastifyInstance) => {
    api.get('/session', async (req, reply) => {
      const s = await sessionOf(deps.db, req, deps.now());
      if (!s)
        return reply
          .code(401)
          .send({ error: 'not logged in; log in with POST /api/session', code: 'UNAUTHENTICATED', details: [], reason: 'not-logged-in', params: {} });
      return present(s.user, s.csrfToken);
    });

    api.post('/session', async (req, reply) => {
      refuseCrossSite(req);
      const body = parse(loginBody, req.body);
      return guarded(reply, req.ip, body.email, async () => {
        const user = await findUserByEmail(deps.db, body.email);
        const ok = user && !user.disabled ? await verifyPassword(user.passwordHash, body.password) : await verifyDecoy(body.password);
        if (!user || !ok) {
          deps.logger.info({ event: EVENTS.loginFailed, email: body.email, ip: req.ip }, 'console login failed');
          throw new WrongGuess(new HttpProblem('BAD_CREDENTIALS', BAD_CREDENTIALS, [], refusalText('bad-credentials', {})));
        }
        await limiter.reset(`email:${body.email}`);
        return logIn(req, reply, user);
      });
    });

    api.delete('/session', async (req, reply) => {
      const s = await sessionOf(deps.db, req, deps.now());
      if (s) {
        checkCsrf(req, s);
        await deleteSession(deps.db, s.idHash);
        deps.logger.info({ event: EVENTS.logout, email: s.user.email }, 'console logout');
      }
      clearSessionCookie(req, reply);
      return reply.code(204).send();
    });

    api.post('/session/password', async (req, reply) => {
      const s = await sessionOf(deps.db, req, deps.now());
      if (!s) throw new HttpProblem('UNAUTHENTICATED', 'not logged in; log in with POST /api/session', [], refusalText('not-logged-in', {}));
      checkCsrf(req, s);
      const body = parse(passwordBody, req.body);
      return guarded(reply, req.ip, s.user.email, async () => {
        const user = await findUserByEmail(deps.db, s.user.email);
        if (!user || !(await verifyPassword(user.passwordHash, body.current))) {
          throw new WrongGuess(
            new HttpProblem(
              'BAD_INPUT',
              'the current password is wrong; nothing was changed',
              ['body.current: the current password is wrong'],
              refusalText('password-wrong', {}),
            ),
          );
        }
        const r = await changeUser(deps.db, user.email, { passwordHash: await hashPassword(body.next), keepSession: s.idHash, now: deps.now() });
        if (r.kind !== 'changed')
          throw new HttpProblem('UNAUTHENTICATED', 'the user of this session no longer exists; log in again', [], refusalText('session-user-gone', {}));
        await limiter.reset(`email:${user.email}`);
        deps.logger.info({ event: EVENTS.passwordChanged, email: user.email }, 'console password changed; other sessions ended');
        return reply.code(204).send();
      });
    });

    api.get('/setup', async () => ({ needed: (await countUsers(deps.db)) === 0 }));

    api.post('/setup', async (req, reply) => {
      refuseCrossSite(req);
      const body = parse(setupBody, req.body);
      return guarded(reply, req.ip, null, async () => {
        if ((await countUsers(deps.db)) > 0) throw setUpAlready();
        const now = deps.now();
        const outcome = await createFirstAdmin(deps.db, {
          tokenHash: hashToken(body.token),
          email: body.email,
          passwordHash: await hashPassword(body.password),
          now,
        });
        if (outcome === 'users-exist') throw setUpAlready();
        if (outcome === 'bad-token') {
          throw new WrongGuess(
            new HttpProblem(
              'FORBIDDEN',
              'the setup link is not valid: it works once, and only the last one the server printed; restart the server to print a new one',
            ),
          );
        }
        const user = await findUserByEmail(deps.db, body.email);
        if (!user) throw new Error('the first admin vanished right after it was created');
        deps.logger.info({ event: EVENTS.setupDone, email: user.email }, 'first admin created');
        return logIn(req, reply, user);
      });
    });
  };
}

/** A wrong password or token: the attempt stays counted against the limit. */
class WrongGuess extends Error {
  constructor(readonly problem: HttpProblem) {
    super(problem.message);
  }
}

const setUpAlready = () =>
  new HttpProblem(
    'CONFLICT',
    'the console is set up already; log in, or (locked out) run `relaydesk user passwd EMAIL` on the server',
    [],
    refusalText('setup-done', {}),
  );
