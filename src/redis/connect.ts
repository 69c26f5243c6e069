import { Redis } from 'ioredis';
import { OperationError } from '../core/errors.js';

export type RedisClient = Redis;

/**
 * A Redis connection that fails fast: commands error at once while disconnected (no offline
 * queue), so a CLI command reports "Redis down" in about a second and the gate fails closed.
 * `persistent` (the watchdog) keeps reconnecting in the background.
 */
export function connectRedis(url: string, opts: { persistent?: boolean } = {}): RedisClient {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: opts.persistent ? (times) => Math.min(times * 100, 1000) : () => null,
  });
}

/** Connects a new client (connectRedis) or throws an OperationError naming the URL (without its password). */
export async function ready(redis: RedisClient, url: string): Promise<RedisClient> {
  try {
    await redis.connect();
    return redis;
  } catch (err) {
    throw new OperationError(`Redis unreachable at ${safeUrl(url)}: ${(err as Error).message}`, 'is redis-server running? set FEATHER_TENANT_REDIS_URL');
  }
}

export function safeUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = 'REDACTED';
  return u.toString();
}
