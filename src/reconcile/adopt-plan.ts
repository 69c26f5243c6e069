// Pure: which containers `reconcile --adopt` takes into our state, and why others are left.
import type { ContainerDetails } from '../core/container.js';
import type { Adoption, TenantRow } from '../core/tenant-row.js';
import type { Note } from './plan.js';
import { inRange, type PortRange, formatRange } from '../core/ports.js';
import { HOME, LABEL_SECRET } from '../core/tenant.js';
import type { TenantShEntry } from './tenant-sh.js';

export interface AdoptCandidate {
  name: string;
  /** Made by feather-tenant (our labels) and only missing from state, or made by tenant.sh. */
  labelled: boolean;
  details: ContainerDetails;
}

export interface AdoptInput {
  range: PortRange;
  rows: readonly TenantRow[];
  candidates: readonly AdoptCandidate[];
  /** tenant.sh's state file, when there is one. */
  stateFile: ReadonlyMap<string, TenantShEntry> | undefined;
}

/** The row the store's adopt() inserts, but with tenant.sh's password (if known) not yet hashed. */
export interface PlannedAdoption extends Omit<Adoption, 'passwordHash' | 'now'> {
  /** From tenant.sh's file, to be hashed; never stored as is. */
  password: string | undefined;
}

export function planAdoption(i: AdoptInput): { adopt: PlannedAdoption[]; notes: Note[] } {
  const adopt: PlannedAdoption[] = [];
  const notes: Note[] = [];
  const taken = new Set(i.rows.map((r) => r.port));
  const known = new Set(i.rows.map((r) => r.name));
  const skip = (name: string, why: string) => notes.push({ target: name, message: `not adopted: ${why}` });

  for (const c of [...i.candidates].sort((a, b) => a.name.localeCompare(b.name))) {
    if (known.has(c.name)) continue;
    const entry = i.stateFile?.get(c.name);
    const mount = c.details.mounts.find((m) => m.destination === HOME);
    if (!mount || mount.type !== 'volume' || !mount.name) {
      skip(c.name, `container ${c.details.name} has no named volume at ${HOME}, so its data would not survive a new container`);
      continue;
    }
    const ports = c.details.hostPorts.filter((p) => inRange(i.range, p));
    const port = entry?.port !== undefined && ports.includes(entry.port) ? entry.port : ports[0];
    if (port === undefined) {
      skip(c.name, `container ${c.details.name} publishes no port in ${formatRange(i.range)} (FEATHER_TENANT_PORTS)`);
      continue;
    }
    if (taken.has(port)) {
      skip(c.name, `its port ${port} already belongs to another tenant`);
      continue;
    }
    if (entry?.port !== undefined && entry.port !== port) {
      notes.push({ target: c.name, message: `the state file says port ${entry.port}, but the container publishes ${port}: keeping ${port}` });
    }
    taken.add(port);
    known.add(c.name);
    adopt.push({
      name: c.name,
      port,
      image: c.details.image,
      volume: mount.name,
      secret: c.labelled ? (c.details.labels[LABEL_SECRET] ?? c.details.name) : null,
      containerId: c.details.id,
      password: entry?.password,
    });
  }
  for (const [name, entry] of i.stateFile ?? []) {
    if (known.has(name)) continue;
    notes.push({ target: name, message: `in the tenant.sh state file${entry.port ? ` (port ${entry.port})` : ''} but has no container; add it with feather-tenant add ${name} (an existing volume is reused)` });
  }
  return { adopt, notes };
}
