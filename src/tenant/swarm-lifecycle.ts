// start / stop / remove / list on the swarm backend (issue 14): scale 1 / 0 keeps the spec,
// volume and secret; remove keeps the volume on its node.
import type { Context } from '../runtime/context.js';
import type { TenantBackend } from '../backend/port.js';
import type { TenantRow } from '../core/tenant-row.js';
import { objectName, prefixFilter, tenantUrl } from '../core/tenant.js';
import { waitRunning } from './swarm-add.js';

export async function startOnSwarm(ctx: Context, swarm: TenantBackend, name: string, verb: 'start' | 'stop' | 'restart'): Promise<'started' | 'stopped' | 'restarted' | 'none'> {
  const obj = objectName(ctx.config, name);
  const state = await swarm.state(obj);
  if (verb === 'stop') {
    if (state === 'stopped') return 'none';
    await swarm.scale(obj, 0);
    return 'stopped';
  }
  if (state === 'running' && verb === 'start') return 'none';
  if (state === 'running') await swarm.scale(obj, 0);
  await swarm.scale(obj, 1);
  await waitRunning(ctx, swarm, obj);
  return verb === 'start' ? 'started' : 'restarted';
}

export async function removeOnSwarm(ctx: Context, swarm: TenantBackend, name: string, row: TenantRow | undefined): Promise<string[]> {
  const obj = objectName(ctx.config, name);
  const removed: string[] = [];
  if (await ctx.caddy.deleteById(obj)) removed.push(`route ${obj}`);
  await swarm.remove(obj, [...new Set([obj, ...(row?.secret ? [row.secret] : [])])]);
  removed.push(`service ${obj}`);
  return removed;
}

export interface SwarmListEntry {
  name: string;
  url: string;
  container: string;
  state: string;
  node: string | null;
  tracked: boolean;
}

export async function listOnSwarm(ctx: Context, swarm: TenantBackend): Promise<SwarmListEntry[]> {
  const c = ctx.config;
  const [rows, services] = await Promise.all([Promise.resolve(ctx.store().list()), swarm.list(prefixFilter(c))]);
  const byName = new Map(services.map((s) => [s.name, s]));
  const state = (s: (typeof services)[number] | undefined) =>
    s === undefined ? 'missing' : s.desired === 0 ? 'stopped' : s.running > 0 ? 'running' : 'starting';
  const out = rows.map((r) => {
    const obj = objectName(c, r.name);
    const s = byName.get(obj);
    byName.delete(obj);
    return { name: r.name, url: tenantUrl(c, r.name), container: obj, state: r.status === 'active' ? state(s) : r.status, node: s?.node ?? null, tracked: true };
  });
  for (const s of byName.values()) out.push({ name: s.name, url: '', container: s.name, state: state(s), node: s.node ?? null, tracked: false });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
