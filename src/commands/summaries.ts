import type { Context } from '../runtime/context.js';
import { UsageError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import { MAX_SUMMARIES_PER_TENANT } from '../core/summary.js';
import { requireTenant } from '../tenant/require.js';

export interface SummaryEntry {
  receivedAt: string;
  /** The JSON object the tenant pushed. */
  summary: Record<string, unknown>;
}

/** The last `last` (default 10) summaries a tenant pushed, oldest first. */
export function summaries(ctx: Context, rawName: string, o: { last?: string | number | undefined } = {}): SummaryEntry[] {
  const name = validateName(rawName);
  const n = o.last === undefined ? 10 : Number(o.last);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_SUMMARIES_PER_TENANT || (typeof o.last === 'string' && !/^\d+$/.test(o.last))) {
    throw new UsageError(`--last must be a whole number from 1 to ${MAX_SUMMARIES_PER_TENANT}, got ${JSON.stringify(o.last)}`);
  }
  requireTenant(ctx, name);
  return ctx.summaries().last(name, n).map((s) => ({ receivedAt: new Date(s.receivedAt).toISOString(), summary: JSON.parse(s.body) as Record<string, unknown> }));
}
