// The OpenAPI 3.1 document of the admin API, built from the route table (routes.ts): the paths,
// methods, parameters and answers it lists are the ones the router serves.
import type { RouteShape } from './router.js';
import { ERROR, type Schema } from './schemas.js';

interface Documented extends RouteShape {
  summary: string;
  response: Schema;
}

const QUERY: Record<string, { description: string; schema: Schema }> = {
  tail: { description: 'how many of the last lines (default 100, at most 10000)', schema: { type: 'string', description: 'a whole number' } },
  since: { description: 'only lines since a duration ago (10m, 2h), a Unix time or a date (2024-05-01T12:00:00Z)', schema: { type: 'string' } },
};

const error = (description: string) => ({ description, content: { 'application/json': { schema: ERROR } } });

/** The error answers every endpoint may give (docs/admin-api.md#errors). */
const ERRORS = {
  400: error('bad input (a bad name, an unknown query parameter, a body): nothing was changed'),
  401: error('a wrong or missing token'),
  403: error('sent by a web page (Origin, Sec-Fetch-Site)'),
  404: error('no such tenant, or no such endpoint'),
  405: error('the endpoint does not take this method (see Allow)'),
  409: error('a conflict: the tenant is busy, being added or removed, or stopped by an operator'),
  429: error('too many wrong tokens: wait Retry-After seconds'),
  500: error('a bug (logged by the watchdog)'),
  502: error('podman, Caddy or the state store failed'),
};

export function openapi(routes: readonly Documented[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [
      ...(r.path.includes('{name}') ? [{ name: 'name', in: 'path', required: true, description: 'tenant name', schema: { type: 'string' } }] : []),
      ...(r.query ?? []).map((q) => ({ name: q, in: 'query', required: false, ...QUERY[q] })),
    ];
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(params.length ? { parameters: params } : {}),
      responses: { 200: { description: 'done', content: { 'application/json': { schema: r.response } } }, ...ERRORS },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'feather-tenant admin API', version: '1', description: 'Served by the watchdog on FEATHER_TENANT_ADMIN_LISTEN. See docs/admin-api.md.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the token `feather-tenant admin-token` prints' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
