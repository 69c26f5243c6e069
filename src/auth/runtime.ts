import type { Config } from '../core/config.js';
import { connectConfigured, ready, type RedisClient } from '../redis/connect.js';
import { keys } from './keys.js';
import { SessionStore } from './sessions.js';
import type { SessionsPort } from './sessions-port.js';

export interface OpenSessions {
  /** The connection under the store: the watchdog watches its events and status. */
  redis: RedisClient;
  sessions: SessionsPort;
  close(): Promise<void>;
}

/**
 * The session store of this installation (its prefix, windows) on a new, not yet connected client
 * of the configured Redis. `persistent` (the watchdog) keeps reconnecting; a CLI command does not.
 */
export function sessionsOn(c: Config, opts: { persistent?: boolean } = {}): OpenSessions {
  const redis = connectConfigured(c, opts);
  return {
    redis,
    sessions: new SessionStore(redis, keys(c.prefix), c.sessionIdleMs, c.sessionMaxMs),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Connects to Redis (failing within about a second when it is down) and returns the session store. */
export async function openSessions(c: Config): Promise<OpenSessions> {
  const open = sessionsOn(c);
  open.redis.on('error', () => { /* reported by the command that needed Redis */ });
  await ready(open.redis, c.redisUrl).catch((err) => {
    open.redis.disconnect();
    throw err;
  });
  return open;
}
