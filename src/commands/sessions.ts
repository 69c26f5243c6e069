import type { Context } from '../runtime/context.js';
import { openSessions } from '../auth/runtime.js';
import type { SessionInfo } from '../auth/sessions-port.js';
import { UsageError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import type { Revocation } from '../store/outbox.js';
import { requireTenant } from '../tenant/require.js';
import { changeAndRevoke, deliverPending } from '../tenant/revocations.js';

function known(ctx: Context, name: string): string {
  validateName(name);
  if (ctx.config.auth !== 'jwt') throw new UsageError('the login gate is off, so there are no sessions', 'turn it on with FEATHER_TENANT_AUTH=jwt');
  requireTenant(ctx, name);
  return name;
}

export async function listSessions(ctx: Context, name: string): Promise<SessionInfo[]> {
  known(ctx, name);
  const open = await openSessions(ctx.config);
  try {
    return await open.sessions.list(name, ctx.now());
  } finally {
    await open.close();
  }
}

export interface RevokeResult {
  name: string;
  session: string | null;
  delivered: boolean;
  pending: number;
}

/** Ends all of a tenant's sessions, or one: recorded first, then delivered to Redis (or queued). */
export async function revokeSessions(ctx: Context, name: string, sessionId: string | undefined): Promise<RevokeResult> {
  known(ctx, name);
  changeAndRevoke(ctx, { tenant: name, reason: 'revoked by operator', sessionId }, () => {});
  const d = await deliverPending(ctx);
  return { name, session: sessionId ?? null, delivered: d.pending === 0, pending: d.pending };
}

export function pendingRevocations(ctx: Context): Revocation[] {
  return ctx.outbox().pending();
}
