import type { Context } from '../runtime/context.js';
import { validateName } from '../core/names.js';
import { noTenant } from '../tenant/require.js';

export interface PinResult {
  name: string;
  pinned: boolean;
}

/** Pinned tenants are never put to sleep by a sweep (they still stop with `stop`). */
export function setPinned(ctx: Context, opts: { name: string; pinned: boolean }): PinResult {
  const name = validateName(opts.name);
  if (!ctx.sleep().setPinned(name, opts.pinned, ctx.now())) {
    throw noTenant(name);
  }
  return { name, pinned: opts.pinned };
}
