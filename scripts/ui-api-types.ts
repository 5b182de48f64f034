/**
 * Writes the console's API types (web/ui/src/api/api.gen.ts) from the server's route
 * schemas: the OpenAPI document of the API routes and of the session routes, through
 * openapi-typescript. `npm run typecheck` and `npm run build:ui` run it first; the file is
 * not committed, so it cannot fall behind the routes.
 */
import { writeFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';
import { API_ROUTES, API_VERSION } from '../src/web/api/api-plugin.js';
import { buildOpenApi } from '../src/web/api/openapi.js';
import { SESSION_ROUTE_DOCS } from '../src/web/routes/session/routes.js';

const out = new URL('../web/ui/src/api/api.gen.ts', import.meta.url);
const document = buildOpenApi([...API_ROUTES, ...SESSION_ROUTE_DOCS], { version: API_VERSION });
// A field with a default may be left out: the console sends and keeps documents in that form.
const ast = await openapiTS(JSON.parse(JSON.stringify(document)), { defaultNonNullable: false });
const header = "// Made by scripts/ui-api-types.ts from the server's route schemas; do not edit.\n";
await writeFile(out, header + astToString(ast));
