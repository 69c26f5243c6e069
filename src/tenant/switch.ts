import { OperationError } from '../core/errors.js';
import { nextContainerName, objectName } from '../core/tenant.js';
import { tenantRunSpec } from '../core/tenant-run-spec.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { UpgradeMode } from '../core/upgrade-plan.js';
import { waitForHttp } from '../net/wait-http.js';
import type { Context } from '../runtime/context.js';
import { waitReady } from './container.js';

/** The old container's grace period: podman's own default, what `stop` and `sweep` give a tenant. */
export const STOP_GRACE_S = 10;
/** How many of the new container's last log lines a rolled-back upgrade prints. */
const LOG_LINES = 20;

/** The new container did not answer (or exited): it is gone and the old one is back as it was. */
export class RolledBack extends OperationError {
  constructor(
    readonly tenant: string,
    /** What went wrong, as a sentence: "the new container did not answer ...", "podman create failed: ...". */
    readonly reason: string,
    readonly logs: string,
  ) {
    super(
      `${tenant}: ${reason}; rolled back to the old one${logs ? `\nlast log lines of the new container:\n${logs}` : ''}`,
      'fix the image (or raise FEATHER_TENANT_READY_TIMEOUT) and run upgrade again',
    );
  }
}

/**
 * Moves one tenant (its lock held by the caller) to a new image: the container `<obj>.next` is
 * made from the new image with add's spec (same volume, secret, network, port, limits, labels);
 * the old one keeps the tenant's name until the new one has answered, so a rollback only has to
 * remove the new one and start the old one again.
 *
 * A running tenant: the state says "switching" from the first step on, so the watchdog's wake
 * server holds its requests instead of failing or starting the old container (wake/waker.ts);
 * the old container gets SIGTERM and its grace period while the new one is created, then the new
 * one starts, and once it answers HTTP the held requests go to it. Caddy is never touched.
 * Asleep or stopped: the new container is only created, and the tenant stays as it was.
 *
 * Crash safety: the step is in the row before each change; `reconcile` rolls back anything
 * before `answered` and finishes anything from it on (reconcile/upgrade.ts).
 */
export async function switchImage(ctx: Context, row: TenantRow, image: string, mode: UpgradeMode, o: { leftover: boolean }): Promise<void> {
  const c = ctx.config;
  const store = ctx.store();
  const obj = objectName(c, row.name);
  const next = nextContainerName(c, row.name);
  const spec = { ...tenantRunSpec(c, { name: row.name, port: row.port, image, secret: row.secret ?? undefined, volume: row.volume, ingestSecret: row.ingestSecret ?? undefined }, ctx.env), name: next };
  const running = mode === 'running';
  // A next container left by an upgrade that reconcile has not cleaned up yet.
  if (o.leftover) await ctx.podman.removeContainer(next, 0);

  store.setUpgrade(row.name, image, 'stopping', ctx.now());
  let nextId: string;
  try {
    ctx.checkpoint('upgrade:begun');
    if (running) {
      // The old one drains while the new one is created: create needs no port.
      const [stopped, created] = await Promise.allSettled([ctx.podman.stopContainer(obj, STOP_GRACE_S), ctx.podman.create(spec)]);
      if (stopped.status === 'rejected') throw stopped.reason;
      if (created.status === 'rejected') throw created.reason;
      nextId = created.value;
      ctx.checkpoint('upgrade:stopped');
      store.setUpgrade(row.name, image, 'starting', ctx.now());
      await ctx.podman.startContainer(next);
      ctx.checkpoint('upgrade:started');
      await waitForHttp({
        port: row.port,
        timeoutMs: c.readyTimeoutMs,
        describe: `container ${next}`,
        isAlive: async () => (await ctx.podman.containerState(next)) === 'running',
      });
      await settle(ctx, next);
    } else {
      nextId = await ctx.podman.create(spec);
      ctx.checkpoint('upgrade:created');
    }
  } catch (err) {
    return rollBack(ctx, row, running, err);
  }
  // From here on the new container is the tenant's: a crash is finished, never rolled back.
  store.upgradeAnswered(row.name, image, nextId, ctx.now());
  ctx.checkpoint('upgrade:answered');
  await ctx.podman.removeContainer(obj, 0);
  ctx.checkpoint('upgrade:removed');
  await ctx.podman.renameContainer(next, obj);
  store.endUpgrade(row.name, ctx.now());
}

