import type { Context } from '../runtime/context.js';
import { backendRefusal } from '../core/backends.js';

/**
 * The command table refuses the commands without a swarm path before they run (cli/backends.ts);
 * this is the same refusal for sweep, which the watchdog's tick also calls. It goes once the
 * sweep has a swarm path (the watchdog's wiring to Swarm).
 */
export function podmanOnly(ctx: Pick<Context, 'backend'>, command: string): void {
  if (ctx.backend.name !== 'podman') throw backendRefusal(command, ctx.backend.name);
}
