// Pure: which route of the table a request is, or why none is. Paths are matched as sent, never
// decoded or normalised: `//`, `.`/`..` segments, a trailing slash, other cases and backslashes
// match no route (404), and a `{name}` segment goes to the command as it is, where a percent
// sign or anything else that is not a tenant name is the CLI's usage error (400). So no spelling
// of a path can reach a route that its plain spelling does not.

export type Method = 'GET' | 'POST';

export interface RouteShape {
  method: Method;
  /** Segments are literal, or `{name}` (one segment, handed to the handler). */
  path: string;
  /** The query parameters it takes; any other is refused. */
  query?: readonly string[];
}

export type Match<R extends RouteShape> =
  | { ok: true; route: R; params: Record<string, string>; query: Record<string, string> }
  | { ok: false; status: 400 | 404 | 405; error: string; hint?: string; allow?: Method[] };

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    const param = /^\{(\w+)\}$/.exec(w)?.[1];
    if (param !== undefined) {
      if (g === '') return undefined;
      params[param] = g;
    } else if (w !== g) return undefined;
  }
  return params;
}

/** The route `method url` names, with its parameters and its query, or the refusal. */
export function route<R extends RouteShape>(table: readonly R[], method: string, url: string): Match<R> {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? '' : url.slice(q + 1);
  const found = table.map((r) => ({ r, params: matchPath(r.path, path) })).filter((m) => m.params !== undefined);
  if (found.length === 0) return { ok: false, status: 404, error: `no such endpoint: ${path}`, hint: 'the endpoints are listed in GET /api/openapi.json' };
  const hit = found.find((m) => m.r.method === method);
  if (!hit) {
    const allow = [...new Set(found.map((m) => m.r.method))];
    return { ok: false, status: 405, error: `${method} is not allowed on ${path}`, hint: `use ${allow.join(' or ')}`, allow };
  }
  const allowed = new Set(hit.r.query ?? []);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    if (!allowed.has(k)) {
      return { ok: false, status: 400, error: `unknown query parameter ${JSON.stringify(k)}`, hint: allowed.size ? `${path} takes ${[...allowed].join(', ')}` : `${path} takes no query parameters` };
    }
    if (k in query) return { ok: false, status: 400, error: `query parameter ${JSON.stringify(k)} given twice` };
    query[k] = v;
  }
  return { ok: true, route: hit.r, params: hit.params as Record<string, string>, query };
}
