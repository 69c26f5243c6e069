import type { Context } from '../runtime/context.js';
import { UsageError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import { sinceDay, totals, type UsageRow, type UsageTotal } from '../core/usage.js';
import { requireTenant } from '../tenant/require.js';

export interface UsageOptions {
  /** One tenant, or all (its rows are kept after it is removed, until retention drops them). */
  name?: string | undefined;
  /** `7d` (default), `12h`, or a date: the first day counted. */
  since?: string | undefined;
}

export interface UsageResult {
  /** The first day counted (UTC), and the last (today). */
  since: string;
  until: string;
  /** Per tenant, most active first. */
  tenants: UsageTotal[];
  total: UsageTotal;
  /** With a name: that tenant's days, oldest first. */
  days?: UsageRow[];
}

/** Usage per tenant over days (core/usage.ts): active time, requests, bytes, wakes, CPU, peak memory. */
export function usage(ctx: Context, o: UsageOptions = {}): UsageResult {
  const name = o.name === undefined ? undefined : validateName(o.name);
  const now = ctx.now();
  const text = o.since ?? '7d';
  const since = sinceDay(text, now);
  if (since === undefined) throw new UsageError(`--since must be a number of days or hours (7d, 12h) or a date (2026-11-01), got ${JSON.stringify(text)}`);
  const rows = ctx.usage().days(since, name);
  // A name nobody has ever had is a typo: an error, where a removed tenant's history is shown.
  if (name !== undefined && rows.length === 0) requireTenant(ctx, name);
  const t = totals(rows);
  return { since, until: new Date(now).toISOString().slice(0, 10), tenants: t.tenants, total: t.total, ...(name === undefined ? {} : { days: rows }) };
}
