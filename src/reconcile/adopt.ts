import { readFile } from 'node:fs/promises';
import { planAdoption, type AdoptCandidate, type PlannedAdoption } from './adopt-plan.js';
import { UsageError } from '../core/errors.js';
import { hashPassword } from '../core/password.js';
import { containerTenant, type Note } from './plan.js';
import { parseTenantShState, type TenantShEntry } from './tenant-sh.js';
import type { TenantRow } from '../core/tenant-row.js';
import type { Context } from '../runtime/context.js';
import { ifUnlocked } from '../tenant/lock.js';
import type { World } from './world.js';

/** Containers named with our prefix that no row knows: inspected (for their volume) and planned. */
export async function planAdopt(ctx: Context, world: World): Promise<{ adopt: PlannedAdoption[]; notes: Note[] }> {
  const c = ctx.config;
  const known = new Set(world.rows.map((r) => r.name));
  const wanted = world.containers.flatMap((k) => {
    const t = containerTenant(c.prefix, k);
    return t && !known.has(t.name) && !world.busy.has(t.name) ? [{ t, k }] : [];
  });
  const candidates: AdoptCandidate[] = [];
  for (const { t, k } of wanted) {
    const details = await ctx.podman.inspectContainer(k.id);
    if (details) candidates.push({ name: t.name, labelled: t.labelled, details });
  }
  return planAdoption({ range: c.ports, rows: world.rows, candidates, stateFile: await readStateFile(c.adoptFile) });
}

async function readStateFile(file: string): Promise<Map<string, TenantShEntry> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read tenant.sh state file ${file}: ${code ?? (err as Error).message}`);
  }
  return parseTenantShState(text, file);
}

/** Inserts one adopted tenant under its lock; the container itself is left exactly as it is. */
export async function applyAdoption(ctx: Context, a: PlannedAdoption): Promise<{ error?: string; skipped?: string }> {
  return ifUnlocked(ctx, a.name, 'reconcile --adopt', (skipped) => ({ skipped }), async () => {
    try {
      // Another reconcile --adopt may have taken it meanwhile.
      if (ctx.store().get(a.name)) return { skipped: 'it was adopted meanwhile' };
      const { password, ...row } = a; // only its hash goes into the store
      const passwordHash = password === undefined ? null : await hashPassword(password);
      ctx.store().adopt({ ...row, passwordHash, now: ctx.now() });
      return {};
    } catch (err) {
      return { error: (err as Error).message };
    }
  });
}

/** The row an adoption would make, for --dry-run's plan. */
export function adoptedRow(a: PlannedAdoption, now: number): TenantRow {
  return {
    name: a.name, port: a.port, status: 'active', image: a.image, volume: a.volume, containerId: a.containerId,
    passwordHash: a.password ? 'unknown' : null, createdAt: now, updatedAt: now, secret: a.secret, secretPending: null,
    desired: 'running', adoptedAt: now, lastActiveAt: null, pinned: false, asleepAt: null, stopStartedAt: null, wakeStartedAt: null, upgrade: null,
    lastActiveKind: null, lastActiveDetail: null, ingestHash: null, ingestSecret: null, ingestPending: null,
  };
}

export function describeAdoption(a: PlannedAdoption): string {
  return `container ${a.containerId.slice(0, 12)} on port ${a.port} with volume ${a.volume}${a.password ? ', password from the state file' : ', password unknown until passwd'}`;
}
