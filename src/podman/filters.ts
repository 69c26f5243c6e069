import type { ContainerSummary } from '../core/container.js';
import type { ContainerFilter } from './types.js';

/** podman's filters for a listing, the same for `ps --filter K=V` and the API's `filters` JSON. */
export function containerFilters(f: ContainerFilter): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (f.label !== undefined) out.label = [f.label];
  // podman's name filter is a regular expression; a prefix holds only [a-z0-9_.-].
  if (f.namePrefix !== undefined) out.name = [`^${f.namePrefix.replace(/\./g, '\\.')}`];
  return out;
}

/** What podman answered, held to the filter exactly (a name filter matches any of a container's names). */
export function matching(list: ContainerSummary[], f: ContainerFilter): ContainerSummary[] {
  const prefix = f.namePrefix;
  return prefix === undefined ? list : list.filter((k) => k.name.startsWith(prefix));
}
