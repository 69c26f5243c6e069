import { Redis } from 'ioredis';
import type { Config } from '../core/config.js';
import { OperationError } from '../core/errors.js';
import { readPasswordFile } from './password-file.js';

export type RedisClient = Redis;

/**
 * A Redis connection that fails fast: commands error at once while disconnected (no offline
 * queue), so a CLI command reports "Redis down" in about a second and the gate fails closed.
 * `persistent` (the watchdog) keeps reconnecting in the background. `password` overrides the URL's.
 */
export function connectRedis(url: string, opts: { persistent?: boolean; password?: string | undefined } = {}): RedisClient {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: opts.persistent ? (times) => Math.min(times * 100, 1000) : () => null,
    ...(opts.password === undefined ? {} : { password: opts.password }),
  });
}

/**
 * The configured Redis: its URL, and the password from FEATHER_TENANT_REDIS_PASSWORD_FILE when
 * set, read now (the watchdog reads it once, at its start). Throws when the file is unusable.
 */
export function connectConfigured(c: Pick<Config, 'redisUrl' | 'redisPasswordFile'>, opts: { persistent?: boolean } = {}): RedisClient {
  const password = c.redisPasswordFile === undefined ? undefined : readPasswordFile(c.redisPasswordFile);
  return connectRedis(c.redisUrl, { ...opts, password });
}

/** Connects a new client (connectRedis) or throws an OperationError naming the URL (without its password). */
export async function ready(redis: RedisClient, url: string): Promise<RedisClient> {
  // A refused password shows only as an 'error' event; connect() itself just says "Connection is closed".
  let cause: Error | undefined;
  const onError = (err: Error) => (cause = err);
  redis.on('error', onError);
  try {
    await redis.connect();
    return redis;
  } catch (err) {
    const why = (cause ?? (err as Error)).message;
    if (/^NOAUTH/.test(why)) {
      throw new OperationError(`Redis at ${safeUrl(url)} wants a password: ${why}`, 'set FEATHER_TENANT_REDIS_PASSWORD_FILE to the file holding it');
    }
    if (/^WRONGPASS|invalid password/i.test(why)) {
      throw new OperationError(`Redis at ${safeUrl(url)} refused the password: ${why}`, 'check the file in FEATHER_TENANT_REDIS_PASSWORD_FILE (or the password in FEATHER_TENANT_REDIS_URL)');
    }
    throw new OperationError(`Redis unreachable at ${safeUrl(url)}: ${why}`, 'is redis-server running? set FEATHER_TENANT_REDIS_URL');
  } finally {
    redis.off('error', onError);
  }
}

export function safeUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = 'REDACTED';
  return u.toString();
}
