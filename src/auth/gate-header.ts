// Every answer of the login gate that does not let a request through to the tenant (the login
// and logout pages, 401, the redirect to the login page, 403, 404, 429, 503) carries this
// response header, with what the answer was. Caddy's access log records response headers, and
// activity (activity/access-log-parse.ts) skips those lines: a scanner the gate turns away must
// not keep a tenant awake. Only verify's 200, which is never sent to the client, lacks it.
//
// A request that passed carries it too, with GATE_PASSED: Caddy's route sets it on the response
// when verify said yes (caddy/routes.ts). With the gate on, only those lines count as activity:
// a hostile review found answers without any gate header that were no one using the tenant
// (Caddy's catch-all 404 for `Host: alice.domain.` with a trailing dot, Node's 431 and 400 on
// the verify subrequest for oversized headers or a raw non-ASCII query, and Caddy's empty 200
// when the client half-closed during verify), each of which kept a tenant awake.
export const GATE_HEADER = 'X-Feather-Gate';
export const GATE_PASSED = 'passed';
