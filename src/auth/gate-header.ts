// Every answer of the login gate that does not let a request through to the tenant (the login
// and logout pages, 401, the redirect to the login page, 403, 404, 429, 503) carries this
// response header, with what the answer was. Caddy's access log records response headers, and
// activity (activity/access-log-parse.ts) skips those lines: a scanner the gate turns away must
// not keep a tenant awake. Only verify's 200, which is never sent to the client, lacks it.
export const GATE_HEADER = 'X-Feather-Gate';
