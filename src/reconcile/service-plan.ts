// Pure: reconcile's engine half on swarm (issue 14): state's rows against the cluster's services.
// A missing service or an interrupted add or remove is reported as a note, never repaired (a
// service is made from a new password's secret: only add makes one); a passwd or
// rotate-ingest-token that died is finished or rolled back as on podman (planSecrets).
import type { ServiceSummary } from '../core/service.js';
import type { TenantRow } from '../core/tenant-row.js';
import { LABEL_INGEST, LABEL_SECRET, LABEL_TENANT } from '../core/tenant.js';
import { pendingSecrets, type Note, type TenantAction } from './plan.js';

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

/**
 * What a passwd or rotate-ingest-token that died left (tenant/secret-swap.ts), planned as podman's
 * reconcile plans it: a service on other secrets than its row's (the swap's update ran, its one
 * write did not) is put back on the row's, the old value working again; then the secrets left
 * pending go, once nothing uses them.
 */
export function planSecrets(prefix: string, rows: readonly TenantRow[], busy: ReadonlyMap<string, string>, services: readonly ServiceSummary[]): TenantAction[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const actions: TenantAction[] = [];
  for (const row of rows) {
    const s = byName.get(`${prefix}${row.name}`);
    if (busy.has(row.name) || row.status !== 'active' || !s) continue;
    const secret = s.labels[LABEL_SECRET] ?? s.name;
    const ingest = s.labels[LABEL_INGEST] ?? null;
    if (row.secret !== null && secret !== row.secret) actions.push({ kind: 'resecret', name: row.name, why: `it holds an old password (secret ${secret}, not ${row.secret})` });
    else if (ingest !== row.ingestSecret) actions.push({ kind: 'resecret', name: row.name, why: `it holds another ingest token (secret ${ingest ?? 'none'}, not ${row.ingestSecret ?? 'none'})` });
    actions.push(...pendingSecrets(row));
  }
  return actions;
}
