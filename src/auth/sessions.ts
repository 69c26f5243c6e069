import { customAlphabet } from 'nanoid';
import type { RedisClient } from '../redis/connect.js';
import type { Revocation } from '../store/outbox.js';
import type { Keys } from './keys.js';
import type { SessionInfo, SessionsPort } from './sessions-port.js';

export const newSessionId = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 22);

// One round trip per verified request: refuse revoked ids and tokens issued before the tenant's
// "not before", then renew the sliding window (PEXPIRE fails when the window has lapsed).
const CHECK_AND_TOUCH = `
if redis.call('EXISTS', KEYS[3]) == 1 then return 'revoked' end
local nbf = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) < nbf then return 'revoked' end
if redis.call('PEXPIRE', KEYS[1], ARGV[2]) == 0 then return 'idle' end
return 'ok'`;

// "Not before" only ever moves forward, whatever order two deliveries arrive in.
const RAISE_NBF = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;

const LOGIN_WINDOW_MS = 60_000;

// KEYS: the client's counter, the tenant's. ARGV: client limit, tenant limit, window (ms).
// Each counter's window starts at its first attempt (PEXPIRE NX: later attempts do not extend
// it). A client over its own limit is not counted against the tenant, and an attempt refused
// by the tenant's ceiling is not counted against the client. Returns the wait in ms, 0 to go on.
const LOGIN_ATTEMPT = `
local mine = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3], 'NX')
if mine > tonumber(ARGV[1]) then return math.max(redis.call('PTTL', KEYS[1]), 1) end
local all = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3], 'NX')
if all > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  return math.max(redis.call('PTTL', KEYS[2]), 1)
end
return 0`;

// Only counters still in their window: a DECR on an expired key would create one without a TTL.
const GIVE_BACK = `
for _, k in ipairs(KEYS) do
  if redis.call('PTTL', k) > 0 then redis.call('DECR', k) end
end
return 1`;

export class SessionStore implements SessionsPort {
  constructor(
    private readonly redis: RedisClient,
    private readonly k: Keys,
    private readonly idleMs: number,
    private readonly maxMs: number,
  ) {}

  async create(tenant: string, sid: string, nowMs: number, client: string): Promise<void> {
    await this.redis
      .multi()
      .set(this.k.session(tenant, sid), JSON.stringify({ createdAt: nowMs, client }), 'PX', this.idleMs)
      .sadd(this.k.sessionIndex(tenant), sid)
      .pexpire(this.k.sessionIndex(tenant), this.maxMs)
      .exec();
  }

  /** 'ok' renews the window; otherwise why the session is not accepted. */
  async checkAndTouch(tenant: string, sid: string, iatMs: number): Promise<'ok' | 'revoked' | 'idle'> {
    const r = await this.redis.eval(CHECK_AND_TOUCH, 3, this.k.session(tenant, sid), this.k.notBefore(tenant), this.k.revoked(sid), iatMs, this.idleMs);
    return r as 'ok' | 'revoked' | 'idle';
  }

  async list(tenant: string, nowMs: number): Promise<SessionInfo[]> {
    const sids = await this.redis.smembers(this.k.sessionIndex(tenant));
    if (sids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const sid of sids) pipe.get(this.k.session(tenant, sid)).pttl(this.k.session(tenant, sid));
    const res = (await pipe.exec()) ?? [];
    const out: SessionInfo[] = [];
    const stale: string[] = [];
    sids.forEach((sid, i) => {
      const value = res[2 * i]?.[1] as string | null;
      const ttl = res[2 * i + 1]?.[1] as number;
      if (!value || ttl < 0) return stale.push(sid);
      const v = JSON.parse(value) as { createdAt: number; client: string };
      out.push({ sid, createdAt: v.createdAt, lastSeenAt: nowMs - (this.idleMs - ttl), client: v.client });
    });
    if (stale.length) await this.redis.srem(this.k.sessionIndex(tenant), ...stale);
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Applies one outbox entry; idempotent, so a redelivery after a crash is harmless. */
  async apply(r: Revocation): Promise<void> {
    if (r.sessionId) {
      await this.redis
        .multi()
        .set(this.k.revoked(r.sessionId), '1', 'PX', this.maxMs)
        .del(this.k.session(r.tenant, r.sessionId))
        .srem(this.k.sessionIndex(r.tenant), r.sessionId)
        .exec();
      return;
    }
    await this.redis.eval(RAISE_NBF, 1, this.k.notBefore(r.tenant), r.notBefore, this.maxMs);
    const sids = await this.redis.smembers(this.k.sessionIndex(r.tenant));
    const m = this.redis.multi();
    for (const sid of sids) m.del(this.k.session(r.tenant, sid));
    await m.del(this.k.sessionIndex(r.tenant)).exec();
  }

  /**
   * Counts a login attempt before its password is checked, in one call, so a burst cannot slip
   * past the limit (checked first and counted after the slow scrypt, 30 simultaneous guesses
   * were all checked). Per client (rate-key.ts) `limit` a minute; per tenant, from all clients
   * together, 4x that, so one client alone cannot lock the user out, while a spread-out guesser
   * is still bounded. Returns 0 to go ahead, else the seconds until another attempt may be made.
   */
  async loginAttempt(tenant: string, client: string, limit: number): Promise<number> {
    const waitMs = await this.redis.eval(LOGIN_ATTEMPT, 2, this.k.loginTries(tenant, client), this.k.tenantLoginTries(tenant), limit, 4 * limit, LOGIN_WINDOW_MS);
    return Number(waitMs) > 0 ? Math.max(1, Math.ceil(Number(waitMs) / 1000)) : 0;
  }

  /** Gives a successful login's attempt back: only wrong passwords count. */
  async loginSucceeded(tenant: string, client: string): Promise<void> {
    await this.redis.eval(GIVE_BACK, 2, this.k.loginTries(tenant, client), this.k.tenantLoginTries(tenant));
  }
}
