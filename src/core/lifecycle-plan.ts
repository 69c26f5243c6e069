// start / stop / restart as a decision (issue 14): what to do from the state a backend reports,
// the same for a podman container and a Swarm service. The backends do the steps.

export type LifecycleVerb = 'start' | 'stop' | 'restart';

/**
 * A tenant's container or service as its backend sees it: `starting` is a Swarm service scaled
 * to 1 whose task does not run yet (podman has no such state: anything but running is stopped).
 */
export type EngineState = 'running' | 'starting' | 'stopped' | 'missing';

export type LifecycleAction = 'started' | 'created' | 'stopped' | 'restarted' | 'none';

export interface LifecyclePlan {
  action: LifecycleAction;
  /** In order; `create` makes the missing container (find-or-create, with add's arguments) and starts it. */
  steps: ('stop' | 'start' | 'create')[];
}

export function lifecyclePlan(verb: LifecycleVerb, state: EngineState): LifecyclePlan {
  if (verb === 'stop') return state === 'running' || state === 'starting' ? { action: 'stopped', steps: ['stop'] } : { action: 'none', steps: [] };
  if (state === 'missing') return { action: 'created', steps: ['create'] };
  if (verb === 'start') return state === 'running' ? { action: 'none', steps: [] } : { action: 'started', steps: ['start'] };
  return { action: 'restarted', steps: state === 'running' ? ['stop', 'start'] : ['start'] };
}
