import type { TenantAction } from './plan.js';
import { describeAction } from './describe.js';
import { objectName } from '../core/tenant.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { Context } from '../runtime/context.js';
import { ifUnlocked } from '../tenant/lock.js';
import { teardownTenant } from '../tenant/teardown.js';
import { createTenantContainer, waitReady } from '../tenant/container.js';
import { recoverUpgrade } from '../tenant/switch.js';

export interface AppliedChange {
  target: string;
  action: string;
  detail: string;
  /** Undefined when it worked; the one-line reason when it did not. */
  error?: string;
  /** Not attempted this time (another command holds the tenant); the next run retries. */
  skipped?: string;
}

/**
 * Applies one tenant's actions under its lock. A tenant whose lock is held, or whose row
 * changed since the plan, is skipped (the next run sees it afresh). One tenant's failure is
 * reported and the others go on.
 */
export async function applyTenantActions(ctx: Context, planned: TenantRow, actions: TenantAction[]): Promise<AppliedChange[]> {
  const skipped = (why: string) => actions.map((a) => ({ target: a.name, ...describeAction(a), skipped: why }));
  return ifUnlocked(ctx, planned.name, 'reconcile', skipped, async () => {
    const row = ctx.store().get(planned.name);
    if (!row || row.updatedAt !== planned.updatedAt || row.status !== planned.status) return skipped('it changed while reconcile ran; run reconcile again');
    const out: AppliedChange[] = [];
    let failed: string | undefined;
    for (const a of actions) {
      const d = { target: a.name, ...describeAction(a) };
      if (failed) {
        out.push({ ...d, skipped: `an earlier step failed` });
        continue;
      }
      try {
        await applyOne(ctx, a, ctx.store().get(row.name) ?? row);
        out.push(d);
      } catch (err) {
        failed = (err as Error).message.split('\n')[0] ?? 'failed';
        out.push({ ...d, error: failed });
      }
    }
    return out;
  });
}

async function applyOne(ctx: Context, a: TenantAction, row: TenantRow): Promise<void> {
  const obj = objectName(ctx.config, row.name);
  switch (a.kind) {
    case 'rollback-add':
    case 'finish-remove': {
      // The route went in the routes change before this; the volume is never touched.
      await teardownTenant(ctx, obj, row, { container: true });
      ctx.store().delete(row.name);
      return;
    }
    case 'create':
    case 'recreate':
      await createTenantContainer(ctx, row, { start: a.start, replace: a.kind === 'recreate' });
      return;
    case 'start':
      await ctx.podman.startContainer(obj);
      await waitReady(ctx, row);
      return;
    case 'finish-upgrade':
    case 'rollback-upgrade':
      await recoverUpgrade(ctx, row, a.start);
      return;
    case 'resecret':
      await ctx.backend.useSecrets(ctx, row, { start: false });
      return;
    case 'drop-secret':
      await ctx.backend.removeSecret(ctx, a.secret);
      if (a.ingest) ctx.store().setPendingIngest(row.name, null, ctx.now());
      else ctx.store().setPendingSecret(row.name, null, ctx.now());
      return;
  }
}
