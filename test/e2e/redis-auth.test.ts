import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startStack, waitFor, type Stack, type Watchdog } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

// Redis with a password (requirepass, from a config file) behind the login gate: the watchdog and
// the CLI read it from FEATHER_TENANT_REDIS_PASSWORD_FILE; no password, a wrong one or a file
// others can read is a clear error naming Redis, and the password never shows anywhere.

const PASSWORD = randomBytes(24).toString('hex');
const COOKIE = '__Host-feather_session';
let s: Stack;
let redis: TestRedis;
let w: Watchdog;
let alicePassword: string;
let pwFile: string;

const file = (name: string, text: string, mode = 0o600) => {
  const p = join(s.dir, name);
  writeFileSync(p, text, { mode });
  return p;
};

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD });
  s = await startStack({ ports: 2, env: { FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: redis.url } });
  pwFile = file('redis.password', `${PASSWORD}\n`);
  s.env.FEATHER_TENANT_REDIS_PASSWORD_FILE = pwFile;
  const r = await s.run(['add', 'alice', '--json']);
  expect(r.exitCode, r.stderr).toBe(0);
  alicePassword = (JSON.parse(r.stdout) as { password: string }).password;
  w = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
});
afterAll(async () => {
  await s?.cleanup();
  await redis?.cleanup();
});

/** Logs alice in (retrying a 503: after a Redis restart the gate fails closed until it reconnects). */
async function login(): Promise<string> {
  let cookie = '';
  await waitFor(async () => {
    const r = await s.get('alice', '/_feather/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: alicePassword, next: '/cgi-bin/info' }).toString(),
    });
    if (r.status !== 503) expect(r.status).toBe(303);
    cookie = String(r.headers['set-cookie']);
    return r.status === 303;
  }, 10_000, 'a login through the gate');
  return new RegExp(`${COOKIE}=([^;]+)`).exec(cookie)?.[1] as string;
}

const expectNoPassword = (text: string) => expect(text).not.toContain(PASSWORD);

describe('Redis with a password', () => {
  it('refuses clients without it (the test server really asks for one)', async () => {
    const r = await execa('redis-cli', ['-p', String(redis.port), 'ping'], { reject: false });
    expect(r.stdout).toContain('NOAUTH');
  });

  it('the gate logs in and the CLI lists the session, both with the password from the file', async () => {
    const token = await login();
    const page = await s.get('alice', '/cgi-bin/info', { headers: { cookie: `${COOKIE}=${token}` } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('tenant=alice');
    const listed = await s.run(['sessions', 'list', 'alice', '--json']);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
    expect((await s.run(['config'])).stdout).toContain(`"redisPasswordFile": "${pwFile}"`);
  });

  it("the password is in no process's argv or environment (watchdog, redis-server)", () => {
    const pids = [w.child.pid, redis.pid()];
    expect(pids.every(Boolean)).toBe(true);
    for (const pid of pids) {
      expectNoPassword(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      expectNoPassword(readFileSync(`/proc/${pid}/environ`, 'utf8'));
    }
    expectNoPassword(w.logs().map((l) => JSON.stringify(l)).join('\n'));
  });

  it.each([
    ['no password file', () => '', /Redis at redis:\/\/127\.0\.0\.1:\d+ wants a password: NOAUTH/, 'set FEATHER_TENANT_REDIS_PASSWORD_FILE'],
    ['a wrong password', () => file('wrong.password', 'not-the-password\n'), /Redis at redis:\/\/127\.0\.0\.1:\d+ refused the password: WRONGPASS/, 'check the file in FEATHER_TENANT_REDIS_PASSWORD_FILE'],
    ['a missing file', () => join(s.dir, 'no-such-file'), /Redis password file \S+no-such-file: cannot open it \(ENOENT\)/, 'set FEATHER_TENANT_REDIS_PASSWORD_FILE'],
    ['a group-readable file', () => file('shared.password', PASSWORD, 0o640), /Redis password file \S+shared\.password: its mode is 0640/, 'chmod 600'],
  ])('%s: the CLI exits 1 naming Redis, never showing the password', async (_what, pathOf, message, hint) => {
    const r = await s.run(['sessions', 'list', 'alice'], { FEATHER_TENANT_REDIS_PASSWORD_FILE: pathOf() });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(hint);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expectNoPassword(r.stderr + r.stdout);
  });

  it('a watchdog with a wrong password keeps the gate closed (503) and logs why; one with an unreadable file does not start', async () => {
    const token = await login();
    await w.stop();
    const wrong = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60', FEATHER_TENANT_REDIS_PASSWORD_FILE: file('wrong2.password', 'nope\n') });
    const refused = await s.get('alice', '/cgi-bin/info', { headers: { cookie: `${COOKIE}=${token}` } });
    expect(refused.status).toBe(503);
    // Logged once, as an outage, in an operator's words (redis/problem.ts), not ioredis' WRONGPASS.
    await waitFor(() => Promise.resolve(wrong.logs().some((l) => l.level === 'error' && /refuses our credentials/.test(String(l.reason)))), 10_000, 'the watchdog to log the refused password');
    expectNoPassword(wrong.logs().map((l) => JSON.stringify(l)).join('\n'));
    await wrong.stop();

    const unreadable = await s.run(['watchdog'], { FEATHER_TENANT_REDIS_PASSWORD_FILE: file('open.password', PASSWORD, 0o644) });
    expect(unreadable.exitCode).toBe(1);
    expect(unreadable.stderr).toMatch(/Redis password file \S+open\.password: its mode is 0644/);
    expectNoPassword(unreadable.stderr);

    // The right file again: the session works once the new watchdog has connected (/healthz answers before that).
    const right = await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
    await waitFor(async () => (await s.get('alice', '/cgi-bin/info', { headers: { cookie: `${COOKIE}=${token}` } })).status === 200, 10_000, 'the session to pass the gate again');
    await right.stop();
  });
});
