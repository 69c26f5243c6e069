import type { Context } from '../runtime/context.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { TenantRow } from '../core/tenant-row.js';

const LIST_HINT = 'list tenants with: feather-tenant list';

/** The error for a name our state does not know; `hint` when something of it is left to act on. */
export function noTenant(name: string, hint = LIST_HINT): NotFoundError {
  return new NotFoundError(`no tenant named ${name}`, hint);
}

/** The tenant's row, whatever its status; otherwise "no tenant named". */
export function requireTenant(ctx: Context, name: string): TenantRow {
  const row = ctx.store().get(name);
  if (!row) throw noTenant(name);
  return row;
}

/** The tenant's row, if it is fully added; otherwise the error an operator can act on. */
export function requireActive(ctx: Context, name: string): TenantRow {
  const row = requireTenant(ctx, name);
  if (row.status !== 'active') {
    const doing = row.status === 'provisioning' ? 'being added' : 'being removed';
    throw new ConflictError(`tenant ${name} is ${doing}`, 'if that command died, finish or undo it with: feather-tenant reconcile');
  }
  return row;
}
