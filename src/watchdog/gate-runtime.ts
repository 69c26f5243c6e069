// The login gate inside the watchdog: its Redis connection, session store and revocation outbox.
import { deliverRevocations } from '../auth/deliver.js';
import { createGate, type Gate } from '../auth/gate.js';
import { sessionsOn } from '../auth/runtime.js';
import { loadJwtKey } from '../auth/secret.js';
import { redisProblem, redisUnreachable } from '../redis/problem.js';
import type { Context } from '../runtime/context.js';
import type { Outage } from '../wake/outage.js';
import type { Logger } from './log.js';
import { throttledLog } from './log-throttle.js';

/** How long a starting watchdog waits for Redis before it listens anyway (its connect timeout is 1 s). */
const FIRST_CONNECT_MS = 2_000;

/**
 * The login gate's runtime: a Redis connection that keeps reconnecting (while it is down the
 * gate fails closed), and the revocation outbox delivered every second while it holds anything.
 */
export function startGate(ctx: Context, log: Logger, outage: Outage): { gate: Gate; connected: Promise<void>; close(): Promise<void> } {
  const c = ctx.config;
  const store = ctx.store();
  const outbox = ctx.outbox();
  const open = sessionsOn(c, { persistent: true });
  const { redis, sessions } = open;
  // Logged once when it goes down (in words, not ioredis'), a count a minute, once when it is back.
  redis.on('error', (err: Error) => outage.fail(redisProblem(c.redisUrl, err, redis.status), false));
  redis.on('ready', () => outage.ok());
  // The first connection, settled once Redis is ready, refuses, or has not answered within
  // FIRST_CONNECT_MS. The watchdog listens after it: a restarted watchdog otherwise answered the
  // logins of its first milliseconds 503 (the connection takes a few ms to come up), which a
  // test of ours saw. A Redis that is down does not keep wakes from being served: it listens
  // anyway, the gate failing closed until Redis is back.
  const connected = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FIRST_CONNECT_MS);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', done);
    redis.once('error', done);
  });
  redis.connect().catch(() => { /* reported by the error handler; ioredis keeps retrying */ });
  // A refused session cookie is logged with its reason, but a script replaying a stale or forged
  // cookie would otherwise write one line per request: once a minute per tenant and reason.
  const refusedLine = throttledLog(log, 60_000, () => ctx.now());
  const gate = createGate({
    domain: c.domain,
    scheme: c.scheme,
    sessionMaxMs: c.sessionMaxMs,
    loginRate: c.loginRate,
    key: loadJwtKey(c.stateDir, c.jwtSecret),
    passwordHash: (name) => {
      const row = store.get(name);
      return row?.status === 'active' ? row.passwordHash : undefined;
    },
    sessions: () => {
      if (redis.status !== 'ready') throw new Error(`Redis is ${redis.status}`);
      return sessions;
    },
    now: () => ctx.now(),
    log: ({ level, msg, ...fields }) => {
      // The gate logs each request it refuses for want of Redis: those count into the outage
      // (15,689 lines in 3.7 s under load otherwise); anything else goes to the log as it is.
      if (msg === 'gate unavailable' && redisUnreachable(fields.error, redis.status)) outage.fail(redisProblem(c.redisUrl, fields.error, redis.status));
      else if (msg === 'session refused') refusedLine(`${String(fields.tenant)}:${String(fields.reason)}`, level as 'info', String(msg), fields);
      else log(level as 'info', String(msg), fields);
    },
  });
  let delivering = false;
  const timer = setInterval(() => {
    if (delivering || redis.status !== 'ready' || outbox.count() === 0) return;
    delivering = true;
    void deliverRevocations(outbox, sessions)
      .then((d) => {
        if (d.delivered) log('info', 'delivered queued session revocations', { delivered: d.delivered, pending: d.pending });
      })
      .finally(() => (delivering = false));
  }, 1000);
  return {
    gate,
    connected,
    close: async () => {
      clearInterval(timer);
      await open.close();
    },
  };
}
