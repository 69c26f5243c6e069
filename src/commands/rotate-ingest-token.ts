import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { validateName } from '../core/names.js';
import { generateIngestToken, hashIngestToken, INGEST_PATH } from '../core/summary.js';
import { nextIngestSecretName } from '../core/tenant.js';
import { requireActive } from '../tenant/require.js';
import { swapSecret } from '../tenant/secret-swap.js';

export interface RotateIngestResult {
  name: string;
  /** Where the container reads the new token. The token itself is never printed. */
  file: string;
  /** False for a tenant from before issue 13: this was its first token. */
  replaced: boolean;
  /** False for a stopped tenant: it gets the token at its next start. */
  running: boolean;
}

/**
 * A new summary ingest token, delivered and crash-safe as `passwd` delivers a password
 * (tenant/secret-swap.ts): a new podman secret, the container recreated with it, the state
 * switched to the new hash in one write only then; `reconcile` undoes what a crash leaves (a
 * container holding an unrecorded token is recreated with the recorded one, a pending secret
 * removed). The old token stops working at the switch. Tenants created before issue 13 get their
 * first token here: reconcile never recreates a running container just to add one.
 */
export async function rotateIngestToken(ctx: Context, rawName: string): Promise<RotateIngestResult> {
  const name = validateName(rawName);
  return withLock(ctx, name, 'rotate-ingest-token', async () => {
    const row = requireActive(ctx, name);
    const store = ctx.store();
    const next = nextIngestSecretName(ctx.config, name, ctx.now());
    const token = generateIngestToken();
    const running = await swapSecret(ctx, {
      step: 'rotate-ingest', row, next, value: token, old: row.ingestSecret,
      setPending: (secret) => store.setPendingIngest(name, secret, ctx.now()),
      use: { ingestSecret: next },
      commit: () => store.switchIngest(name, next, hashIngestToken(token), row.ingestSecret, ctx.now()),
    });
    return { name, file: INGEST_PATH, replaced: row.ingestSecret !== null, running };
  });
}
