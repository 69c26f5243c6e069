import type { Context } from '../runtime/context.js';
import { deliverRevocations, type Delivery } from '../auth/deliver.js';
import { openSessions } from '../auth/runtime.js';

/**
 * Runs a state change and, when the login gate is on, records the revocation of the tenant's
 * sessions (all, or one) in the same SQLite transaction: the revocation cannot be lost.
 */
export function changeAndRevoke(ctx: Context, r: { tenant: string; reason: string; sessionId?: string }, change: () => void): void {
  const store = ctx.store();
  store.transaction(() => {
    change();
    if (ctx.config.auth === 'jwt') {
      ctx.outbox().add({ tenant: r.tenant, sessionId: r.sessionId ?? null, notBefore: ctx.now(), reason: r.reason, createdAt: ctx.now() });
    }
  });
}

/**
 * Delivers pending revocations to Redis now, if there are any. Never fails the command: what
 * cannot be delivered stays in the outbox for the watchdog or the next command.
 */
export async function deliverPending(ctx: Context): Promise<Delivery> {
  const outbox = ctx.outbox();
  if (outbox.count() === 0) return { delivered: 0, pending: 0 };
  attempted = true;
  let open;
  try {
    open = await openSessions(ctx.config);
  } catch (err) {
    const pending = outbox.count();
    ctx.log(`${pending} session revocation(s) queued: ${(err as Error).message}; the watchdog or the next command delivers them`);
    return { delivered: 0, pending, error: (err as Error).message };
  }
  try {
    const d = await deliverRevocations(outbox, open.sessions);
    if (d.error) ctx.log(`${d.pending} session revocation(s) still queued: ${d.error}`);
    return d;
  } finally {
    await open.close();
  }
}

/** Whether this process has tried a delivery already (one try a command: Redis down costs a second). */
let attempted = false;

/** After a command that left revocations in the outbox (main.ts checks): deliver them, unless it just tried. */
export async function afterCommand(ctx: Context): Promise<void> {
  if (!attempted) await deliverPending(ctx);
}
