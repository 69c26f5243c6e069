import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { connectRedis } from '../../src/redis/connect.js';
import { SessionStore } from '../../src/auth/sessions.js';
import { keys } from '../../src/auth/keys.js';

// Revocation hooks through the real CLI and a real redis-server: `sessions revoke`, `remove`,
// and the outbox that keeps a revocation made while Redis is down until Redis is back.

let s: Stack;
let redis: TestRedis;
let sessions: SessionStore;
let client: ReturnType<typeof connectRedis>;
const IDLE = 30 * 60_000;

beforeAll(async () => {
  redis = await startRedis();
  s = await startStack({ ports: 2, env: { FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: redis.url } });
  client = connectRedis(redis.url, { persistent: true });
  client.on('error', () => {});
  await client.connect();
  sessions = new SessionStore(client, keys(s.prefix), IDLE, 8 * 3_600_000);
  expect((await s.run(['add', 'alice'])).exitCode).toBe(0);
});
afterAll(async () => {
  client?.disconnect();
  await s?.cleanup();
  await redis?.cleanup();
});

async function login(sid: string): Promise<void> {
  await sessions.create('alice', sid, Date.now(), '127.0.0.1');
  expect(await sessions.checkAndTouch('alice', sid, Date.now())).toBe('ok');
}

function waitReconnected(): Promise<void> {
  return waitFor(() => Promise.resolve(client.status === 'ready'), 5_000, 'the test client to reconnect to Redis');
}

describe('sessions and revocation hooks', () => {
  it('lists sessions and revokes one, then all', async () => {
    await login('sessionaaaaaaaaaaaaaaa');
    await login('sessionbbbbbbbbbbbbbbb');
    const listed = await s.run(['sessions', 'list', 'alice', '--json']);
    expect(listed.exitCode).toBe(0);
    expect((JSON.parse(listed.stdout) as { sid: string }[]).map((x) => x.sid).sort()).toEqual(['sessionaaaaaaaaaaaaaaa', 'sessionbbbbbbbbbbbbbbb']);

    const one = await s.run(['sessions', 'revoke', 'alice', '--session', 'sessionaaaaaaaaaaaaaaa']);
    expect(one.exitCode).toBe(0);
    expect(one.stdout).toContain('revoked session sessionaaaaaaaaaaaaaaa of alice');
    expect(await sessions.checkAndTouch('alice', 'sessionaaaaaaaaaaaaaaa', Date.now())).toBe('revoked');
    expect(await sessions.checkAndTouch('alice', 'sessionbbbbbbbbbbbbbbb', Date.now())).toBe('ok');

    const issuedBefore = Date.now() - 1;
    expect((await s.run(['sessions', 'revoke', 'alice'])).exitCode).toBe(0);
    expect(await sessions.checkAndTouch('alice', 'sessionbbbbbbbbbbbbbbb', issuedBefore)).toBe('revoked');
    expect((await s.run(['sessions', 'list', 'alice'])).stdout.trim()).toBe('no active sessions');
  });

  it('a revocation made while Redis is down is queued and takes effect when Redis is back', async () => {
    await login('sessioncccccccccccccccc');
    const issued = Date.now() - 1;
    await redis.stop();
    const r = await s.run(['sessions', 'revoke', 'alice']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('queued');
    const pending = await s.run(['sessions', 'pending', '--json']);
    expect((JSON.parse(pending.stdout) as { tenant: string; sessionId: null }[])).toMatchObject([{ tenant: 'alice', sessionId: null }]);

    await redis.start(); // an empty Redis: as after a restart without persistence
    await waitReconnected();
    await login('sessioncccccccccccccccc'); // the session is back (e.g. restored from disk)
    // Any next command delivers the outbox, in order.
    expect((await s.run(['list'])).exitCode).toBe(0);
    expect((await s.run(['sessions', 'pending'])).stdout.trim()).toBe('no pending revocations');
    expect(await sessions.checkAndTouch('alice', 'sessioncccccccccccccccc', issued)).toBe('revoked');
  });

  it('remove revokes all of the tenant\'s sessions', async () => {
    await login('sessiondddddddddddddddd');
    const issued = Date.now() - 1;
    expect((await s.run(['remove', 'alice'])).exitCode).toBe(0);
    expect(await sessions.checkAndTouch('alice', 'sessiondddddddddddddddd', issued)).toBe('revoked');
  });

  it('session commands refuse unknown tenants and a gate that is off', async () => {
    expect((await s.run(['sessions', 'list', 'nobody'])).exitCode).toBe(3);
    expect((await s.run(['sessions', 'list', 'alice'], { FEATHER_TENANT_AUTH: 'off' })).exitCode).toBe(2);
  });
});
