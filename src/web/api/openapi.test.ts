import { describe, expect, it } from 'vitest';
import { API_ROUTES } from './api-plugin.js';
import { SESSION_ROUTE_DOCS } from '../routes/session/routes.js';
import { buildOpenApi } from './openapi.js';

describe('buildOpenApi', () => {
  const doc = buildOpenApi(API_ROUTES, { version: 'test' }) as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { operationId: string; parameters: { name: string; in: string }[]; responses: Record<string, unknown>; requestBody?: unknown }>
    >;
  };

  it('is OpenAPI 3.1 with one operation per route and unique operation ids', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(ops).toHaveLength(API_ROUTES.length);
    expect(new Set(ops.map((o) => o.operationId)).size).toBe(ops.length);
  });

  it('turns :params into {params} and documents them, with the query filters', () => {
    const get = doc.paths['/api/cases/{number}']!.get!;
    expect(get.parameters).toContainEqual(expect.objectContaining({ name: 'number', in: 'path' }));
    const list = doc.paths['/api/cases']!.get!;
    expect(list.parameters.map((p) => p.name).sort()).toEqual(['assignee', 'channel', 'cursor', 'limit', 'search', 'sla', 'sort', 'status', 'tests']);
    expect(doc.paths['/api/cases/{number}']!.patch!.responses).toHaveProperty('409');
    expect(doc.paths['/api/channels/{name}/rotate']!.post!.responses).toHaveProperty('403');
  });

  it('documents the traffic figures as admin only, with the range to show', () => {
    const get = doc.paths['/api/traffic']!.get! as unknown as { parameters: unknown[]; responses: Record<string, unknown>; 'x-relaydesk-action'?: string };
    expect(get.parameters).toEqual([
      expect.objectContaining({ name: 'range', in: 'query', schema: expect.objectContaining({ enum: ['hour', 'day', 'week'] }) }),
    ]);
    expect(get.responses).toHaveProperty('403');
    expect(get['x-relaydesk-action']).toBe('stats.read');
  });

  it('describes the configuration document as the file is written, with its defaults left out', () => {
    const answer = doc.paths['/api/config/document']!.get!.responses['200'] as {
      content: {
        'application/json': {
          schema: { properties: { document: { properties: Record<string, { type?: unknown; properties?: Record<string, unknown>; required?: string[] }> } } };
        };
      };
    };
    const document = answer.content['application/json'].schema.properties.document;
    expect(document.properties.smtp?.properties?.maxMessageSize).toEqual({ type: ['string', 'number'] });
    expect(document.properties.smtp?.required).toBeUndefined();
    expect(document.properties.users).toMatchObject({ type: 'array', items: { required: ['address'] } });
  });

  it('describes the session routes apart from the API, a 204 without content', () => {
    expect(doc.paths).not.toHaveProperty('/api/session');
    const console = buildOpenApi([...API_ROUTES, ...SESSION_ROUTE_DOCS], { version: 'test' }) as typeof doc;
    expect(console.paths['/api/session']!.delete!.responses['204']).toEqual({ description: expect.any(String) });
    expect(console.paths['/api/session']!.post!.requestBody).toMatchObject({ required: true });
  });

  it('survives a JSON round trip', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
