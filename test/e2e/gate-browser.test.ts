import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { DOMAIN, startStack, type Stack } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

// The login page in a real browser (Debian's Chromium through playwright-core): fill the form,
// land on the tenant's page, log out. Browsers keep `Secure` (and `__Host-`) cookies only over
// HTTPS, so this stack's Caddy serves tenants with certificates from its internal CA
// (tls internal); the browser is told to accept that CA's certificates.

const CHROMIUM = process.env.FEATHER_TEST_CHROMIUM ?? '/usr/bin/chromium';
let s: Stack;
let redis: TestRedis;
let browser: Browser | undefined;
let password = '';

beforeAll(async () => {
  redis = await startRedis();
  s = await startStack({ ports: 1, https: true, env: { FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: redis.url, FEATHER_TENANT_SCHEME: 'https' } });
  const r = await s.run(['add', 'alice', '--json']);
  expect(r.exitCode).toBe(0);
  password = (JSON.parse(r.stdout) as { password: string }).password;
  await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=MAP *.${DOMAIN} 127.0.0.1`,
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await s?.cleanup();
  await redis?.cleanup();
});

/** podman adds and removes bridges as tests run; Chromium aborts a navigation that sees one. */
async function goto(page: import('playwright-core').Page, url: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await page.goto(url);
      return;
    } catch (err) {
      if (i >= 3 || !String(err).includes('ERR_NETWORK_CHANGED')) throw err;
    }
  }
}

async function submit(page: import('playwright-core').Page, origin: string, pw: string, landed: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    if (new URL(page.url()).pathname !== '/_feather/login') await goto(page, `${origin}/_feather/login?next=%2F`);
    await page.fill('#password', pw);
    await Promise.all([page.waitForLoadState('load').catch(() => {}), page.click('button[type=submit]')]);
    if (await landed().catch(() => false)) return true;
    await goto(page, `${origin}/_feather/login?next=%2F`);
  }
  return false;
}

describe('login page in Chromium', () => {
  it('a wrong password stays on the form; the right one lands on the tenant; logout ends the session', async () => {
    const page = await (browser as Browser).newPage({ ignoreHTTPSErrors: true });
    const origin = `https://alice.${DOMAIN}:${s.httpPort}`;
    await goto(page, `${origin}/`);
    expect(new URL(page.url()).pathname).toBe('/_feather/login');
    expect(await page.title()).toBe('Sign in to alice');

    // Each submit is retried from the form if podman's network changes aborted it (see goto).
    expect(await submit(page, origin, 'not-the-password', async () => (await page.locator('.msg').textContent({ timeout: 5000 }))?.includes('Wrong password') === true)).toBe(true);
    expect(await submit(page, origin, password, async () => {
      await page.waitForURL(`${origin}/`, { timeout: 10_000 });
      return true;
    })).toBe(true);
    expect(await page.textContent('h1')).toBe('Feather work container');
    const cookies = await page.context().cookies(origin);
    const ours = cookies.find((c) => c.name === '__Host-feather_session');
    expect(ours).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/', domain: `alice.${DOMAIN}` });
    // The page's own script cannot read the session cookie (HttpOnly).
    expect(await page.evaluate('document.cookie')).not.toContain('feather_session');

    await goto(page, `${origin}/_feather/logout`);
    expect(new URL(page.url()).pathname).toBe('/_feather/login');
    await goto(page, `${origin}/`);
    expect(new URL(page.url()).pathname).toBe('/_feather/login');
    await page.close();
  });
});
