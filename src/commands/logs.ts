import type { Context } from '../runtime/context.js';
import { NotFoundError, UsageError } from '../core/errors.js';
import { noTenant } from '../tenant/require.js';
import { parseLines, parseSince } from '../core/log-options.js';
import { validateName } from '../core/names.js';
import { objectName } from '../core/tenant.js';
import type { LogLine } from '../podman/parse-logs.js';

export interface LogsOptions {
  name: string;
  follow: boolean;
  lines?: string | undefined;
  since?: string | undefined;
}

/** The options checked (exit 2 on a typo) and the container found, before podman is asked for logs. */
async function logTarget(ctx: Context, o: Omit<LogsOptions, 'follow'>): Promise<{ obj: string; tail: number | undefined; since: string | undefined }> {
  const name = validateName(o.name);
  const tail = o.lines === undefined ? undefined : parseLines(o.lines);
  const since = o.since === undefined ? undefined : parseSince(o.since);
  const obj = objectName(ctx.config, name);
  if (!(await ctx.podman.containerExists(obj))) {
    if (ctx.store().get(name) === undefined) throw noTenant(name);
    throw new NotFoundError(`tenant ${name} has no container, so no logs`, `recreate it with: feather-tenant start ${name}`);
  }
  return { obj, tail, since };
}

/** Streams the tenant's container logs through (no lock: reading never changes anything). */
export async function logs(ctx: Context, o: LogsOptions): Promise<number> {
  const { obj, tail, since } = await logTarget(ctx, o);
  return ctx.podman.streamLogs(obj, { follow: o.follow, tail, since });
}

/** Lines the admin API answers with when it is not told how many: enough to see a crash. */
export const DEFAULT_TAIL = 100;
/** At most this many lines in one answer, read whole into memory. */
export const MAX_TAIL = 10_000;

export interface LogLinesResult {
  name: string;
  lines: LogLine[];
}

/** The last lines of the tenant's logs as data (the admin API's `logs`), at most MAX_TAIL. */
export async function logLines(ctx: Context, o: Omit<LogsOptions, 'follow'>): Promise<LogLinesResult> {
  const { obj, tail = DEFAULT_TAIL, since } = await logTarget(ctx, o);
  if (tail > MAX_TAIL) throw new UsageError(`tail must be at most ${MAX_TAIL} lines, got ${tail}`, 'narrow it down with since (10m, 2h)');
  return { name: o.name, lines: await ctx.podman.readLogs(obj, { tail, since }) };
}
