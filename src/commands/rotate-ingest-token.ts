import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { createTenantContainer } from '../tenant/container.js';
import { validateName } from '../core/names.js';
import { generateIngestToken, hashIngestToken, INGEST_PATH } from '../core/summary.js';
import { nextIngestSecretName, objectName, tenantLabels } from '../core/tenant.js';
import { requireActive } from '../tenant/require.js';
import { Undo } from '../tenant/undo.js';

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
 * A new summary ingest token, delivered and crash-safe as `passwd` delivers a password: a new
 * podman secret (recorded as pending before it exists), the container recreated with it, the
 * state switched to the new hash in one write only then, the old secret removed last. `reconcile`
 * undoes anything a crash leaves: a container holding an unrecorded token is recreated with the
 * recorded one, a pending secret is removed. The old token stops working at the switch.
 * Tenants created before issue 13 get their first token here (reconcile never recreates a
 * running container just to add one).
 */
export async function rotateIngestToken(ctx: Context, rawName: string): Promise<RotateIngestResult> {
  const name = validateName(rawName);
  return withLock(ctx, name, 'rotate-ingest-token', async () => {
    const c = ctx.config;
    const row = requireActive(ctx, name);
    const store = ctx.store();
    const next = nextIngestSecretName(c, name, ctx.now());
    const token = generateIngestToken();
    const state = await ctx.podman.containerState(objectName(c, name));
    const start = state === 'running' || row.desired === 'running';

    store.setPendingIngest(name, next, ctx.now());
    ctx.checkpoint('rotate-ingest:begun');
    const undo = new Undo(ctx);
    undo.push('pending ingest secret', () => store.setPendingIngest(name, null, ctx.now()));
    try {
      await ctx.podman.createSecret(next, token, tenantLabels(c, name));
      undo.push(`secret ${next}`, () => ctx.podman.removeSecret(next));
      ctx.checkpoint('rotate-ingest:secret');
      undo.push(`container ${objectName(c, name)}`, () => createTenantContainer(ctx, row, { start, replace: true }));
      await createTenantContainer(ctx, row, { start, replace: true, ingestSecret: next });
      ctx.checkpoint('rotate-ingest:recreated');
      store.switchIngest(name, next, hashIngestToken(token), row.ingestSecret, ctx.now());
    } catch (err) {
      await undo.run(err);
      throw err;
    }
    ctx.checkpoint('rotate-ingest:stored');
    if (row.ingestSecret) await ctx.podman.removeSecret(row.ingestSecret);
    store.setPendingIngest(name, null, ctx.now());
    return { name, file: INGEST_PATH, replaced: row.ingestSecret !== null, running: start };
  });
}
