// Pure: which tenants an `upgrade` moves to a new image, and how (running ones are switched with
// their requests held; asleep and stopped ones are only recreated), and what reconcile does with
// an upgrade that died.
import type { TenantRow, UpgradeStep } from './tenant-row.js';

/** running: switched live, requests held; asleep / stopped: recreated, left as they were. */
export type UpgradeMode = 'running' | 'asleep' | 'stopped';

export interface UpgradeCandidate {
  row: Pick<TenantRow, 'name' | 'image' | 'status' | 'asleepAt' | 'secret' | 'upgrade'>;
  /** Its container's state and image ID; undefined when the container is missing. */
  container: { state: string; imageId: string | undefined } | undefined;
  /** The image it goes to (--image, or its configured one) and that image's ID now. */
  target: { image: string; id: string };
}

export interface PlannedUpgrade {
  name: string;
  action: 'upgrade' | 'skip';
  mode: UpgradeMode;
  image: string;
  /** The image ID its container runs now, and the one it goes to. */
  fromId: string | null;
  toId: string;
  why: string;
}

export function planUpgrade(cands: readonly UpgradeCandidate[]): PlannedUpgrade[] {
  return cands.map(({ row, container, target }) => {
    const k = container;
    const mode: UpgradeMode = k?.state === 'running' ? 'running' : row.asleepAt !== null ? 'asleep' : 'stopped';
    const base = { name: row.name, mode, image: target.image, fromId: k?.imageId ?? null, toId: target.id };
    const skip = (why: string): PlannedUpgrade => ({ ...base, action: 'skip', why });
    if (row.status !== 'active') return skip(`it is ${row.status}`);
    if (row.upgrade) return skip('an earlier upgrade of it was interrupted: run feather-tenant reconcile first');
    if (!k) return skip('its container is missing: run feather-tenant reconcile first');
    if (row.secret === null) return skip('it has no password secret of ours yet: give it one with feather-tenant passwd first');
    if (k.imageId === target.id && row.image === target.image) return skip('up to date');
    return { ...base, action: 'upgrade', why: mode === 'running' ? 'switched with its requests held' : `recreated, left ${mode}` };
  });
}

/**
 * Whether a tenant's container runs another image than the one its configured image (or the
 * image asked for) names now; undefined when either ID is unknown.
 */
export function outOfDate(containerImageId: string | undefined, currentId: string | undefined): boolean | undefined {
  if (containerImageId === undefined || currentId === undefined) return undefined;
  return containerImageId !== currentId;
}

/**
 * An upgrade that died (its process gone, its step still in the row): from `answered` on the new
 * container is the tenant's and the upgrade is finished; before, it never answered and is rolled back.
 */
export function recoveryOf(step: UpgradeStep): 'finish' | 'rollback' {
  return step === 'answered' ? 'finish' : 'rollback';
}

export type UpgradeOutcome = 'upgraded' | 'rolled back' | 'failed' | 'skipped' | 'untouched';

/** The order `--all` takes: the first tenant to upgrade alone (the canary), then the rest. */
export function canaryFirst<T extends { action: string }>(plan: readonly T[]): { canary: T | undefined; rest: T[] } {
  const todo = plan.filter((p) => p.action === 'upgrade');
  return { canary: todo[0], rest: todo.slice(1) };
}
