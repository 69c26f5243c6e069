import type { TenantRow } from '../core/tenant-row.js';
import { objectName, tenantLabels } from '../core/tenant.js';
import type { Context } from '../runtime/context.js';
import { createTenantContainer, type CreateOptions } from './container.js';
import { Undo } from './undo.js';

export interface SecretSwap {
  /** The command, for checkpoints (`<step>:begun`, `:secret`, `:recreated`, `:stored`). */
  step: string;
  row: TenantRow;
  /** The new podman secret's name, and what it holds. */
  next: string;
  value: string;
  /** The secret it replaces (removed last), or null. */
  old: string | null;
  /** Records (or clears, with null) the secret being switched to or from. */
  setPending(secret: string | null): void;
  /** The container options that use the new secret. */
  use: Pick<CreateOptions, 'secret' | 'ingestSecret'>;
  /** The one write that makes the new secret current (and the old one pending). */
  commit(): void | Promise<void>;
}

/**
 * Moves a tenant to a new podman secret (a password for passwd, an ingest token for
 * rotate-ingest-token). podman 4.3 cannot replace a secret, and a container keeps the secrets it
 * was created with, so the value goes to a new secret and the container is recreated (same
 * arguments, same volume). Crash safety: the new secret's name is recorded before it exists, and
 * the row switches to it in one write only once the container runs with it; `reconcile` rolls
 * back anything earlier (the old value keeps working) and removes whichever secret is left over.
 * Returns whether the container was started (a tenant stopped by the operator stays stopped).
 */
export async function swapSecret(ctx: Context, s: SecretSwap): Promise<boolean> {
  const c = ctx.config;
  const obj = objectName(c, s.row.name);
  const state = await ctx.podman.containerState(obj);
  const start = state === 'running' || s.row.desired === 'running';
  s.setPending(s.next);
  ctx.checkpoint(`${s.step}:begun`);
  const undo = new Undo(ctx);
  undo.push('pending secret', () => s.setPending(null));
  try {
    await ctx.podman.createSecret(s.next, s.value, tenantLabels(c, s.row.name));
    undo.push(`secret ${s.next}`, () => ctx.podman.removeSecret(s.next));
    ctx.checkpoint(`${s.step}:secret`);
    // Undo recreates the container with the old secret (an adopted one gets add's arguments).
    undo.push(`container ${obj}`, () => createTenantContainer(ctx, s.row, { start, replace: true }));
    await createTenantContainer(ctx, s.row, { start, replace: true, ...s.use });
    ctx.checkpoint(`${s.step}:recreated`);
    await s.commit();
  } catch (err) {
    await undo.run(err);
    throw err;
  }
  ctx.checkpoint(`${s.step}:stored`);
  if (s.old) await ctx.podman.removeSecret(s.old);
  s.setPending(null);
  return start;
}