/** How often the settle looks at the new container. */
const SETTLE_POLL_MS = 250;

/**
 * The new container answered: it already serves (the held requests go to it), but it is kept only
 * if it is still running after FEATHER_TENANT_UPGRADE_SETTLE. An app that answers once and then
 * crashes (a failed migration, a bad first request) is rolled back while the old container is
 * still there, and so stops `--all` at the canary instead of passing it and breaking every tenant.
 */
async function settle(ctx: Context, next: string): Promise<void> {
  const until = Date.now() + ctx.config.upgradeSettleMs;
  for (;;) {
    const state = await ctx.podman.containerState(next);
    if (state !== 'running') throw new Error(`container ${next} answered HTTP, then ${state === undefined ? 'vanished' : `exited (${state})`} within ${ctx.config.upgradeSettleMs / 1000} s`);
    if (Date.now() >= until) return;
    await new Promise((r) => setTimeout(r, Math.min(SETTLE_POLL_MS, Math.max(0, until - Date.now()))));
  }
}

/**
 * Removes the new container and brings the old one back as it was (started again if it ran), then
 * throws RolledBack with the new one's last log lines. If that fails too, the upgrade stays in the
 * row for `reconcile` to roll back.
 */
async function rollBack(ctx: Context, row: TenantRow, running: boolean, cause: unknown): Promise<never> {
  const next = nextContainerName(ctx.config, row.name);
  const reason = cause instanceof Error ? cause.message.split('\n')[0] ?? 'failed' : String(cause);
  ctx.log(`${row.name}: rolling back (${reason})`);
  const logs = await ctx.podman.logsTail(next, LOG_LINES).catch(() => '');
  try {
    await ctx.podman.removeContainer(next, 0);
    if (running) {
      await ctx.podman.startContainer(objectName(ctx.config, row.name));
      await waitReady(ctx, row);
    }
  } catch (err) {
    throw new OperationError(`${row.name}: the upgrade failed (${reason}) and so did its rollback: ${(err as Error).message}`, 'run feather-tenant reconcile: it rolls the upgrade back');
  }
  ctx.store().endUpgrade(row.name, ctx.now());
  // waitForHttp names the container: "container <prefix>alice.next did not answer ...".
  throw new RolledBack(row.name, reason.startsWith(`container ${next} `) ? `the new container ${reason.slice(`container ${next} `.length)}` : reason, logs);
}

/** The interrupted-upgrade steps reconcile takes (the row's step says which way it goes). */
export async function recoverUpgrade(ctx: Context, row: TenantRow, start: boolean): Promise<'finished' | 'rolled back'> {
  const obj = objectName(ctx.config, row.name);
  const next = nextContainerName(ctx.config, row.name);
  const nextState = await ctx.podman.containerState(next);
  if (row.upgrade?.step === 'answered') {
    if (nextState !== undefined) {
      await ctx.podman.removeContainer(obj, 0);
      await ctx.podman.renameContainer(next, obj);
    }
    ctx.store().endUpgrade(row.name, ctx.now());
    return 'finished';
  }
  if (nextState !== undefined) await ctx.podman.removeContainer(next, 0);
  if (start && (await ctx.podman.containerState(obj)) !== 'running') {
    await ctx.podman.startContainer(obj);
    await waitReady(ctx, row);
  }
  ctx.store().endUpgrade(row.name, ctx.now());
  return 'rolled back';
}
