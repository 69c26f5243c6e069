import { generateIngestToken, hashIngestToken } from '../core/summary.js';
import { nextIngestSecretName } from '../core/tenant.js';
import type { Context } from '../runtime/context.js';

/**
 * A new ingest token in a new secret of the backend's (podman or Swarm), recorded in the state (hashed) in one write, the
 * previous secret (if any) becoming pending for removal. Its name is recorded before the secret
 * exists, so a crash in between leaves a name reconcile removes (`drop-secret`). Returns the
 * secret's name. The token itself is never returned: only the container reads it.
 */
export async function mintIngestToken(ctx: Context, name: string, previous: string | null): Promise<string> {
  const store = ctx.store();
  const secret = nextIngestSecretName(ctx.config, name, ctx.now());
  const token = generateIngestToken();
  store.setPendingIngest(name, secret, ctx.now());
  await ctx.backend.createSecret(ctx, name, secret, token);
  store.switchIngest(name, secret, hashIngestToken(token), previous, ctx.now());
  return secret;
}
