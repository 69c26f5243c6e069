import { ConflictError } from '../core/errors.js';
import type { LockHolder } from '../store/locks.js';
import type { Context } from '../runtime/context.js';

const POLL_MS = 100;

export function describeHolder(h: LockHolder): string {
  return `${h.command} (pid ${h.pid})`;
}

/**
 * The tenants live processes hold now, each with who holds it ("remove (pid 42)"); this process's
 * own locks included (an admin API command in the watchdog, seen by the watchdog's sweep).
 */
export function busyTenants(ctx: Context): Map<string, string> {
  return new Map(ctx.locks().held().map((h) => [h.key, describeHolder(h)]));
}

/**
 * Runs `fn` holding `key`'s lock if it is free now; if another process holds it, returns
 * `busy(why)` at once, without waiting: reconcile skips that tenant and its next run retries.
 */
export async function ifUnlocked<T>(ctx: Context, key: string, command: string, busy: (why: string) => T, fn: () => Promise<T>): Promise<T> {
  const locks = ctx.locks();
  const holder = locks.tryAcquire(key, command, ctx.now());
  if (holder) return busy(`${describeHolder(holder)} is working on it`);
  try {
    return await fn();
  } finally {
    locks.release(key);
  }
}

/**
 * Runs `fn` holding the lock `key` (a tenant's name), so that commands on the
 * same tenant serialise. Waits up to FEATHER_TENANT_LOCK_TIMEOUT, saying once who it waits for,
 * then gives up with a conflict (exit 4) naming the holder.
 */
export async function withLock<T>(ctx: Context, key: string, command: string, fn: () => Promise<T>): Promise<T> {
  const locks = ctx.locks();
  const start = ctx.now();
  let announced = false;
  for (;;) {
    const holder = locks.tryAcquire(key, command, ctx.now());
    if (!holder) break;
    const waited = ctx.now() - start;
    if (waited >= ctx.config.lockTimeoutMs) {
      throw new ConflictError(
        `tenant ${key} is busy: ${describeHolder(holder)} has held it for ${Math.round((ctx.now() - holder.acquiredAt) / 1000)} s; gave up after ${(waited / 1000).toFixed(1)} s`,
        'try again when it has finished, or wait longer with FEATHER_TENANT_LOCK_TIMEOUT (seconds)',
      );
    }
    if (!announced) {
      ctx.log(`waiting for tenant ${key}: ${describeHolder(holder)} is working on it`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (announced) ctx.log(`tenant ${key} is free; going on after ${((ctx.now() - start) / 1000).toFixed(1)} s`);
  try {
    return await fn();
  } finally {
    locks.release(key);
  }
}
