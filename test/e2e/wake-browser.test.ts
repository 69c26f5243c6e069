import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { sleepAll, tune } from '../helpers/wake.js';

// The waiting page in a real browser (helpers/browser.ts), resolving *.test.local to this
// stack's Caddy.

let s: Stack;
let tb: TestBrowser | undefined;
beforeAll(async () => {
  s = await startStack({ ports: 1 });
  expect((await s.run(['add', 'alice'])).exitCode).toBe(0);
  await tune(s, 'alice', 'start', 2); // a start slow enough to see the page
  await s.startWatchdog({ FEATHER_TENANT_IDLE_MINUTES: '60' });
  tb = await launchBrowser([s.httpPort]);
});
afterAll(async () => {
  await tb?.close();
  await s?.cleanup();
});

describe('waiting page in a browser', () => {
  it('a sleeping tenant shows the waiting page, which ends on the tenant’s own page, never a Bad Gateway', async () => {
    await sleepAll(s, ['alice']);
    const page = await (tb?.browser as Browser).newPage();
    const documents: number[] = [];
    const all: number[] = [];
    page.on('response', (r) => {
      all.push(r.status());
      if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) documents.push(r.status());
    });

    const first = await page.goto(`http://alice.test.local:${s.httpPort}/`, { waitUntil: 'domcontentloaded' });
    expect(first?.status()).toBe(503);
    expect(await page.title()).toBe('Waking up alice…');
    expect(await page.locator('#feather-wake').getAttribute('data-tenant')).toBe('alice');

    await page.waitForFunction('document.title === "Feather work (stand-in)"', undefined, { timeout: 30_000 });
    expect(await page.locator('h1').textContent()).toBe('Feather work container');
    expect(documents).toEqual([503, 200]);
    expect(all.filter((st) => st === 502 || st === 504)).toEqual([]);
    // The page polled the wake status at least once before it reloaded.
    expect(all.length).toBeGreaterThan(2);
    await page.close();
  });
});
