import { customAlphabet } from 'nanoid';
import type { RedisClient } from '../redis/connect.js';
import type { Revocation } from '../store/outbox.js';
import type { Keys } from './keys.js';

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

export interface SessionInfo {
  sid: string;
  createdAt: number;
  lastSeenAt: number;
  client: string;
}

export class SessionStore {
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

  /** Counts a failed login, per client address and per tenant, each for a minute. */
  async failedLogin(tenant: string, client: string): Promise<void> {
    await this.redis
      .multi()
      .incr(this.k.failures(tenant, client))
      .pexpire(this.k.failures(tenant, client), 60_000, 'NX')
      .incr(this.k.tenantFailures(tenant))
      .pexpire(this.k.tenantFailures(tenant), 60_000, 'NX')
      .exec();
  }

  /**
   * Seconds until another login may be tried (0: now). Per client address the limit is `limit`
   * a minute; per tenant, from all addresses together, 4x that, so a single client cannot lock
   * the user out while a spread-out guesser is still bounded.
   */
  async retryAfter(tenant: string, client: string, limit: number): Promise<number> {
    const res = (await this.redis
      .multi()
      .get(this.k.failures(tenant, client))
      .pttl(this.k.failures(tenant, client))
      .get(this.k.tenantFailures(tenant))
      .pttl(this.k.tenantFailures(tenant))
      .exec()) ?? [];
    const [perClient, perClientTtl, perTenant, perTenantTtl] = res.map(([, v]) => Number(v ?? 0));
    const waits: number[] = [];
    if ((perClient ?? 0) >= limit) waits.push(perClientTtl ?? 60_000);
    if ((perTenant ?? 0) >= 4 * limit) waits.push(perTenantTtl ?? 60_000);
    return waits.length ? Math.max(1, Math.ceil(Math.max(...waits) / 1000)) : 0;
  }
}
