import type { ContainerSummary } from './types.js';

// podman's zero time: "unset" in `ps --format json`.
const ZERO_TIME = -62135596800;

interface PsEntry {
  Id: string;
  Names: string[] | null;
  State: string;
  Image: string;
  Labels: Record<string, string> | null;
  Ports: { host_port: number; range?: number }[] | null;
  StartedAt: number;
  Created: number;
  Pid?: number;
}

function time(secs: number | undefined): Date | undefined {
  return secs && secs !== ZERO_TIME ? new Date(secs * 1000) : undefined;
}

/** Parses `podman ps -a --format json` (Names is an array, Ports may be null). */
export function parsePsJson(stdout: string): ContainerSummary[] {
  const entries = JSON.parse(stdout.trim() || '[]') as PsEntry[];
  return entries.map((e) => ({
    id: e.Id,
    name: e.Names?.[0] ?? e.Id.slice(0, 12),
    state: e.State,
    image: e.Image,
    labels: e.Labels ?? {},
    hostPorts: (e.Ports ?? []).flatMap((p) => Array.from({ length: p.range ?? 1 }, (_, i) => p.host_port + i)),
    startedAt: time(e.StartedAt),
    createdAt: time(e.Created),
    pid: e.Pid ? e.Pid : undefined,
  }));
}
