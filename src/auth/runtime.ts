import type { Config } from '../core/config.js';
import { connectRedis, ready, type RedisClient } from '../redis/connect.js';
import { keys } from './keys.js';
import { SessionStore } from './sessions.js';

export interface OpenSessions {
  sessions: SessionStore;
  redis: RedisClient;
  close(): Promise<void>;
}

/** Connects to Redis (failing within about a second when it is down) and returns the session store. */
export async function openSessions(c: Config, opts: { persistent?: boolean } = {}): Promise<OpenSessions> {
  const redis = connectRedis(c.redisUrl, opts);
  redis.on('error', () => { /* reported by the command that needed Redis */ });
  await ready(redis, c.redisUrl).catch((err) => {
    redis.disconnect();
    throw err;
  });
  return {
    redis,
    sessions: new SessionStore(redis, keys(c.prefix), c.sessionIdleMs, c.sessionMaxMs),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
