import type { Context } from '../runtime/context.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { TenantRow } from '../core/tenant-row.js';

/** The tenant's row, if it is fully added; otherwise the error an operator can act on. */
export function requireActive(ctx: Context, name: string): TenantRow {
  const row = ctx.store().get(name);
  if (!row) throw new NotFoundError(`no tenant named ${name}`, 'list tenants with: feather-tenant list');
  if (row.status !== 'active') {
    const doing = row.status === 'provisioning' ? 'being added' : 'being removed';
    throw new ConflictError(`tenant ${name} is ${doing}`, 'if that command died, finish or undo it with: feather-tenant reconcile');
  }
  return row;
}
