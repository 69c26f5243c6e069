import type { Config } from '../core/config.js';
import { connectConfigured, ready, type RedisClient } from '../redis/connect.js';
import { keys } from './keys.js';
import { SessionStore } from './sessions.js';

export interface OpenSessions {
  sessions: SessionStore;
  close(): Promise<void>;
}

/** The session store of this installation (its prefix, windows) on a Redis connection. */
export function sessionStore(redis: RedisClient, c: Config): SessionStore {
  return new SessionStore(redis, keys(c.prefix), c.sessionIdleMs, c.sessionMaxMs);
}

/** Connects to Redis (failing within about a second when it is down) and returns the session store. */
export async function openSessions(c: Config): Promise<OpenSessions> {
  const redis = connectConfigured(c);
  redis.on('error', () => { /* reported by the command that needed Redis */ });
  await ready(redis, c.redisUrl).catch((err) => {
    redis.disconnect();
    throw err;
  });
  return {
    sessions: sessionStore(redis, c),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
