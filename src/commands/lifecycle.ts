import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { validateName } from '../core/names.js';
import { lifecyclePlan, type LifecycleAction, type LifecycleVerb } from '../core/lifecycle-plan.js';
import { requireActive } from '../tenant/require.js';

export type { LifecycleVerb };

export interface LifecycleResult {
  name: string;
  /** What was done: started, created, stopped, restarted, or none (already so). */
  action: LifecycleAction;
  state: 'running' | 'stopped';
  message: string;
}

/**
 * start / stop / restart, idempotent: the wanted state is recorded first (reconcile keeps to
 * it), then the backend brings the tenant there (core/lifecycle-plan.ts decides the steps);
 * already being there is success, and says so.
 */
export async function lifecycle(ctx: Context, verb: LifecycleVerb, rawName: string): Promise<LifecycleResult> {
  const name = validateName(rawName);
  return withLock(ctx, name, verb, async () => {
    const row = requireActive(ctx, name);
    ctx.store().setDesired(name, verb === 'stop' ? 'stopped' : 'running', ctx.now());
    const plan = lifecyclePlan(verb, await ctx.backend.state(ctx, row));
    for (const step of plan.steps) {
      if (step === 'stop') await ctx.backend.stop(ctx, row);
      else if (step === 'start') await ctx.backend.start(ctx, row);
      else await ctx.backend.recreate(ctx, row);
    }
    const wanted = verb === 'stop' ? 'stopped' : 'running';
    return { name, action: plan.action, state: wanted, message: message(name, plan.action, wanted) };
  });
}

function message(name: string, action: LifecycleAction, wanted: 'running' | 'stopped'): string {
  if (action === 'none') return `${name} is already ${wanted}`;
  if (action === 'created') return `${name} had no container; created and started it`;
  return `${action} ${name}`;
}
