import type { Context } from '../runtime/context.js';
import type { ContainerSummary } from '../core/container.js';
import type { ListEntry } from '../core/tenant-views.js';

export type { ListEntry };

/**
 * All tenants, with their containers' (or services') states from one listing of the backend
 * (`early`: podman's, started by the launcher before the CLI loaded).
 */
export async function list(ctx: Context, early?: Promise<ContainerSummary[]>): Promise<ListEntry[]> {
  return (await ctx.backend.list(ctx, early)).sort((a, b) => a.name.localeCompare(b.name));
}
