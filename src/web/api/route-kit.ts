import { refusalText } from '../../base/refusal-texts.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Authenticator, Principal } from '../auth/principal.js';
import { HttpProblem } from '../http-problem.js';
import { decidePermission, type Action } from '../policies/policy.js';
import type { ApiDeps } from './api-deps.js';

type Schema = z.ZodType | undefined;
type Out<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P extends Schema, Q extends Schema, B extends Schema> {
  readonly params: Out<P>;
  readonly query: Out<Q>;
  readonly body: Out<B>;
}

/**
 * One API route, in the order every request goes through it (Outline's pipeline):
 * authenticate → authorize (403) → validate (zod) → load (404) → command (409) → present.
 * Permission depends on the role and the action only, so it comes first: an agent
 * calling an admin endpoint learns nothing else about it.
 * The same schemas make the OpenAPI document.
 */
export interface RouteSpec<P extends Schema, Q extends Schema, B extends Schema, L, R> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify style, under /api: `/api/cases/:number`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly action: Action;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly response: z.ZodType;
  /** The success status (200 unless said). */
  readonly status?: 200 | 201 | 202;
  /** Failures this route can answer with besides 400/401 (for the document). */
  readonly failures?: readonly (403 | 404 | 409 | 503)[];
  readonly load?: (input: RouteInput<P, Q, B>, deps: ApiDeps) => Promise<L>;
  readonly command: (x: { input: RouteInput<P, Q, B>; subject: L; principal: Principal; deps: ApiDeps }) => Promise<R>;
}

/** A route with its types erased, as the registry and the document keep it. */
export interface ApiRoute {
  readonly method: RouteSpec<Schema, Schema, Schema, unknown, unknown>['method'];
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly action: Action;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response: z.ZodType;
  readonly status: number;
  readonly failures: readonly number[];
  run(req: FastifyRequest, principal: Principal, deps: ApiDeps): Promise<unknown>;
}

export function defineRoute<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined, L = undefined, R = unknown>(
  spec: RouteSpec<P, Q, B, L, R>,
): ApiRoute {
  return {
    method: spec.method,
    path: spec.path,
    operationId: spec.operationId,
    summary: spec.summary,
    tag: spec.tag,
    action: spec.action,
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.query ? { query: spec.query } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    response: spec.response,
    status: spec.status ?? 200,
    failures: spec.failures ?? [],
    async run(req, principal, deps) {
      const permission = decidePermission(principal, spec.action);
      if (permission.kind === 'deny') throw new HttpProblem('FORBIDDEN', `not allowed: ${permission.reason}`, [], refusalText('forbidden', {}));
      const input = validateInput(spec, req);
      const subject = (spec.load ? await spec.load(input, deps) : undefined) as L;
      return spec.command({ input, subject, principal, deps });
    },
  };
}

/** Every problem of every part at once, each as `where.field: what is wrong`. */
function validateInput<P extends Schema, Q extends Schema, B extends Schema>(
  spec: { params?: P; query?: Q; body?: B },
  req: FastifyRequest,
): RouteInput<P, Q, B> {
  const details: string[] = [];
  const check = (where: 'params' | 'query' | 'body', schema: z.ZodType | undefined, value: unknown): unknown => {
    if (!schema) return undefined;
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    for (const issue of r.error.issues) details.push(`${[where, ...issue.path.map(String)].join('.')}: ${issue.message}`);
    return undefined;
  };
  const params = check('params', spec.params, req.params);
  const query = check('query', spec.query, req.query ?? {});
  const body = check('body', spec.body, req.body);
  if (details.length)
    throw new HttpProblem(
      'BAD_INPUT',
      `the request is not valid: ${details[0]}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
      details,
      refusalText('invalid-request', { count: details.length, detail: details[0] ?? '' }),
    );
  return { params, query, body } as RouteInput<P, Q, B>;
}

/** Finds who is asking with the first authenticator that applies; 401 when none does. */
export async function authenticate(req: FastifyRequest, authenticators: readonly Authenticator[]): Promise<Principal> {
  for (const a of authenticators) {
    const r = await a(req);
    if (r.kind === 'principal') return r.principal;
    if (r.kind === 'refused') throw new HttpProblem('UNAUTHENTICATED', `not authenticated: ${r.reason}`, [], refusalText('not-authenticated', {}));
  }
  throw new HttpProblem(
    'UNAUTHENTICATED',
    'not authenticated: send "Authorization: Bearer rd_…" with a token from `relaydesk token create`',
    [],
    refusalText('not-authenticated', {}),
  );
}

/** Registers routes on an encapsulated instance whose prefix is /api. */
export function registerRoutes(api: FastifyInstance, routes: readonly ApiRoute[], deps: ApiDeps, authenticators: readonly Authenticator[]): void {
  for (const r of routes) {
    api.route({
      method: r.method,
      url: r.path.replace(/^\/api/, '') || '/',
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const principal = await authenticate(req, authenticators);
        const result = await r.run(req, principal, deps);
        reply.code(r.status);
        return result;
      },
    });
  }
}
