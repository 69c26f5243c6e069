import { readFileSync, readdirSync } from 'node:fs';

// File descriptors: how many the watchdog has open, its limit, and the cap on held requests
// fitted to that limit. Node has no getrlimit, so the limit is read from /proc/self/limits. It
// raises its soft limit to the hard one by itself at start (node.cc, PlatformInit; measured: a
// shell at soft 1,024 / hard 20,000 starts node with 20,000), so the hard limit is what bounds
// the watchdog: the birth's `--ulimit nofile=16384:16384`, systemd's LimitNOFILE=.

export interface OpenFilesLimit {
  soft: number;
  /** Infinity for "unlimited". */
  hard: number;
}

/** The "Max open files" line of /proc/<pid>/limits; undefined if there is none. */
export function parseOpenFilesLimit(text: string): OpenFilesLimit | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!m) return undefined;
  const n = (v: string | undefined) => (v === 'unlimited' ? Infinity : Number(v));
  return { soft: n(m[1]), hard: n(m[2]) };
}

/** This process's limit; undefined where /proc is not there. */
export function readOpenFilesLimit(): OpenFilesLimit | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Descriptors this process has open now; undefined where /proc is not there. */
export function openFds(): number | undefined {
  try {
    // Listing the directory opens one more descriptor, which the listing includes.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/** The limit assumed where it cannot be read: Linux's usual default soft limit. */
export const ASSUMED_SOFT_LIMIT = 1024;
/**
 * Descriptors kept for everything else: the listening socket, SQLite, Redis, stdio, podman's
 * pipes during wakes and sweeps, probes, Caddy admin calls, and Caddy's idle keep-alive
 * connections to the wake server (up to 32 for each of its two handlers that dial us, the
 * gate's verify and the wake route). Measured (bench:load, limit 1,024, 448 held with a
 * reserve of 128): a peak of 986 = 26 at rest + 2 x 448 + 64, too close to the limit for
 * several tenants waking at once (a podman start and a probe each); 192 leaves about 100.
 */
export const RESERVED_FDS = 192;
/** Beyond this, memory and the tenants' own limits bind long before descriptors do. */
export const MAX_HELD_CEILING = 10_000;

/**
 * FEATHER_TENANT_MAX_HELD's default: what the limit leaves after the reserve, two descriptors a
 * held request (416 at 1,024; 8,096 at the birth's 16,384).
 */
export function defaultMaxHeld(softLimit: number): number {
  return Math.max(1, Math.min(MAX_HELD_CEILING, Math.floor((softLimit - RESERVED_FDS) / 2)));
}

/** Below this limit the watchdog warns at start: a herd of 500 on one wake peaks at about 1,060 descriptors (bench:load). */
export const LOW_FD_LIMIT = 4096;
