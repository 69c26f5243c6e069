import type { Context } from '../runtime/context.js';
import { NotFoundError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import { SleepStore } from '../store/sleep.js';

export interface PinResult {
  name: string;
  pinned: boolean;
}

/** Pinned tenants are never put to sleep by a sweep (they still stop with `stop`). */
export function setPinned(ctx: Context, opts: { name: string; pinned: boolean }): PinResult {
  const name = validateName(opts.name);
  if (!new SleepStore(ctx.store().db).setPinned(name, opts.pinned, ctx.now())) {
    throw new NotFoundError(`no tenant named ${name}`, 'list tenants with: feather-tenant list');
  }
  return { name, pinned: opts.pinned };
}
