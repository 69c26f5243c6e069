import type { Context } from '../runtime/context.js';
import { NotFoundError, OperationError, UsageError } from '../core/errors.js';
import type { LogSource } from '../backend/port.js';
import { noTenant } from '../tenant/require.js';
import { parseLines, parseSince } from '../core/log-options.js';
import { validateName } from '../core/names.js';
import type { LogLine } from '../podman/parse-logs.js';

export interface LogsOptions {
  name: string;
  follow: boolean;
  lines?: string | undefined;
  since?: string | undefined;
}

/** The options checked (exit 2 on a typo) and the container (or service) found, before the engine is asked for logs. */
async function logTarget(ctx: Context, o: Omit<LogsOptions, 'follow'>): Promise<{ source: LogSource; tail: number | undefined; since: string | undefined }> {
  const name = validateName(o.name);
  const tail = o.lines === undefined ? undefined : parseLines(o.lines);
  const since = o.since === undefined ? undefined : parseSince(o.since);
  const source = await ctx.backend.logs(ctx, name);
  if (!source) {
    if (ctx.store().get(name) === undefined) throw noTenant(name);
    const lost = ctx.backend.lost(name);
    throw new NotFoundError(`tenant ${name} has no ${lost.what}, so no logs`, lost.hint);
  }
  return { source, tail, since };
}

/**
 * Streams the tenant's logs through (no lock: reading never changes anything); an interrupt
 * (130) is how `-f` ends, any other failure of the engine's command is exit 1.
 */
export async function logs(ctx: Context, o: LogsOptions): Promise<number> {
  const { source, tail, since } = await logTarget(ctx, o);
  const code = await source.stream({ follow: o.follow, tail, since });
  if (code !== 0 && code !== 130) throw new OperationError(`${source.command} exited with status ${code}`);
  return code;
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
  const { source, tail = DEFAULT_TAIL, since } = await logTarget(ctx, o);
  if (tail > MAX_TAIL) throw new UsageError(`tail must be at most ${MAX_TAIL} lines, got ${tail}`, 'narrow it down with since (10m, 2h)');
  return { name: o.name, lines: await source.read({ tail, since }) };
}
