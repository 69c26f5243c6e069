import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { validateName } from '../core/names.js';
import { generatePassword, hashPassword } from '../core/password.js';
import { nextSecretName, tenantUrl } from '../core/tenant.js';
import { requireActive } from '../tenant/require.js';
import { changeAndRevoke } from '../tenant/revocations.js';
import { swapSecret } from '../tenant/secret-swap.js';

export interface PasswdResult {
  name: string;
  url: string;
  password: string;
  /** False for a stopped tenant: the password takes effect at its next start. */
  running: boolean;
}

/**
 * A new password, delivered as at add: a podman secret the container reads as a file, moved to a
 * new secret and the container recreated with it, crash-safe (tenant/secret-swap.ts). The ingest
 * token stays as it is.
 */
export async function passwd(ctx: Context, rawName: string): Promise<PasswdResult> {
  const name = validateName(rawName);
  return withLock(ctx, name, 'passwd', async () => {
    const c = ctx.config;
    const row = requireActive(ctx, name);
    const store = ctx.store();
    const next = nextSecretName(c, name, ctx.now());
    const password = generatePassword();
    const hash = hashPassword(password);
    const running = await swapSecret(ctx, {
      step: 'passwd', row, next, value: password, old: row.secret,
      setPending: (secret) => store.setPendingSecret(name, secret, ctx.now()),
      use: { secret: next },
      commit: async () => {
        const newHash = await hash;
        // The old password's sessions end with it: recorded in the same transaction as the new hash.
        changeAndRevoke(ctx, { tenant: name, reason: 'password changed' }, () => store.switchSecret(name, next, newHash, row.secret, ctx.now()));
      },
    });
    return { name, url: tenantUrl(c, name), password, running };
  });
}
