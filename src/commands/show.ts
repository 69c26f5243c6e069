import type { Context } from '../runtime/context.js';
import { requireTenant } from '../tenant/require.js';
import { validateName } from '../core/names.js';
import type { ShowResult } from '../core/tenant-views.js';

export type { ShowResult };

/** One tenant: our row, plus what its backend runs it with (one `podman inspect`, or the service's). */
export async function show(ctx: Context, rawName: string): Promise<ShowResult> {
  const name = validateName(rawName);
  return ctx.backend.show(ctx, requireTenant(ctx, name));
}
