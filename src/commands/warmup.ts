import type { Context } from '../runtime/context.js';
import { ConflictError, OperationError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import { objectName } from '../core/tenant.js';
import { requireActive } from '../tenant/require.js';
import type { WakeOutcome, WakeTarget } from '../wake/waker.js';
import { leaseMs } from './sweep.js';

/** What warmup needs of the watchdog: its waker (one flight a tenant, shared with the wake server) and a probe. */
export interface WarmupDeps {
  wake(t: WakeTarget): Promise<WakeOutcome>;
  inFlight(name: string): boolean;
  /** The app answers HTTP on the port. */
  probe(port: number): Promise<boolean>;
}

export interface WarmupResult {
  name: string;
  /** woken: it was asleep (or waking) and answers now; none: it answered already. */
  action: 'woken' | 'none';
  state: 'running';
  /** How long the wake took (0 when it was up). */
  ms: number;
  message: string;
}

/**
 * Wakes a sleeping tenant and resolves when it answers HTTP: the admin API's warmup, for a front
 * page that starts a user's container while they log in. The wake is the wake server's (same
 * single flight, same waiting for a sweep's stop or another command's lock), so a warmup and the
 * user's first request share one `podman start`. A tenant an operator stopped stays stopped.
 */
export async function warmup(ctx: Context, w: WarmupDeps, rawName: string): Promise<WarmupResult> {
  const name = validateName(rawName);
  const row = requireActive(ctx, name);
  if (row.desired === 'stopped') {
    throw new ConflictError(`tenant ${name} was stopped by an operator; warmup does not start it`, `start it with: feather-tenant start ${name} (POST /api/tenants/${name}/start)`);
  }
  const now = ctx.now();
  // Activity first: a sweep that has not claimed the tenant yet now leaves it up for the user
  // about to arrive; one that has is stopping it, and the wake below waits for that stop.
  ctx.sleep().recordActivity([{ name, at: now, kind: 'warmup', detail: '{}' }], [], undefined);
  const stopping = ctx.sleep().stopInProgress(name, now - leaseMs(ctx));
  if (!w.inFlight(name) && !stopping && (await w.probe(row.port))) {
    return { name, action: 'none', state: 'running', ms: 0, message: `${name} is already running` };
  }
  const outcome = await w.wake({ name, container: objectName(ctx.config, name), port: row.port });
  if (!outcome.ok) throw new OperationError(`${name} did not wake: ${outcome.error ?? 'unknown error'}`, `see its logs: feather-tenant logs ${name}`);
  return { name, action: 'woken', state: 'running', ms: outcome.durationMs, message: `woke ${name} in ${(outcome.durationMs / 1000).toFixed(1)} s` };
}
