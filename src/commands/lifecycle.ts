import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { createTenantContainer, waitReady } from '../tenant/container.js';
import { validateName } from '../core/names.js';
import { objectName } from '../core/tenant.js';
import { requireActive } from '../tenant/require.js';
import { startOnSwarm } from '../tenant/swarm-lifecycle.js';

export type LifecycleVerb = 'start' | 'stop' | 'restart';

export interface LifecycleResult {
  name: string;
  /** What was done: started, created, stopped, restarted, or none (already so). */
  action: 'started' | 'created' | 'stopped' | 'restarted' | 'none';
  state: 'running' | 'stopped';
  message: string;
}

// --init (catatonit) forwards SIGTERM, so a stop takes well under a second; the grace period
// only matters for an app that ignores SIGTERM.
const STOP_SECONDS = 10;

/**
 * start / stop / restart, idempotent: the wanted state is recorded first (reconcile keeps to
 * it), then podman is brought there; already being there is success, and says so.
 */
export async function lifecycle(ctx: Context, verb: LifecycleVerb, rawName: string): Promise<LifecycleResult> {
  const name = validateName(rawName);
  return withLock(ctx, name, verb, async () => {
    const row = requireActive(ctx, name);
    const obj = objectName(ctx.config, name);
    const store = ctx.store();
    store.setDesired(name, verb === 'stop' ? 'stopped' : 'running', ctx.now());
    const done = (action: LifecycleResult['action'], message: string): LifecycleResult =>
      ({ name, action, state: verb === 'stop' ? 'stopped' : 'running', message });
    if (ctx.swarm) {
      const action = await startOnSwarm(ctx, ctx.swarm, name, verb);
      return done(action, action === 'none' ? `${name} is already ${verb === 'stop' ? 'stopped' : 'running'}` : `${action} ${name}`);
    }
    const state = await ctx.podman.containerState(obj);
    const running = state === 'running';

    if (verb === 'stop') {
      if (!running) return done('none', `${name} is already stopped`);
      await ctx.podman.stopContainer(obj, STOP_SECONDS);
      return done('stopped', `stopped ${name}`);
    }
    if (state === undefined) {
      // Lost (podman storage reset, removed by hand): find-or-create, with add's arguments.
      await createTenantContainer(ctx, row, { start: true, replace: false });
      return done('created', `${name} had no container; created and started it`);
    }
    if (running && verb === 'start') return done('none', `${name} is already running`);
    if (running) await ctx.podman.stopContainer(obj, STOP_SECONDS);
    await ctx.podman.startContainer(obj);
    await waitReady(ctx, row);
    return verb === 'start' ? done('started', `started ${name}`) : done('restarted', `restarted ${name}`);
  });
}
