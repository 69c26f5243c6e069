import { generatePassword, hashPassword } from '../core/password.js';
import { bridgeName, nextSecretName, objectName, tenantLabels } from '../core/tenant.js';
import { mintIngestToken } from './ingest.js';
import { tenantRunSpec } from '../core/tenant-run-spec.js';
import { waitForHttp } from '../net/wait-http.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { Context } from '../runtime/context.js';

export interface CreateOptions {
  /** Start it (and wait until it answers HTTP), or only create it (a stopped tenant). */
  start: boolean;
  /** Remove an existing container of that name first (its volume stays). */
  replace: boolean;
  /** Use this secret instead of the row's (passwd switching to a new password). */
  secret?: string | undefined;
  /** Use this ingest token secret instead of the row's (rotate-ingest-token switching to a new one). */
  ingestSecret?: string | undefined;
}

export interface Created {
  containerId: string;
  /** Set when the tenant's secret was missing and a new, unshown password had to be made. */
  newSecret?: string;
}

/**
 * (Re)creates a tenant's container with the same secure spec as `add` (core/tenant-run-spec.ts),
 * making its network if it is missing. Used by start, restart, passwd and reconcile.
 */
export async function createTenantContainer(ctx: Context, row: TenantRow, o: CreateOptions): Promise<Created> {
  const c = ctx.config;
  const obj = objectName(c, row.name);
  const labels = tenantLabels(c, row.name);
  let secret = o.secret ?? row.secret;
  let newSecret: string | undefined;
  let ingest = o.ingestSecret ?? row.ingestSecret;
  const [networkOk, secretOk, ingestOk] = await Promise.all([
    ctx.podman.networkExists(obj), secret === null ? false : ctx.podman.secretExists(secret), ingest === null ? true : ctx.podman.secretExists(ingest),
  ]);
  if (!ingestOk) {
    // Lost with podman's storage: a new token (the tenant reads it from the same file).
    ingest = await mintIngestToken(ctx, row.name, row.ingestSecret);
    ctx.log(`${row.name} had no usable ingest token secret; made a new one`);
  }
  if (!secretOk) {
    // An adopted container without a secret of ours, or a secret lost with podman's storage:
    // the tenant gets a password nobody knows until `passwd` hands out a new one.
    secret = nextSecretName(c, row.name, ctx.now());
    const password = generatePassword();
    await ctx.podman.createSecret(secret, password, labels);
    ctx.store().switchSecret(row.name, secret, await hashPassword(password), row.secretPending, ctx.now());
    newSecret = secret;
    ctx.log(`${row.name} had no usable password secret; made a new one: give the user one with feather-tenant passwd ${row.name}`);
  }
  if (!networkOk) await ctx.podman.createNetwork(obj, labels, { bridge: bridgeName(row.port) });
  else await ctx.podman.isolate([obj]); // a network from before our rules, or one whose rules a reboot lost
  if (o.replace) await ctx.podman.removeContainer(obj, 10);
  const spec = tenantRunSpec(c, { name: row.name, port: row.port, image: row.image, secret: secret ?? undefined, volume: row.volume, ingestSecret: ingest }, ctx.env);
  const containerId = o.start ? await ctx.podman.run(spec) : await ctx.podman.create(spec);
  ctx.store().setContainerId(row.name, containerId, ctx.now());
  if (o.start) await waitReady(ctx, row);
  return newSecret ? { containerId, newSecret } : { containerId };
}

/** Waits until the tenant's app answers on its port ("running" is not "ready"). */
export async function waitReady(ctx: Context, row: Pick<TenantRow, 'name' | 'port'>): Promise<void> {
  const obj = objectName(ctx.config, row.name);
  await waitForHttp({
    port: row.port,
    timeoutMs: ctx.config.readyTimeoutMs,
    describe: `container ${obj}`,
    isAlive: async () => (await ctx.podman.containerState(obj)) === 'running',
  });
}
