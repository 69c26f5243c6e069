import type { TenantRow } from '../core/tenant-row.js';
import type { Context } from '../runtime/context.js';
import { Undo } from './undo.js';

export interface SecretSwap {
  /** The command, for checkpoints (`<step>:begun`, `:secret`, `:recreated`, `:stored`). */
  step: string;
  row: TenantRow;
  /** The new secret's name, and what it holds. */
  next: string;
  value: string;
  /** The secret it replaces (removed last), or null. */
  old: string | null;
  /** Records (or clears, with null) the secret being switched to or from. */
  setPending(secret: string | null): void;
  /** The new secret in the tenant's place: its password's or its ingest token's. */
  use: { secret?: string; ingestSecret?: string };
  /** The one write that makes the new secret current (and the old one pending). */
  commit(): void | Promise<void>;
}

/**
 * Moves a tenant to a new secret (a password for passwd, an ingest token for rotate-ingest-token)
 * on either backend. Neither podman 4.3 nor Swarm replaces a secret's value, so the value goes to
 * a new secret and the tenant is moved onto it (backend.useSecrets: podman recreates the
 * container, same arguments and volume; swarm swaps it in the service in one update). Crash
 * safety: the new secret's name is recorded before it exists, and the row switches to it in one
 * write only once the tenant runs with it; `reconcile` rolls back anything earlier (the old value
 * keeps working) and removes whichever secret is left over. Returns whether the tenant runs (a
 * tenant stopped by the operator stays stopped).
 */
export async function swapSecret(ctx: Context, s: SecretSwap): Promise<boolean> {
  const b = ctx.backend;
  const state = await b.state(ctx, s.row);
  const start = state === 'running' || s.row.desired === 'running';
  s.setPending(s.next);
  ctx.checkpoint(`${s.step}:begun`);
  const undo = new Undo(ctx);
  undo.push('pending secret', () => s.setPending(null));
  let running: boolean;
  try {
    await b.createSecret(ctx, s.row.name, s.next, s.value);
    undo.push(`secret ${s.next}`, () => b.removeSecret(ctx, s.next));
    ctx.checkpoint(`${s.step}:secret`);
    // Undo puts the tenant back on the row's secrets (an adopted container gets add's arguments).
    undo.push(`tenant ${s.row.name}`, () => b.useSecrets(ctx, s.row, { start }));
    running = await b.useSecrets(ctx, s.row, { start, ...s.use });
    ctx.checkpoint(`${s.step}:recreated`);
    await s.commit();
  } catch (err) {
    await undo.run(err);
    throw err;
  }
  ctx.checkpoint(`${s.step}:stored`);
  if (s.old) await b.removeSecret(ctx, s.old);
  s.setPending(null);
  return running;
}
