// The admin API's endpoints, one line each: method, path, query parameters, what it answers
// (a schema of schemas.ts) and the command it runs. The handlers call the CLI's own command
// functions (so the same validation, the same locks, the same errors); the OpenAPI document and
// the router both read this table, so an endpoint added here is routed and documented at once.
import type { Context } from '../runtime/context.js';
import type { WarmupDeps } from '../commands/warmup.js';
import type { LifecycleVerb } from '../commands/lifecycle.js';
import type { RouteShape } from './router.js';
import { LIFECYCLE, LIST_ENTRY, LOGS, OPENAPI, SHOW, SUMMARIES, USAGE, WARMUP, type Schema } from './schemas.js';
import { openapi } from './openapi.js';

export interface Call {
  ctx: Context;
  warm: WarmupDeps;
  /** The `{name}` of the path, as sent (the command validates it). */
  name: string;
  query: Record<string, string>;
}

export interface Route extends RouteShape {
  summary: string;
  /** The schema of its 200 answer. */
  response: Schema;
  run(c: Call): Promise<unknown>;
}

const lifecycle = (verb: LifecycleVerb) => async (c: Call) => (await import('../commands/lifecycle.js')).lifecycle(c.ctx, verb, c.name);

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/api/tenants', summary: 'every tenant, as `list --json`', response: { type: 'array', items: LIST_ENTRY }, run: async (c) => (await import('../commands/list.js')).list(c.ctx) },
  { method: 'GET', path: '/api/tenants/{name}', summary: 'one tenant, as `show --json`', response: SHOW, run: async (c) => (await import('../commands/show.js')).show(c.ctx, c.name) },
  { method: 'GET', path: '/api/tenants/{name}/logs', query: ['tail', 'since'], summary: "the tenant's last log lines, stdout and stderr in time order", response: LOGS, run: async (c) => (await import('../commands/logs.js')).logLines(c.ctx, { name: c.name, lines: c.query.tail, since: c.query.since }) },
  { method: 'POST', path: '/api/tenants/{name}/start', summary: '`start`: start its container (creating it if missing)', response: LIFECYCLE, run: lifecycle('start') },
  { method: 'POST', path: '/api/tenants/{name}/stop', summary: '`stop`: stop its container; it stays stopped (no wake) until started', response: LIFECYCLE, run: lifecycle('stop') },
  { method: 'POST', path: '/api/tenants/{name}/restart', summary: '`restart`: stop and start it, answering when it answers HTTP', response: LIFECYCLE, run: lifecycle('restart') },
  { method: 'POST', path: '/api/tenants/{name}/warmup', summary: 'wake it if asleep; answers when it answers HTTP', response: WARMUP, run: async (c) => (await import('../commands/warmup.js')).warmup(c.ctx, c.warm, c.name) },
  { method: 'GET', path: '/api/tenants/{name}/usage', query: ['since'], summary: '`usage NAME`: its usage per day since `since` (7d, 12h or a date; default 7d)', response: USAGE, run: async (c) => (await import('../commands/usage.js')).usage(c.ctx, { name: c.name, since: c.query.since }) },
  { method: 'GET', path: '/api/tenants/{name}/summaries', query: ['last'], summary: '`summaries NAME`: the last `last` (default 10) summaries it pushed, oldest first', response: SUMMARIES, run: async (c) => (await import('../commands/summaries.js')).summaries(c.ctx, c.name, { last: c.query.last }) },
  { method: 'GET', path: '/api/usage', query: ['since'], summary: '`usage`: every tenant\'s usage since `since` and the total, most active first', response: USAGE, run: async (c) => (await import('../commands/usage.js')).usage(c.ctx, { since: c.query.since }) },
  { method: 'GET', path: '/api/openapi.json', summary: 'this API, as an OpenAPI 3.1 document', response: OPENAPI, run: () => Promise.resolve(openapi(ROUTES)) },
];
