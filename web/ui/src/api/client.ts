import type { paths } from './api.gen.js';

/**
 * The one way the console talks to the server: same-origin fetch under /api, the session
 * cookie for authentication and the CSRF token on every state-changing request.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly details: readonly string[],
    /** The refusal as a code for the dictionaries (`refusal.<reason>`), with its values; null when the server gave none. */
    readonly reason: string | null = null,
    readonly params: Readonly<Record<string, string | number>> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
const unauthenticatedListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request other than the session check answers 401: the session ended. */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<M extends Method, P extends keyof paths> = NonNullable<paths[P][M]>;

/** The paths that answer `method`, as the server's description spells them: `/api/cases/{number}`. */
export type PathOf<M extends Method> = { [P in keyof paths]: paths[P][M] extends undefined ? never : P }[keyof paths];

type Success<R> = R extends { 200: infer S } ? S : R extends { 201: infer S } ? S : R extends { 202: infer S } ? S : R extends { 204: infer S } ? S : never;
type JsonOf<S> = S extends { content: { 'application/json': infer J } } ? J : undefined;

/** What a call answers when it succeeds; undefined for a 204. */
export type Answer<M extends Method, P extends PathOf<M>> = JsonOf<Success<Op<M, P>['responses']>>;
/** The JSON body a call takes. */
export type BodyOf<M extends Method, P extends PathOf<M>> =
  NonNullable<Op<M, P>['requestBody']> extends { content: { 'application/json': infer B } } ? B : never;
/** The query a call takes. */
export type QueryOf<M extends Method, P extends PathOf<M>> = NonNullable<Op<M, P>['parameters']['query']>;

type PathParams<O> = O extends { parameters: { path: infer A } } ? { [K in keyof A]: string | number } : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;
type RequestBody<O> = NonNullable<O extends { requestBody?: infer R } ? R : never>;
type JsonBody<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/**
 * A call's parts: `params` when its path has any, `query` when it takes one (a blank or null
 * value leaves the parameter out, as a form's empty filter means), `body` as required as the
 * server has it.
 */
type Parts<O> = ([PathParams<O>] extends [never] ? unknown : { params: PathParams<O> }) &
  ([QueryParams<O>] extends [never] ? unknown : { query?: { [K in keyof QueryParams<O>]?: QueryParams<O>[K] | null | '' } }) &
  ([RequestBody<O>] extends [never] ? unknown : O extends { requestBody: unknown } ? { body: JsonBody<RequestBody<O>> } : { body?: JsonBody<RequestBody<O>> });
/** Before a session exists a 401 is an answer, not the end of one. */
type Options<O> = Parts<O> & { quiet401?: boolean };
type Args<O> = Record<never, never> extends Parts<O> ? [opts?: Options<O>] : [opts: Options<O>];

interface Request {
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  quiet401?: boolean;
}

async function call(method: Method, template: string, req: Request = {}): Promise<unknown> {
  const path = template.replace(/\{([A-Za-z_]+)\}/g, (_, name: string) => encodeURIComponent(String(req.params?.[name] ?? '')));
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (req.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'get' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`${path}${queryString(req.query ?? {})}`, {
      method: method.toUpperCase(),
      headers,
      credentials: 'same-origin',
      body: req.body === undefined ? null : JSON.stringify(req.body),
    });
  } catch {
    throw new ApiError(0, '', 'NETWORK', []);
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const p = (data ?? {}) as { error?: unknown; code?: unknown; details?: unknown; reason?: unknown; params?: unknown };
    if (res.status === 401 && !req.quiet401) for (const l of unauthenticatedListeners) l();
    throw new ApiError(
      res.status,
      typeof p.error === 'string' ? p.error : `${res.status} ${res.statusText}`,
      typeof p.code === 'string' ? p.code : 'HTTP_ERROR',
      Array.isArray(p.details) ? p.details.filter((d): d is string => typeof d === 'string') : [],
      typeof p.reason === 'string' ? p.reason : null,
      typeof p.params === 'object' && p.params !== null ? (p.params as Record<string, string | number>) : {},
    );
  }
  return res.status === 204 ? undefined : data;
}

/** Builds `?a=1&b=2` from the defined values only. */
function queryString(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const method =
  <M extends Method>(m: M) =>
  <P extends PathOf<M>>(path: P, ...[opts]: Args<Op<M, P>>): Promise<Answer<M, P>> =>
    call(m, path, opts as Request) as Promise<Answer<M, P>>;

/**
 * The API as the server describes it (api.gen.ts, made from its route schemas): the path,
 * the method, the parameters, the body and the answer of every call are checked by tsc.
 */
export const api = { get: method('get'), post: method('post'), put: method('put'), patch: method('patch'), delete: method('delete') };
