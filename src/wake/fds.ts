import { readFileSync, readdirSync } from 'node:fs';

// File descriptors: how many the watchdog has open, its limit, and the cap on held requests
// fitted to that limit. Node cannot read or raise its own RLIMIT_NOFILE (no getrlimit or
// setrlimit in its API), so the limit is read from /proc/self/limits, and raising it is left to
// whoever starts the watchdog (`ulimit -n "$(ulimit -Hn)"`, systemd's LimitNOFILE=; the birth
// entrypoint does the former).

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

/** The soft limit assumed where it cannot be read: Linux's usual default. */
export const ASSUMED_SOFT_LIMIT = 1024;
/**
 * Descriptors kept for everything else: the listening socket, SQLite, Redis, stdio, podman's
 * pipes during wakes and sweeps, probes and Caddy admin calls. Measured: 24 open at rest, about
 * 40 during a sweep with wakes in flight; 128 leaves room to spare.
 */
export const RESERVED_FDS = 128;
/** Beyond this, memory and the tenants' own limits bind long before descriptors do. */
export const MAX_HELD_CEILING = 10_000;

/**
 * FEATHER_TENANT_MAX_HELD's default: what the soft limit leaves after the reserve, two
 * descriptors a held request (448 at the usual 1,024; 8,128 at the birth's 16,384).
 */
export function defaultMaxHeld(softLimit: number): number {
  return Math.max(1, Math.min(MAX_HELD_CEILING, Math.floor((softLimit - RESERVED_FDS) / 2)));
}
