import type { UpgradeStep } from '../core/tenant-row.js';

export interface SwitchWaitDeps {
  /** The step of an upgrade a live process is making on the tenant, or undefined when none is. */
  switching(name: string): UpgradeStep | undefined;
  probe(port: number): Promise<boolean>;
  now(): number;
  sleep(ms: number): Promise<void>;
  pollMs: number;
}

/**
 * Holds a wake while an `upgrade` switches the tenant's container, and never starts the old one
 * under it: true as soon as the container that stays answers (the new one, or the old one after a
 * rollback), false when there was no switch or it ended with nothing answering (an asleep or
 * stopped tenant: the wake then starts it as usual). While the old container may still be
 * draining (step `stopping`) its answers do not count: a request replayed to it could find it gone.
 */
export async function awaitSwitch(d: SwitchWaitDeps, name: string, port: number, deadline: number): Promise<boolean> {
  let step = d.switching(name);
  if (step === undefined) return false;
  for (;;) {
    if (step === undefined) return d.probe(port);
    if (step !== 'stopping' && (await d.probe(port))) return true;
    if (d.now() >= deadline) throw new Error(`an upgrade of ${name} is still switching its container`);
    await d.sleep(d.pollMs);
    step = d.switching(name);
  }
}
