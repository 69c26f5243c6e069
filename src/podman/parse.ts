import type { ContainerDetails, ContainerSummary } from '../core/container.js';

// podman's zero time: "unset" in `ps --format json`.
const ZERO_TIME = -62135596800;

interface PsEntry {
  Id: string;
  Names: string[] | null;
  State: string;
  Image: string;
  ImageID?: string;
  Labels: Record<string, string> | null;
  Ports: { host_port: number; range?: number }[] | null;
  StartedAt: number;
  /** Unix seconds from `podman ps`; RFC 3339 with nanoseconds from the API (both 4.3 and 5.4). */
  Created: number | string;
  Pid?: number;
}

function time(at: number | string | undefined): Date | undefined {
  // The API's time is cut to whole seconds, as `podman ps` prints it, so both read alike.
  const secs = typeof at === 'string' ? Math.floor(Date.parse(at) / 1000) : at;
  return secs && secs !== ZERO_TIME && Number.isFinite(secs) ? new Date(secs * 1000) : undefined;
}

/**
 * Parses `podman ps -a --format json` (Names is an array, Ports may be null), and the API's
 * `GET /libpod/containers/json`, which has the same fields but for Created's form.
 */
export function parsePsJson(stdout: string): ContainerSummary[] {
  const entries = JSON.parse(stdout.trim() || '[]') as PsEntry[];
  return entries.map((e) => ({
    id: e.Id,
    name: e.Names?.[0] ?? e.Id.slice(0, 12),
    state: e.State,
    image: e.Image,
    imageId: e.ImageID,
    labels: e.Labels ?? {},
    hostPorts: (e.Ports ?? []).flatMap((p) => Array.from({ length: p.range ?? 1 }, (_, i) => p.host_port + i)),
    startedAt: time(e.StartedAt),
    createdAt: time(e.Created),
    pid: e.Pid ? e.Pid : undefined,
  }));
}

interface InspectEntry {
  Id: string;
  Name: string;
  Created?: string;
  ImageName?: string;
  /** The image's ID (inspect's Image is the ID; its name is ImageName). */
  Image?: string;
  State?: { Status?: string; StartedAt?: string };
  Config?: { Labels?: Record<string, string> | null };
  HostConfig?: {
    NanoCpus?: number;
    Memory?: number;
    PidsLimit?: number;
    PortBindings?: Record<string, { HostPort?: string }[] | null> | null;
  };
  Mounts?: { Type?: string; Name?: string; Source?: string; Destination?: string }[] | null;
}

/** podman's zero time in inspect output: "0001-01-01T00:00:00Z". */
function isoTime(s: string | undefined): Date | undefined {
  if (!s || s.startsWith('0001-')) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Parses `podman container inspect NAME` (an array of one). */
export function parseInspectJson(stdout: string): ContainerDetails | undefined {
  const e = (JSON.parse(stdout.trim() || '[]') as InspectEntry[])[0];
  if (!e) return undefined;
  const hc = e.HostConfig ?? {};
  return {
    id: e.Id,
    name: e.Name,
    state: e.State?.Status ?? 'unknown',
    image: e.ImageName ?? '',
    imageId: e.Image,
    labels: e.Config?.Labels ?? {},
    hostPorts: Object.values(hc.PortBindings ?? {}).flatMap((bs) => (bs ?? []).map((b) => Number(b.HostPort))).filter((p) => p > 0),
    createdAt: isoTime(e.Created),
    startedAt: isoTime(e.State?.StartedAt),
    nanoCpus: hc.NanoCpus ?? 0,
    memoryBytes: hc.Memory ?? 0,
    pidsLimit: hc.PidsLimit ?? 0,
    mounts: (e.Mounts ?? []).map((m) => ({ type: m.Type ?? '', name: m.Name ?? '', source: m.Source ?? '', destination: m.Destination ?? '' })),
  };
}

/** Parses `podman {volume,network,secret} inspect --format '{{json .Labels}}'` (null when it has none). */
export function parseLabelsJson(stdout: string): Record<string, string> {
  return (JSON.parse(stdout.trim() || 'null') as Record<string, string> | null) ?? {};
}

/** Parses the API's `GET /libpod/networks/json`: the Linux bridge of each network, by network name as `network ls` sorts them. */
export function parseNetworkBridges(text: string): string[] {
  const nets = (JSON.parse(text.trim() || '[]') as { name?: string; network_interface?: string }[] | null) ?? [];
  const byName = nets.map((n) => [n.name ?? '', n.network_interface ?? ''] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return byName.map(([, bridge]) => bridge).filter(Boolean);
}
