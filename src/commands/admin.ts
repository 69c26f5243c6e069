import type { Context } from '../runtime/context.js';
import { ADMIN_LOCK, adminContainer, adminPort, colourAt, planSwap, COLOURS, type Colour } from '../core/admin.js';
import { OperationError, UsageError } from '../core/errors.js';
import { validateImage } from '../core/image-ref.js';
import { withLock } from '../tenant/lock.js';
import { colourStates, currentRoutePort, removeColour, requireAdminHost, routeAdmin, startColour, waitColour } from '../admin-instance/instance.js';

const LOG_LINES = 20;

export interface AdminStatus {
  host: string;
  /** The recorded live colour; null before the admin instance first ran. */
  live: Colour | null;
  image: string | null;
  /** The port the admin route dials now; null: no route. */
  routedPort: number | null;
  containers: { colour: Colour; name: string; port: number; state: string }[];
}

export async function adminStatus(ctx: Context): Promise<AdminStatus> {
  const host = requireAdminHost(ctx);
  const c = ctx.config;
  const [states, port] = await Promise.all([colourStates(ctx), currentRoutePort(ctx)]);
  const live = ctx.admin().live();
  return {
    host,
    live: live?.colour ?? null,
    image: live?.image ?? null,
    routedPort: port ?? null,
    containers: COLOURS.map((colour) => ({ colour, name: adminContainer(c, colour), port: adminPort(c, colour), state: states.get(colour) ?? 'missing' })),
  };
}

export interface SwapOptions {
  image?: string | undefined;
  /** Seconds the old colour keeps serving requests it already has, after the switch. */
  drainSeconds: string | undefined;
}

export interface SwapResult {
  host: string;
  from: Colour | null;
  to: Colour;
  port: number;
  image: string;
  drainSeconds: number;
  /** The old colour's container, stopped after the drain; null when none was running. */
  stopped: string | null;
}

export function parseDrain(text: string | undefined): number {
  if (text === undefined) return 30;
  const n = /^\d{1,6}(\.\d{1,3})?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`--drain must be a number of seconds (0 or more), got ${JSON.stringify(text)}`);
  return n;
}

/**
 * Blue-green: the standby colour starts from the image on its own port; once it answers HTTP, the
 * live colour is recorded and the admin route switched to it in one Caddy change; the old colour
 * keeps what it is serving for the drain, then stops. A standby that never answers is removed and
 * nothing is switched. Crash safety: the record is written before the route changes, so reconcile
 * (which skips the admin while this holds its lock) finishes whatever a kill left: it routes the
 * recorded colour and stops the other.
 */
export async function adminSwap(ctx: Context, o: SwapOptions): Promise<SwapResult> {
  const host = requireAdminHost(ctx);
  const drainSeconds = parseDrain(o.drainSeconds);
  const image = o.image === undefined ? ctx.config.image : validateImage(o.image, '--image');
  if (!(await ctx.podman.imageExists(image))) {
    throw new OperationError(`image ${image} is not in podman's storage; nothing was changed`, 'load it first: podman load -i feather-work.tar');
  }
  return withLock(ctx, ADMIN_LOCK, 'admin swap', async () => {
    const c = ctx.config;
    const [states, routed] = await Promise.all([colourStates(ctx), currentRoutePort(ctx)]);
    // The colour the route dials is the one serving, whatever the record says (a swap killed
    // between its record and its switch leaves them apart): it must not be taken for the standby
    // and removed under its requests. Without a route, the record.
    const live = colourAt(c, routed) ?? ctx.admin().live()?.colour;
    const plan = planSwap(c, { live, image, existing: new Set([...states.keys()].map((k) => adminContainer(c, k))) });
    const name = adminContainer(c, plan.standby);
    if (plan.removeStandby) ctx.log(`removing the old ${name} (${states.get(plan.standby) ?? 'unknown'})`);
    ctx.log(`starting ${name} from ${image} on 127.0.0.1:${plan.port}`);
    ctx.checkpoint('admin-swap:begin');
    await startColour(ctx, plan.standby, image);
    ctx.checkpoint('admin-swap:started');
    try {
      await waitColour(ctx, plan.standby);
    } catch (err) {
      const logs = await ctx.podman.logsTail(name, LOG_LINES).catch(() => '');
      await removeColour(ctx, plan.standby);
      throw new OperationError(
        `${(err as Error).message}; removed it, the admin route was not switched${logs ? `\nits last log lines:\n${logs}` : ''}`,
        'fix the image and run feather-tenant admin swap again',
      );
    }
    ctx.checkpoint('admin-swap:answered');
    ctx.admin().setLive(plan.standby, image, ctx.now());
    ctx.checkpoint('admin-swap:recorded');
    await routeAdmin(ctx, host, plan.port);
    ctx.checkpoint('admin-swap:switched');
    let stopped: string | null = null;
    if (plan.live && states.get(plan.live) === 'running') {
      stopped = adminContainer(c, plan.live);
      ctx.log(`switched ${host} to ${plan.standby}; ${adminContainer(c, plan.live)} finishes what it serves for ${drainSeconds} s, then stops`);
      await new Promise((r) => setTimeout(r, drainSeconds * 1000));
      await ctx.podman.stopContainer(stopped, 10);
    }
    return { host, from: plan.live ?? null, to: plan.standby, port: plan.port, image, drainSeconds, stopped };
  });
}
