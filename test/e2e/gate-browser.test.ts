import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { DOMAIN, startStack, type Stack } from '../helpers/stack.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

// The login page in a real browser (helpers/browser.ts): fill the form, land on the tenant's
// page, log out. Browsers keep `Secure` (and `__Host-`) cookies only over HTTPS, so this
// stack's Caddy serves tenants with certificates from its internal CA (tls internal); the
// browser is told to accept that CA's certificates.

let s: Stack;
let redis: TestRedis;
let tb: TestBrowser | undefined;
let password = '';

beforeAll(async () => {
  redis = await startRedis();
  s = await startStack({ ports: 1, https: true, env: { FEATHER_TENANT_AUTH: 'jwt', FEATHER_TENANT_REDIS_URL: redis.url, FEATHER_TENANT_SCHEME: 'https' } });
  const r = await s.run(['add', 'alice', '--json']);
  expect(r.exitCode).toBe(0);
  password = (JSON.parse(r.stdout) as { password: string }).password;
  await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
  tb = await launchBrowser([s.httpPort]);
});
afterAll(async () => {
  await tb?.close();
  await s?.cleanup();
  await redis?.cleanup();
});

/** Submits the form with the page's navigation awaited, so the next check sees where it landed. */
async function submit(page: Page, pw: string): Promise<void> {
  await page.fill('#password', pw);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

describe('login page in Chromium', () => {
  it('a wrong password stays on the form; the right one lands on the tenant; the logout button ends the session', async () => {
    const page = await (tb?.browser as Browser).newPage({ ignoreHTTPSErrors: true });
    const origin = `https://alice.${DOMAIN}:${s.httpPort}`;
    await page.goto(`${origin}/`);
    expect(new URL(page.url()).pathname).toBe('/_feather/login');
    expect(await page.title()).toBe('Sign in to alice');

    await submit(page, 'not-the-password');
    expect(new URL(page.url()).pathname).toBe('/_feather/login');
    expect(await page.locator('.msg').textContent()).toContain('Wrong password');
    await submit(page, password);
    expect(page.url()).toBe(`${origin}/`);
    expect(await page.textContent('h1')).toBe('Feather work container');
    const cookies = await page.context().cookies(origin);
    const ours = cookies.find((c) => c.name === '__Host-feather_session');
    expect(ours).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/', domain: `alice.${DOMAIN}` });
    // The page's own script cannot read the session cookie (HttpOnly).
    expect(await page.evaluate('document.cookie')).not.toContain('feather_session');

    // Logout is a POST (a GET only shows the button): the form's POST carries the page's Origin.
    await page.goto(`${origin}/_feather/logout`);
    expect(await page.title()).toBe('Sign out of alice');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(new URL(page.url()).pathname).toBe('/_feather/login');
    await page.goto(`${origin}/`);
    expect(new URL(page.url()).pathname).toBe('/_feather/login');
    await page.close();
  });
});
