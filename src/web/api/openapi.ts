import { z } from 'zod';
import { problemSchema } from './common-schemas.js';
import type { ApiRoute } from './route-kit.js';

type JsonSchema = Record<string, unknown>;

/**
 * What the document needs of a route: an API route is one, and so is a route of the
 * console's own (the session) that is not part of the token API but is described the same way.
 */
export type RouteDoc = Pick<ApiRoute, 'method' | 'path' | 'operationId' | 'summary' | 'tag' | 'params' | 'query' | 'body' | 'status' | 'failures'> & {
  readonly action?: ApiRoute['action'];
  /** None for a 204. */
  readonly response?: z.ZodType;
};

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'Done; no content',
  400: 'The request is not valid; `details` lists every problem',
  401: 'No token, or a token that is unknown or revoked',
  403: "The token's role may not do this (admin only)",
  404: 'No such record',
  409: "The record's state does not allow this change",
  429: 'Too many failed attempts; wait as long as Retry-After says',
  503: 'A part of this node the request needs is not answering; retry, and check the node if it persists',
};

const givenBack = new WeakSet<z.core.$ZodType>();

/**
 * Marks a schema of an answer that sends back what a client once gave, as it was given (the
 * configuration document): the document shows its input side, not what parsing makes of it.
 */
export function answeredAsGiven<S extends z.ZodType>(schema: S): S {
  givenBack.add(schema);
  return schema;
}

function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: (ctx) => {
      if (io === 'input' || !givenBack.has(ctx.zodSchema)) return;
      for (const k of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[k];
      Object.assign(ctx.jsonSchema, jsonSchema(ctx.zodSchema, 'input'));
    },
  }) as JsonSchema;
  return rest;
}

/** Query and path parameters, one per property of the route's object schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input');
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
    schema: p,
  }));
}

/**
 * The OpenAPI 3.1 document of the routes, made from the very zod schemas that
 * validate requests (JSON Schema 2020-12 is OpenAPI 3.1's schema language).
 */
export function buildOpenApi(routes: readonly RouteDoc[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      [r.status]: {
        description: STATUS_TEXT[r.status] ?? 'OK',
        ...(r.response ? { content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } } : {}),
      },
    };
    for (const code of [400, 401, ...r.failures])
      responses[code] = { description: STATUS_TEXT[code], content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      ...(r.action ? { 'x-relaydesk-action': r.action } : {}),
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body
        ? { requestBody: { required: !r.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Relaydesk API',
      version: info.version,
      description:
        'The help desk over HTTP: channels, cases and their messages, leads and conversions, suspended and failed mail, webhooks and API tokens. Authenticate with `Authorization: Bearer rd_…` (`relaydesk token create`). Errors are `{ error, code, details }`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token made with `relaydesk token create`' } },
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
    },
    paths,
  };
}
