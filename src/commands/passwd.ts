import type { Context } from '../runtime/context.js';
import { podmanOnly } from '../tenant/podman-only.js';
import { withLock } from '../tenant/lock.js';
import { createTenantContainer } from '../tenant/container.js';
import { validateName } from '../core/names.js';
import { generatePassword, hashPassword } from '../core/password.js';
import { nextSecretName, objectName, tenantLabels, tenantUrl } from '../core/tenant.js';
import { requireActive } from '../tenant/require.js';
import { Undo } from '../tenant/undo.js';
import { changeAndRevoke } from '../tenant/revocations.js';

export interface PasswdResult {
  name: string;
  url: string;
  password: string;
  /** False for a stopped tenant: the password takes effect at its next start. */
  running: boolean;
}

/**
 * A new password, delivered as at add: a podman secret the container reads as a file. podman
 * 4.3 cannot replace a secret, and a container keeps the secret it was created with, so the
 * password moves to a new secret and the container is recreated (same arguments, same volume).
 *
 * Crash safety: the new secret's name is recorded before it exists, and the row switches to it
 * in one write only once the container runs with it; `reconcile` rolls back anything earlier
 * (the old password keeps working) and removes whichever secret is left over.
 */
export async function passwd(ctx: Context, rawName: string): Promise<PasswdResult> {
  podmanOnly(ctx, 'passwd');
  const name = validateName(rawName);
  return withLock(ctx, name, 'passwd', async () => {
    const c = ctx.config;
    const row = requireActive(ctx, name);
    const store = ctx.store();
    const obj = objectName(c, name);
    const next = nextSecretName(c, name, ctx.now());
    const password = generatePassword();
    const hash = hashPassword(password);
    const state = await ctx.podman.containerState(obj);
    // A tenant stopped by the operator stays stopped; one that should run is started.
    const start = state === 'running' || row.desired === 'running';

    store.setPendingSecret(name, next, ctx.now());
    ctx.checkpoint('passwd:begun');
    const undo = new Undo(ctx);
    undo.push('pending secret', () => store.setPendingSecret(name, null, ctx.now()));
    try {
      await ctx.podman.createSecret(next, password, tenantLabels(c, name));
      undo.push(`secret ${next}`, () => ctx.podman.removeSecret(next));
      ctx.checkpoint('passwd:secret');
      // Undo recreates the container with the old secret (an adopted one gets add's arguments).
      undo.push(`container ${obj}`, () => createTenantContainer(ctx, row, { start, replace: true }));
      await createTenantContainer(ctx, row, { start, replace: true, secret: next });
      ctx.checkpoint('passwd:recreated');
      const newHash = await hash;
      // The old password's sessions end with it: recorded in the same transaction as the new hash.
      changeAndRevoke(ctx, { tenant: name, reason: 'password changed' }, () => store.switchSecret(name, next, newHash, row.secret, ctx.now()));
    } catch (err) {
      await undo.run(err);
      throw err;
    }
    ctx.checkpoint('passwd:stored');
    if (row.secret) await ctx.podman.removeSecret(row.secret);
    store.setPendingSecret(name, null, ctx.now());
    return { name, url: tenantUrl(c, name), password, running: start };
  });
}
