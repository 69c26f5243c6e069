// Pure: reconcile's engine half on swarm (issue 14): state's rows against the cluster's services,
// reported as notes and never repaired (a service is made from a new password's secret: only add
// makes one). What podman's reconcile repairs, it says how to repair.
import type { ServiceSummary } from '../core/service.js';
import type { TenantRow } from '../core/tenant-row.js';
import { LABEL_TENANT } from '../core/tenant.js';
import type { Note } from './plan.js';

export function planServices(prefix: string, rows: readonly TenantRow[], busy: ReadonlyMap<string, string>, services: readonly ServiceSummary[]): Note[] {
  const notes: Note[] = [];
  const byTenant = new Map(services.map((s) => [s.labels[LABEL_TENANT] ?? s.name.slice(prefix.length), s]));
  for (const row of rows) {
    const holder = busy.get(row.name);
    const service = byTenant.get(row.name);
    byTenant.delete(row.name);
    if (holder !== undefined) notes.push({ target: row.name, message: `skipped: ${holder} is working on it` });
    else if (row.status === 'provisioning') notes.push({ target: row.name, message: `its add was interrupted; undo it with: feather-tenant remove ${row.name}` });
    else if (row.status === 'removing') notes.push({ target: row.name, message: `its remove was interrupted; finish it with: feather-tenant remove ${row.name}` });
    else if (!service) notes.push({ target: row.name, message: `its service ${prefix}${row.name} is missing; make it again with: feather-tenant remove ${row.name} && feather-tenant add ${row.name}` });
  }
  for (const [name, s] of byTenant) {
    if (busy.has(name)) continue;
    notes.push({ target: name, message: `service ${s.name} is ours but no tenant ${name} is in state; left alone (delete it with feather-tenant remove ${name})` });
  }
  return notes;
}
